"""The learning-rate finder: Lightning's range test (`Tuner.lr_find`) on the run's own model and data.

`optimizer.lr=auto` (and `nnfw tune lr`) trains a copy of the run's model for `lr_finder.steps`
steps, each at a larger rate from `lr_finder.min_lr` to `lr_finder.max_lr`, and takes the rate
where the loss falls fastest. The copy starts from the weights the run will start from, and the
random state is put back afterwards, so the run then trains exactly as with `optimizer.lr=RATE`.

The search runs Lightning's own loop, one optimizer step per Lightning step: no fused steps
(nnfw.tasks.fusion), whose optimizer steps Lightning's finder could not see, and no scheduler,
which the finder replaces by its own; in one process, without the run's callbacks and loggers.
"""

from __future__ import annotations

import copy
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
from lightning.pytorch.tuner import Tuner
from lightning.pytorch.utilities.seed import isolate_rng
from omegaconf import DictConfig, OmegaConf

from nnfw.artifacts.checkpoints import load_checkpoint
from nnfw.errors import UserError

#: the value of optimizer.lr that asks for the finder's rate
AUTO = "auto"
#: a fix for every problem with the search
SET_IT = "or give the rate yourself: optimizer.lr=0.01"


@dataclass(frozen=True)
class LearningRateSearch:
    """What a range test found: each rate it tried with the (smoothed) training loss at it, and the
    suggested rate (where the loss fell fastest), searched from `min_lr` to `max_lr`."""

    lrs: tuple[float, ...]
    losses: tuple[float, ...]
    suggested_lr: float
    min_lr: float
    max_lr: float

    def summary(self) -> dict[str, Any]:
        """What summary.json records of the search."""
        return {"suggested_lr": self.suggested_lr, "min_lr": self.min_lr, "max_lr": self.max_lr,
                "steps": len(self.lrs)}

    def record(self) -> dict[str, Any]:
        """What lr_finder.json holds: the summary, and the loss at each rate."""
        return {**self.summary(), "lr": list(self.lrs), "loss": list(self.losses)}


def requested(cfg: DictConfig) -> bool:
    """Whether the run asks for the finder's rate (`optimizer.lr=auto`)."""
    return (cfg.get("optimizer") or {}).get("lr") == AUTO


def with_rate(unresolved: DictConfig, rate: float) -> DictConfig:
    """`unresolved` with optimizer.lr=`rate`, resolved in place: what interpolates the rate (one-cycle's
    max_lr) follows it."""
    unresolved.optimizer.lr = rate
    OmegaConf.resolve(unresolved)
    return unresolved


def find(cfg: DictConfig, datamodule: pl.LightningDataModule) -> tuple[LearningRateSearch | None, float]:
    """The search for the run `cfg` (resolved) and the rate it suggests; a continued run
    (`ckpt_path`) searches nothing and keeps the rate its checkpoint was trained with."""
    if cfg.get("ckpt_path"):
        return None, checkpoint_rate(Path(cfg.ckpt_path))
    found = search(cfg, datamodule)
    return found, found.suggested_lr


def checkpoint_rate(path: Path) -> float:
    """The rate a continued run's checkpoint was trained with (its optimizer's state holds the same)."""
    rate = load_checkpoint(path)["nnfw"]["config"]["optimizer"]["lr"]
    if not isinstance(rate, (int, float)):
        raise UserError(f"optimizer.lr=auto: the checkpoint {path} records no learning rate ({rate!r})", SET_IT)
    return float(rate)


def settings(cfg: DictConfig) -> tuple[float, float, int]:
    """(min_lr, max_lr, steps) of `lr_finder`, checked against each other."""
    found = cfg.lr_finder
    low, high, steps = float(found.min_lr), float(found.max_lr), int(found.steps)
    if low >= high:
        raise UserError(f"lr_finder.min_lr ({low:g}) must be below lr_finder.max_lr ({high:g})",
                        "e.g. lr_finder.min_lr=1e-6 lr_finder.max_lr=1")
    return low, high, steps


def search(cfg: DictConfig, datamodule: pl.LightningDataModule) -> LearningRateSearch:
    """Lightning's range test on a copy of the run `cfg` (resolved) builds, on its `datamodule`."""
    from nnfw.run.train import build_task, build_trainer, initialize  # the run builds its parts; the search copies them

    low, high, steps = settings(cfg)
    trial = copy.deepcopy(cfg)
    trial.optimizer.lr, trial.scheduler = low, None  # the finder sets every rate, and steps its own schedule
    trial.callbacks = {name: node for name, node in (cfg.callbacks or {}).items() if name == "data_on_device"}
    trial.logger = None
    with isolate_rng(), tempfile.TemporaryDirectory(prefix="nnfw-lr-finder-") as scratch:
        task = build_task(trial, datamodule)
        if cfg.get("init_from"):
            initialize(task, Path(cfg.init_from))
        if not task.automatic_optimization:
            raise UserError(f"optimizer.lr=auto: the learning-rate finder cannot search for task "
                            f"{type(task).__name__}, which takes its optimizer steps itself", SET_IT)
        trainer = build_trainer(trial, default_root_dir=scratch, max_epochs=-1, min_epochs=None, max_time=None,
                                max_steps=-1, fast_dev_run=False, enable_checkpointing=False,
                                enable_progress_bar=False, enable_model_summary=False,
                                check_val_every_n_epoch=max(1, steps))
        if trainer.world_size > 1:
            raise UserError(f"optimizer.lr=auto searches in one process, and this run trains in {trainer.world_size}",
                            "find the rate in one process first (nnfw tune lr with the same options and "
                            "trainer.devices=1 trainer.strategy=auto), then train with optimizer.lr=RATE")
        found = Tuner(trainer).lr_find(task, datamodule=datamodule, min_lr=low, max_lr=high, num_training=steps,
                                       update_attr=False)
    lrs, losses = tuple(found.results.get("lr", ())), tuple(found.results.get("loss", ()))
    suggested = found.suggestion() if lrs else None
    if suggested is None or not math.isfinite(suggested):
        finite = sum(math.isfinite(loss) for loss in losses)
        raise UserError(f"the learning-rate finder could not suggest a rate: {finite} finite losses in "
                        f"{len(lrs)} steps from {low:g} to {high:g}",
                        f"search more steps (lr_finder.steps={2 * steps}) or a narrower range, {SET_IT}")
    return LearningRateSearch(lrs, losses, float(suggested), low, high)
