"""Callbacks that draw what a run learned: its learning curves, and for two-input data the
decision boundary and what each hidden unit responds to (one input: the fitted curve).

They draw at validation or at the end, never in the training loop; each is one callback,
dropped with `callbacks.NAME=null`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import numpy as np
import torch
from lightning.pytorch.callbacks import Callback, EarlyStopping
from lightning.pytorch.loggers import TensorBoardLogger
from torch import nn

from nnfw.artifacts.history import HISTORY_FILE, main_metric, write_history
from nnfw.models.layers import ACTIVATION_LAYERS
from nnfw.views import figures, pictures

log = logging.getLogger("nnfw.run")

#: values of the callback metrics a history row keeps
HISTORY_PREFIXES = ("train/", "val/", "diag/")


def publish(trainer: pl.Trainer, name: str, picture: np.ndarray, save: bool = True, step: int | None = None) -> None:
    """A picture to TensorBoard's image tab (at `step`, default this one) and, when `save`, as NAME.png
    in the run directory: every picture a run draws goes through here."""
    if save:
        pictures.save_png(picture, Path(trainer.default_root_dir) / f"{name}.png")
    for logger in trainer.loggers:
        if isinstance(logger, TensorBoardLogger):
            logger.experiment.add_image(f"images/{name}", picture, trainer.global_step if step is None else step,
                                        dataformats="HWC")


def user_epoch(trainer: pl.Trainer) -> int:
    """Epochs trained so far as the user counts them (full-batch runs train several per Lightning epoch)."""
    return (trainer.current_epoch + 1) * getattr(trainer.lightning_module, "epochs_per_step", 1)


class LearningCurves(Callback):
    """Keeps the logged values of every validating epoch; when fitting ends (also on failure)
    writes them to history.csv, and draws learning_curves.png, the best and early-stop epochs
    marked, when the run evaluates its reported checkpoint: outside the timed fit, as the run's
    other pictures are (at the fit's end when it does not evaluate: fast_dev_run, a failure).

    A row is taken when the epoch's training values have been logged too, which Lightning does
    after validating: at the next epoch's start, or at the end of training.
    """

    def __init__(self) -> None:
        self.rows: list[dict[str, float]] = []
        self.validated: int | None = None

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.rows, self.validated = [], None

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.state.fn == "fit" and not trainer.sanity_checking:
            self.validated = user_epoch(trainer)
        elif trainer.state.fn == "validate":
            self.draw(trainer)

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._take_row(trainer)

    def _take_row(self, trainer: pl.Trainer) -> None:
        if self.validated is None:
            return
        row = {"epoch": float(self.validated), "step": float(trainer.global_step)}
        logged = trainer.callback_metrics
        row.update({k: float(v) for k, v in logged.items() if k.startswith(HISTORY_PREFIXES) and not k.endswith("_step")})
        for key in [k for k in logged if k.startswith("diag/")]:  # each diagnostic reading goes in one row
            del logged[key]
        if trainer.optimizers and trainer.optimizers[0].param_groups:  # none for the perceptron rule
            row["lr"] = float(trainer.optimizers[0].param_groups[0]["lr"])
        self.rows.append(row)
        self.validated = None
        log.info("epoch %d: %s", row["epoch"], "  ".join(f"{k} {v:.4g}" for k, v in row.items()
                                                        if k.startswith(("train/", "val/"))))

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self._take_row(trainer)
        if trainer.fast_dev_run:
            self.draw(trainer)
        elif self.rows and trainer.is_global_zero:
            write_history(self.rows, Path(trainer.default_root_dir) / HISTORY_FILE)

    def on_exception(self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException) -> None:
        self._take_row(trainer)
        self.draw(trainer)

    def draw(self, trainer: pl.Trainer) -> None:
        if not self.rows or not trainer.is_global_zero:
            return
        write_history(self.rows, Path(trainer.default_root_dir) / HISTORY_FILE)
        stopper = trainer.early_stopping_callback
        per_step = getattr(trainer.lightning_module, "epochs_per_step", 1)
        stopped = (stopper.stopped_epoch + 1) * per_step if isinstance(stopper, EarlyStopping) and stopper.stopped_epoch else None
        picture = figures.learning_curves(self.rows, main_metric(self.rows), self.best_epoch(trainer), stopped)
        publish(trainer, "learning_curves", picture, save=True)

    def best_epoch(self, trainer: pl.Trainer) -> int | None:
        """The epoch whose value of the checkpoint's monitored metric is the best."""
        checkpoint = trainer.checkpoint_callback
        monitor = getattr(checkpoint, "monitor", None)
        scored = [(row[monitor], row["epoch"]) for row in self.rows if monitor in row and math.isfinite(row[monitor])]
        if not scored:
            return None
        best = max(scored) if getattr(checkpoint, "mode", "min") == "max" else min(scored)
        return int(best[1])


def first_activation(model: nn.Module) -> nn.Module | None:
    """The activation after the first layer, whose outputs are the first hidden layer's units."""
    return next((m for m in model.modules() if isinstance(m, tuple(ACTIVATION_LAYERS.values()))), None)


class InputPlane(Callback):
    """For data of two inputs: decision_boundary.png (and decision_boundary.npz, the grid and the
    model's scores behind it) and, for models with a hidden layer, hidden_units.png; for a regression
    on one input, fitted_curve.png. Drawn for the weights the run reports (its final validation), and
    the boundary in TensorBoard at `drawings` evenly spaced validations while fitting (0: none):
    those keep the model's outputs on the grid and are rendered with the final pictures, outside
    the timed fit, as colours without axes (`figures.score_map`: matplotlib takes longer to draw
    one figure than a spirals run takes to train 100 epochs).
    Does nothing for other data."""

    def __init__(self, resolution: int = 150, drawings: int = 4, max_units: int = 64) -> None:
        self.resolution, self.drawings, self.max_units = resolution, drawings, max_units
        self.validations = 0
        self.pending: list[tuple[int, dict[str, Callable[[], np.ndarray]]]] = []  # (step, unrendered pictures)

    @staticmethod
    def applies(pl_module: pl.LightningModule, datamodule: Any) -> bool:
        spec = getattr(pl_module, "spec", None)
        if spec is None or spec.image_shape or not hasattr(datamodule, "transform") or not pl_module.predicts_targets:
            return False
        classifier = spec.task in ("binary", "multiclass") and spec.num_features == 2
        return classifier or (spec.task == "regression" and spec.num_features == 1 and spec.num_targets == 1)

    @property
    def frame_resolution(self) -> int:
        """Grid points per axis of a frame while fitting: a third of the final picture's (each
        frame evaluates the model on the whole grid, at every drawing), shown as large pixels."""
        return min(self.resolution, max(32, self.resolution // 3))

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.validations, self.pending = 0, []

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not trainer.is_global_zero or trainer.sanity_checking or not self.applies(pl_module, trainer.datamodule):
            return
        final = trainer.state.fn == "validate"
        if not final and not self.drawings:
            return
        if not final:
            expected = max(1, (trainer.max_epochs or 1) // (trainer.check_val_every_n_epoch or 1))
            self.validations += 1
            if not (self.validations - 1) % max(1, math.ceil(expected / self.drawings)):
                with torch.no_grad():
                    self.pending.append((trainer.global_step, self.pictures(pl_module, trainer.datamodule, None)))
            return
        self.render_pending(trainer)
        with torch.no_grad():
            drawn = self.pictures(pl_module, trainer.datamodule, Path(trainer.default_root_dir))
        for name, render in drawn.items():
            publish(trainer, name, render(), save=True)

    def render_pending(self, trainer: pl.Trainer) -> None:
        """The pictures kept while fitting, each in TensorBoard at the step it shows."""
        for step, drawn in self.pending:
            for name, render in drawn.items():
                publish(trainer, name, render(), save=False, step=step)
        self.pending = []

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.fast_dev_run:  # no evaluation follows
            self.render_pending(trainer)

    def on_exception(self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException) -> None:
        self.render_pending(trainer)

    def points(self, datamodule: Any) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Train and test features in their own units, with their targets."""
        shown = {}
        for split in ("train", "test"):
            features, targets = datamodule.tensors[split]
            features = features.cpu().numpy()
            if datamodule.mean is not None:
                features = features * datamodule.std + datamodule.mean
            shown[split] = (features, targets.cpu().numpy())
        if shown["test"][0] is shown["train"][0] or np.array_equal(shown["test"][0], shown["train"][0]):
            del shown["test"]  # a split of fraction 0 is the training data
        return shown

    def outputs(self, pl_module: pl.LightningModule, datamodule: Any, inputs: np.ndarray) -> torch.Tensor:
        model_inputs = torch.as_tensor(datamodule.transform(inputs), dtype=torch.float32, device=pl_module.device)
        return pl_module.model(model_inputs)

    def pictures(self, pl_module: pl.LightningModule, datamodule: Any,
                 run_dir: Path | None) -> dict[str, Callable[[], np.ndarray]]:
        """The pictures by name, each computed and ready to render. `run_dir` is the final drawing's
        (the grid is saved there and the hidden units drawn); None while fitting."""
        points = self.points(datamodule)
        spec = pl_module.spec
        everything = np.concatenate([features for features, _ in points.values()])
        low, high = everything.min(axis=0), everything.max(axis=0)
        low, high = low - 0.1 * (high - low + 1e-6), high + 0.1 * (high - low + 1e-6)
        if spec.task == "regression":
            grid = np.linspace(low[0], high[0], self.resolution, dtype=np.float32)[:, None]
            fitted = pl_module.predictions(self.outputs(pl_module, datamodule, grid)).cpu().numpy()
            unscaled = {split: (x[:, 0], spec.unscale_targets(y)) for split, (x, y) in points.items()}
            return {"fitted_curve": partial(figures.fitted_curve, grid[:, 0], fitted, unscaled,
                                            (spec.feature_names[0], "target"))}
        steps = self.resolution if run_dir is not None else self.frame_resolution
        xx, yy = np.meshgrid(*(np.linspace(low[i], high[i], steps, dtype=np.float32) for i in range(2)))
        grid = np.stack([xx.ravel(), yy.ravel()], axis=1)
        activation = first_activation(pl_module.model)
        captured: list[torch.Tensor] = []
        hook = activation.register_forward_hook(lambda m, i, o: captured.append(o)) if activation is not None else None
        try:
            scores = pl_module.predictions(self.outputs(pl_module, datamodule, grid)).cpu().numpy()
        finally:
            if hook is not None:
                hook.remove()
        scores = scores.reshape(*xx.shape, *scores.shape[1:])
        if run_dir is None:  # a frame while fitting: the boundary's colours alone, drawn in a millisecond
            return {"decision_boundary": partial(figures.score_map, xx, yy, scores, points,
                                                 scale=max(2, round(2 * self.resolution / steps)))}
        predicted = {split: self.classes(pl_module, datamodule, features) for split, (features, _) in points.items()}
        np.savez_compressed(run_dir / "decision_boundary.npz", xx=xx, yy=yy, scores=scores)
        drawn = {"decision_boundary": partial(figures.decision_boundary, xx, yy, scores, points, predicted,
                                              spec.class_names, spec.feature_names)}
        if captured and captured[0].ndim == 2:
            units = captured[0][:, : self.max_units].cpu().numpy()
            drawn["hidden_units"] = partial(figures.hidden_units, units.reshape(*xx.shape, -1))
        return drawn

    def classes(self, pl_module: pl.LightningModule, datamodule: Any, features: np.ndarray) -> np.ndarray:
        scores = pl_module.predictions(self.outputs(pl_module, datamodule, features))
        return (scores.argmax(-1) if scores.ndim > 1 else (scores >= 0.5).long()).cpu().numpy()


def last_layer_attention(model: nn.Module, tokens: torch.Tensor) -> torch.Tensor | None:
    """Each head's attention weights (heads, T, T) of the last encoder layer on one sequence `tokens`
    (1, T) under a causal mask; None for models without one."""
    layers = [m for m in model.modules() if isinstance(m, nn.TransformerEncoderLayer)]
    if not layers:
        return None
    last = layers[-1]
    received: list[torch.Tensor] = []
    hook = last.register_forward_pre_hook(lambda m, args: received.append(args[0]))
    try:
        model(tokens)
    finally:
        hook.remove()
    hidden = last.norm1(received[0]) if last.norm_first else received[0]
    mask = nn.Transformer.generate_square_subsequent_mask(hidden.shape[1], device=hidden.device)
    _, weights = last.self_attn(hidden, hidden, hidden, attn_mask=mask, need_weights=True, average_attn_weights=False)
    return weights[0]


class AttentionMaps(Callback):
    """For a transformer language model, after its final validation: attention.png, each head's
    attention weights of the last layer on the first validation sequence (`length` characters,
    on both axes), beside the positional encoding. Does nothing for other models."""

    def __init__(self, length: int = 24) -> None:
        self.length = length

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.state.fn != "validate" or not trainer.is_global_zero or trainer.datamodule is None:
            return
        if not any(isinstance(m, nn.TransformerEncoderLayer) for m in pl_module.model.modules()):
            return
        tokens = next(iter(trainer.datamodule.val_dataloader()))[0][:1, : self.length].to(pl_module.device)
        with torch.no_grad():
            weights = last_layer_attention(pl_module.model, tokens)
        positions = getattr(pl_module.model, "positions", None)
        if weights is None or positions is None:
            return
        characters = [pl_module.spec.class_names[i] for i in tokens[0].tolist()]
        picture = figures.attention(weights.cpu().numpy(), characters, positions.detach().cpu().numpy())
        publish(trainer, "attention", picture, save=True)
