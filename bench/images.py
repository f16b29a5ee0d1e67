"""One epoch of a CNN on the 8x8 digits through nnfw against a hand-written PyTorch loop.

    python bench/images.py            # prints both wall times and their ratio
    python bench/images.py 5          # five epochs instead of one

Same model (experiment=digits_cnn's two conv blocks and dense head), data tensors, batch size
(32) and optimizer (Adam), in the same process, as bench/steps.py compares tables. The shifts and
the cosine schedule of digits_cnn are turned off, since the plain loop has neither. nnfw's time
also holds one validation per epoch, the checkpoints and TensorBoard logging.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from steps import run_nnfw_config, run_plain  # noqa: E402

OVERRIDES = ["experiment=digits_cnn", "data.augment.crop_padding=0", "scheduler=none",
             "trainer.check_val_every_n_epoch=1"]


def bench_cnn_digits(epochs: int = 1) -> dict[str, float]:
    """Wall times of `epochs` training epochs (nnfw's fit time, the plain loop's) and nnfw / plain."""
    summary, config = run_nnfw_config([*OVERRIDES, f"trainer.max_epochs={epochs}"])
    plain, _ = run_plain(config, summary["epochs"])  # the loop alone, as nnfw's fit time
    nnfw = summary["fit_time_s"]
    return {"nnfw_s": nnfw, "plain_s": plain, "ratio": nnfw / plain}


if __name__ == "__main__":
    result = bench_cnn_digits(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
    print(f"cnn on digits: nnfw {result['nnfw_s']:.3f} s, plain loop {result['plain_s']:.3f} s, "
          f"ratio {result['ratio']:.2f}")
