"""`nnfw tune lr [group=option ...] [key=value ...]`: the learning-rate finder on the model and data
the same options give `nnfw train`, in a run directory of its own."""

from __future__ import annotations

import shlex
import time
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from nnfw.config.checks import check
from nnfw.errors import UserError, suggestion

USAGE = "usage: nnfw tune lr [group=option ...] [key=value ...]"
HELP = f"""{USAGE}

Lightning's learning-rate range test on the model and data that the same options give
`nnfw train`: lr_finder.steps training steps (100), each at a larger rate, from lr_finder.min_lr
(1e-6) up to lr_finder.max_lr (1), and the rate where the loss falls fastest. Prints that rate and
the command that trains with it, and writes lr_finder.png (the loss against the rate),
lr_finder.json and summary.json in its run directory (hydra.run.dir=DIR; `nnfw report DIR` shows
them). `nnfw train optimizer.lr=auto ...` searches the same way first and trains with the rate.

examples:
  nnfw tune lr model=cnn data=digits
  nnfw tune lr data=moons optimizer=sgd lr_finder.max_lr=10"""
#: what `nnfw tune` tunes
TUNABLE = ("lr",)
#: the keys `nnfw tune lr` sets itself, or that would make no fresh search: (the problem, the fix)
REFUSED = {"optimizer.lr": ("nnfw tune lr searches optimizer.lr itself", "leave it out"),
           "ckpt_path": ("the finder searches from a model's first weights, not a continued run's",
                         "leave ckpt_path out (init_from=CHECKPOINT starts the search from a checkpoint's weights)")}

def run(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(HELP)
        return 0 if argv else 2
    what, overrides = argv[0], argv[1:]
    if what not in TUNABLE:
        raise UserError(f"unknown setting to tune '{what}'", suggestion(what, TUNABLE, "nnfw tune tunes") or USAGE)
    for override in overrides:
        key = override.split("=", 1)[0].lstrip("+~")
        if override.startswith("-"):
            raise UserError(f"nnfw tune lr takes no flag '{override}'", "give group=option and key=value overrides, "
                                                                         "as to nnfw train (one run, no -m)")
        if key in REFUSED:
            problem, fix = REFUSED[key]
            raise UserError(f"{override}: {problem}", fix)
    checked, _ = check([*overrides, "optimizer.lr=auto"], "train")

    from nnfw.cli.train import run_composed

    run_composed(checked, "train", task_function=lambda cfg, prepared: report_search(cfg, prepared, overrides))
    return 0


def report_search(cfg: DictConfig, prepared: Any, overrides: list[str]) -> None:
    """The finder's files and summary.json in the run directory, its rate and how to train with it on
    the terminal, the run directory last."""
    from hydra.core.hydra_config import HydraConfig

    from nnfw.artifacts.summary import write_summary
    from nnfw.run.train import task_name
    from nnfw.views.tuning import save_search

    run_dir = Path(HydraConfig.get().runtime.output_dir)
    search = prepared.lr_search
    save_search(prepared.trainer, search.record())
    write_summary(run_dir, {"status": "completed", "command": "tune lr", "task": task_name(cfg, prepared.task.spec),
                            "lr_finder": search.summary(), "wall_time_s": round(time.perf_counter() - prepared.started, 3),
                            "overrides": [*overrides, "optimizer.lr=auto"]})
    kept = [o for o in overrides if not o.startswith("hydra.")]
    rate = f"{search.suggested_lr:.3g}"
    print(f"learning-rate finder: optimizer.lr={rate}, where the loss fell fastest "
          f"({len(search.lrs)} steps from {search.min_lr:g} to {search.max_lr:g}; the curve: {run_dir / 'lr_finder.png'})")
    print(f"train with it: {shlex.join(['nnfw', 'train', *kept, f'optimizer.lr={rate}'])}")
    print(run_dir)
