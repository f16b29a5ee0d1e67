"""What image augmentation costs an epoch: the digits CNN trained with every image change on
against the same run with none, in the same process.

    python bench/augment.py            # 5 epochs a run, 3 pairs: prints fit times and ratios
    python bench/augment.py 10 5       # 10 epochs a run, 5 pairs

Both runs are experiment=digits_cnn (its 1-pixel shifts turned off in the plain run) for the
same epochs. The augmented run flips, shifts by up to a pixel, rotates up to 10 degrees, crops
60-100% of the area, changes brightness, contrast and noise: one grid_sample and a few
elementwise ops per batch on the device, inside fused steps as without augmentation. Ratios
divide fit times (summary.json's fit_time_s); "ratio" is the fastest augmented run over the
fastest plain one, and the median of the pairs' ratios is printed beside it.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from steps import run_nnfw  # noqa: E402

BASE = ["experiment=digits_cnn", "trainer.check_val_every_n_epoch=1", "logger=none", "callbacks.model_summary=null"]
PLAIN = ["data.augment.crop_padding=0"]
AUGMENTED = ["data.augment.flip=true", "data.augment.crop_padding=1", "data.augment.rotation=10",
             "data.augment.scale=[0.6,1]", "data.augment.brightness=0.3", "data.augment.contrast=0.3",
             "data.augment.noise=0.05"]


def fit_time(overrides: list[str], epochs: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        return run_nnfw([*BASE, *overrides, f"trainer.max_epochs={epochs}"], Path(tmp) / "run")["fit_time_s"]


def bench_augmentation(epochs: int = 5, pairs: int = 3) -> dict[str, float]:
    """Fit times of the plain and augmented runs (fastest of `pairs`), and their ratios."""
    times: dict[str, list[float]] = {"plain": [], "augmented": []}
    fit_time(PLAIN, 1)  # warm-up: imports, first-call allocations
    for _ in range(pairs):
        for name, overrides in (("plain", PLAIN), ("augmented", AUGMENTED)):
            times[name].append(fit_time(overrides, epochs))
    best = {name: min(values) for name, values in times.items()}
    return {**{f"{name}_s": value for name, value in best.items()},
            "ratio": best["augmented"] / best["plain"],
            "median_ratio": statistics.median(a / p for a, p in zip(times["augmented"], times["plain"]))}


if __name__ == "__main__":
    arguments = [int(a) for a in sys.argv[1:]]
    result = bench_augmentation(*arguments)
    print(f"digits cnn, {arguments[0] if arguments else 5} epochs: plain {result['plain_s']:.2f} s, "
          f"augmented {result['augmented_s']:.2f} s; augmented / plain {result['ratio']:.2f} "
          f"(median of pairs {result['median_ratio']:.2f})")
