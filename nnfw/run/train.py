"""One training run: build everything from the config, fit, evaluate, and summarise."""

from __future__ import annotations

import copy
import inspect
import logging
import signal
import time
import warnings
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from hydra.utils import get_class
from lightning.pytorch.loggers import TensorBoardLogger
from lightning.pytorch.utilities.exceptions import MisconfigurationException, SIGTERMException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException
from torch import nn

from nnfw.artifacts.checkpoints import AtomicCheckpointIO, load_checkpoint
from nnfw.artifacts.saving import saved_checkpoints
from nnfw.artifacts.trust import targets
from nnfw.config import declarations
from nnfw.config.interpolations import unresolvable
from nnfw.data.spec import DataSpec
from nnfw.errors import Interrupted, UserError, suggestion
from nnfw.privates import skip_needless_moves_of_logged_values
from nnfw.run import lr_finder
from nnfw.run.building import build, check_accelerator, check_nodes
from nnfw.run.cuda_probe import ask_runtime_without_devices
from nnfw.run.precision import resolved_precision
from nnfw.run.speed import batches_per_step, compile_model, epochs_per_step, fused_trainer_arguments, use_channels_last
from nnfw.run.threads import set_threads, step_work
from nnfw.tasks import TASKS, SupervisedTask
from nnfw.tasks.base import weights_mismatch
from nnfw.views import baselines
from nnfw.views.console import show_config, show_results
from nnfw.views.tuning import save_search

#: Lightning's start-up chatter (GPU/TPU availability, tips, how it restores the learning-rate
#: finder's checkpoint) is not what users came for.
QUIET_LOGGERS = ("lightning.pytorch.utilities.rank_zero", "lightning.pytorch.accelerators.cuda",
                 "lightning.fabric.utilities.seed", "lightning.fabric.utilities.distributed",
                 "lightning.pytorch.trainer.connectors.checkpoint_connector")


#: Warnings that say nothing actionable about an nnfw run.
NOISE = (
    r".*isinstance\(treespec, LeafSpec\)",  # Lightning's use of a deprecated torch API
    r"The number of training batches \(\d+\) is smaller than the logging interval",
    r".*configure_optimizers. returned .None.",  # the perceptron rule needs no optimizer
    r"Checkpoint directory .* exists and is not empty",  # a resumed run continues in its directory
)


#: options set under `model` for every model, which the pipeline applies to it (see speed.py)
PIPELINE_OPTIONS = ("compile", "channels_last")
#: the options under `model` that its task takes (a VAE's beta, a GAN's d_steps), not the model
TASK_OPTIONS = "task"


def quiet() -> None:
    """Lightning's start-up chatter and known warnings off, for every command that runs a model."""
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    for pattern in NOISE:
        warnings.filterwarnings("ignore", message=pattern)


def choice(group: str, cfg: DictConfig) -> str:
    """The option chosen for a config group in this run (`model` -> 'mlp'), or outside a Hydra
    run (a checkpoint's config) the class its section builds."""
    if HydraConfig.initialized():
        return str(HydraConfig.get().runtime.choices.get(group))
    return str(cfg[group].get("_target_", group)).rpartition(".")[2]


def build_model(node: Any, spec: DataSpec) -> nn.Module:
    """The model of config `node`, given the data's sizes it takes.

    An MLP reads an image as its flattened pixels; only models that read images take their shape.
    PIPELINE_OPTIONS are the pipeline's business, not the model's.
    """
    accepted = inspect.signature(get_class(node["_target_"])).parameters
    options = {key: value for key, value in node.items() if key not in (*PIPELINE_OPTIONS, TASK_OPTIONS)}
    return build("model", options, **{k: v for k, v in spec.model_sizes().items() if k in accepted})


def task_name(cfg: DictConfig, spec: DataSpec) -> str:
    """The task a run trains: `task=...` if set, else the one its model declares, else the data's kind."""
    if cfg.task != "auto":
        return str(cfg.task)
    return declarations.task(cfg.model) or spec.task


def task_type(name: str) -> type[SupervisedTask]:
    """A task by its name in TASKS, or a LightningModule by its dotted class path (a user's own)."""
    if name in TASKS:
        return TASKS[name]
    if "." in name:
        hydra_log = logging.getLogger("hydra.utils")  # logs the error it raises, before nnfw's message would
        was_disabled = hydra_log.disabled
        hydra_log.disabled = True
        try:
            return get_class(name)
        except (ImportError, ValueError, AttributeError) as err:  # hydra's words for a path that names no class
            raise UserError(f"task={name} names no class that can be imported",
                            f"{suggestion(name, TASKS, 'tasks')}, or the dotted path of a LightningModule") from err
        finally:
            hydra_log.disabled = was_disabled
    raise UserError(f"unknown task '{name}'", suggestion(name, TASKS, "tasks"))


def with_weight_decay_per_row(optimizer: Any, cfg: DictConfig, datamodule: pl.LightningDataModule) -> Any:
    """The optimizer's weight decay plus `regularization.weight_decay_rows` / training rows (at
    most `regularization.weight_decay_max`): a penalty the data outweighs as it grows (a restored
    run, whose data is not loaded, keeps its own)."""
    per_row = cfg.regularization.get("weight_decay_rows") or 0.0
    rows = (datamodule.split_sizes().get("train") if hasattr(datamodule, "split_sizes") else None) or 0
    if not (per_row and rows and isinstance(optimizer, partial) and "weight_decay" in optimizer.keywords):
        return optimizer
    most = cfg.regularization.get("weight_decay_max")
    extra = per_row / rows if most is None else min(per_row / rows, most)
    return partial(optimizer, weight_decay=optimizer.keywords["weight_decay"] + extra)


def build_task(cfg: DictConfig, datamodule: pl.LightningDataModule) -> SupervisedTask:
    """The model sized from the data, wrapped in the task its data (or its config) calls for."""
    spec = datamodule.spec
    task_class = task_type(task_name(cfg, spec))
    if spec.task not in task_class.accepts:
        raise UserError(
            f"model={choice('model', cfg)} trains {' or '.join(task_class.accepts)} data, "
            f"but data={choice('data', cfg)} is a {spec.task} dataset",
            f"choose a {' or '.join(task_class.accepts)} dataset, or another model",
        )
    model = build_model(cfg.model, spec)
    if cfg.model.get("channels_last"):
        use_channels_last(model)
    if cfg.model.get("compile"):
        compile_model(model)
    return task_class(
        model=model,
        spec=spec,
        optimizer=with_weight_decay_per_row(build("optimizer", cfg.optimizer), cfg, datamodule),
        scheduler=build("scheduler", cfg.scheduler) or None,
        l1=cfg.regularization.l1,
        config=OmegaConf.to_container(cfg, resolve=True),
        **build("model.task", cfg.model.get(TASK_OPTIONS) or {}, _convert_="all"),
    )


def example_input(datamodule: pl.LightningDataModule) -> torch.Tensor | None:
    """A training sample as the model reads it (a batch of one), for the model summary to count
    FLOPs and show sizes with; None when the data is not in memory."""
    tensors, tokens = getattr(datamodule, "tensors", None), getattr(datamodule, "tokens", None)
    if tensors and isinstance(tensors.get("train", (None,))[0], torch.Tensor):
        return tensors["train"][0][:1]
    if tokens and isinstance(tokens.get("train"), torch.Tensor):
        return tokens["train"][: getattr(datamodule, "seq_len", 1)][None]
    return None


def initialize(task: SupervisedTask, path: Path) -> None:
    """Start from a checkpoint's weights only: a fine-tuning or warm start, not a continued run."""
    stored = load_checkpoint(path)["state_dict"]
    problem = weights_mismatch(task.state_dict(), stored)
    if problem:
        raise UserError(f"init_from={path} does not fit this model ({problem})",
                        "start from a checkpoint of the same model options on data of the same sizes")
    task.load_state_dict(stored)


def served_callbacks(cfg: DictConfig, task: str | None) -> dict[str, Any]:
    """The callbacks configured for a run of `task`: those whose declarations serve it and the
    data's input (`declarations.serves`); all of them for a task of the user's own, or None."""
    configured = {name: node for name, node in (cfg.callbacks or {}).items() if node}
    if task not in TASKS:
        return configured
    given = declarations.gives(cfg.data)
    return {name: node for name, node in configured.items() if declarations.serves(node, task, given)}


def build_trainer(cfg: DictConfig, task: str | None = None, **arguments: Any) -> pl.Trainer:
    """Lightning's Trainer from `cfg.trainer`, with the callbacks that serve `task` (see
    `served_callbacks`) and `arguments` replacing some of it."""
    skip_needless_moves_of_logged_values()
    callbacks = [build(f"callbacks.{name}", c) for name, c in served_callbacks(cfg, task).items()]
    loggers = [build(f"logger.{name}", c) for name, c in (cfg.logger or {}).items() if c]
    trainer = build("trainer", cfg.trainer, callbacks=[c for c in callbacks if c is not None], logger=loggers or False,
                    _convert_="all", **arguments)  # plain values: Lightning tells a dict (max_time) by its type
    check_nodes(trainer)
    io = trainer.strategy.checkpoint_io
    if isinstance(io, AtomicCheckpointIO):  # resuming and evaluating this run
        chosen_tasks = {str(cfg.task), str(declarations.task(cfg.model))}
        io.trusted = {t for _, t in targets(OmegaConf.to_container(cfg, resolve=True))} | chosen_tasks
        if cfg.get("ckpt_path"):
            io.preload(Path(cfg.ckpt_path))
    return trainer


def evaluation_checkpoint(trainer: pl.Trainer, restore_best: bool) -> str | None:
    """The checkpoint whose weights are evaluated and reported: the best one, or the last."""
    saved = saved_checkpoints(trainer)
    first, second = ("best", "last") if restore_best else ("last", "best")
    return saved.get(first) or saved.get(second)


def log_hparams(trainer: pl.Trainer, cfg: DictConfig, metrics: dict[str, float]) -> None:
    """The run's choices beside its final metrics, for TensorBoard's hparams tab.

    Each run writes its session only, not an experiment (Lightning writes both): with no
    experiment in the logdir, TensorBoard builds the tab from every run's session, so all the
    runs of a sweep appear in one table even when their options or metrics differ.
    """
    from torch.utils.tensorboard.summary import hparams

    params = {"seed": cfg.seed, **{f"choice/{k}": v for k, v in HydraConfig.get().runtime.choices.items()
                                   if not k.startswith("hydra")}}
    for section in ("model", "data", "optimizer", "regularization"):
        params[section] = declarations.buildable(OmegaConf.to_container(cfg[section], resolve=True))
    flat = flat_params(params)
    final = {k: v for k, v in metrics.items() if isinstance(v, float)}
    if not trainer.is_global_zero:  # the other DDP processes have no event file to write to
        return
    for logger in trainer.loggers:
        logger.log_metrics(final, step=trainer.global_step)  # the values a run's table shows: the last ones
        if isinstance(logger, TensorBoardLogger):
            _, session_start, session_end = hparams(flat, final)
            for summary in (session_start, session_end):
                logger.experiment.file_writer.add_summary(summary, trainer.global_step)
        else:
            logger.log_hyperparams(flat)


def flat_params(params: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """`{"model": {"hidden_sizes": [8]}}` as `{"model/hidden_sizes": "[8]"}`: one level of names,
    and values every tracker shows (numbers, strings and booleans; the rest as their text)."""
    flat: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, dict):
            flat.update(flat_params(value, f"{prefix}{key}/"))
        else:
            flat[f"{prefix}{key}"] = value if isinstance(value, (int, float, str, bool)) else str(value)
    return flat


class FirstBatches(pl.Callback):
    """Which stage's first batch is under way: until a training batch and a validation batch have
    each ended, an error is the first batch's (`first_batch_error`)."""

    def __init__(self) -> None:
        self.trained = self.validated = False
        self.stage: str | None = None

    def on_train_batch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch: Any, batch_idx: int) -> None:
        self.stage = None if self.trained else "training"

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs: Any, batch: Any,
                           batch_idx: int) -> None:
        self.trained, self.stage = True, None

    def on_validation_batch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch: Any,
                                  batch_idx: int, dataloader_idx: int = 0) -> None:
        self.stage = None if self.validated else "validation"

    def on_validation_batch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs: Any, batch: Any,
                                batch_idx: int, dataloader_idx: int = 0) -> None:
        self.validated, self.stage = True, None


#: what torch and a task raise when a model and its batches do not fit (shapes, dtypes, arguments)
MISFITS = (RuntimeError, TypeError, ValueError, IndexError, AttributeError)


def shapes(batch: Any) -> str:
    """A batch's tensors as `int64 (64, 32)`, nested as the batch is."""
    if hasattr(batch, "shape") and hasattr(batch, "dtype"):
        return f"{str(batch.dtype).removeprefix('torch.')} {tuple(batch.shape)}"
    if isinstance(batch, (list, tuple)):
        return "(" + ", ".join(shapes(part) for part in batch) + ")"
    if isinstance(batch, dict):
        return "{" + ", ".join(f"{key}: {shapes(part)}" for key, part in batch.items()) + "}"
    return type(batch).__name__


def first_batch_error(cfg: DictConfig, task: SupervisedTask, datamodule: pl.LightningDataModule, stage: str,
                      error: BaseException) -> UserError | None:
    """The UserError for a model of the user's own that fails on its first training or validation
    batch (its inputs are not what it reads), or None for nnfw's own models, whose errors are bugs."""
    target = str(cfg.model.get("_target_", ""))
    if target.startswith("nnfw.") or not isinstance(error, MISFITS):
        return None
    try:
        batch = next(iter(datamodule.train_dataloader() if stage == "training" else datamodule.val_dataloader()))
    except Exception:  # noqa: BLE001 - the batch only illustrates the message
        batch = None
    if stage == "training" and getattr(datamodule, "batches_per_item", 1) > 1:  # several batches a step
        batch = batch[0]
    reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
    gives, reads = declarations.gives(cfg.data), declarations.reads(cfg.model)
    declared = f"its config declares _reads_: [{', '.join(reads)}]" if reads else \
        f"its config declares no _reads_: a model for this data declares _reads_: [{gives or 'KIND'}], one for " \
        "other data its own kind, and a mismatch is refused before torch loads"
    return UserError(
        f"model={choice('model', cfg)} ({target}) fails on its first {stage} batch: {type(error).__name__}: {reason}",
        f"data={choice('data', cfg)} gives {gives or 'batches'}, batches of (inputs, targets) {shapes(batch)}; "
        f"{declared} (see docs/extending.md)")


def fit(trainer: pl.Trainer, task: SupervisedTask, datamodule: pl.LightningDataModule, ckpt_path: str | None,
        cfg: DictConfig) -> None:
    """trainer.fit, with Lightning's ways of ending on a signal turned into `Interrupted`, and a
    user's model that fails on its first batch told as a UserError (`first_batch_error`)."""
    first = FirstBatches()
    trainer.callbacks.append(first)
    try:
        trainer.fit(task, datamodule=datamodule, ckpt_path=ckpt_path)
    except MISFITS as error:
        misfit = first_batch_error(cfg, task, datamodule, first.stage, error) if first.stage else None
        if misfit is None:
            raise
        raise misfit from error
    except MisconfigurationException as refusal:  # Lightning's own word for settings it cannot run with
        reason = " ".join(str(refusal).split())
        raise UserError(f"Lightning refuses this run's settings: {reason}",
                        "`nnfw train --cfg job ...` shows every value the run was given") from refusal
    except SIGTERMException as stop:
        raise Interrupted("SIGTERM", 128 + signal.SIGTERM) from stop
    except SystemExit as stop:  # Lightning exits this way after a graceful Ctrl-C
        raise Interrupted("Ctrl-C", 128 + signal.SIGINT) from stop
    if trainer.interrupted:
        raise Interrupted("Ctrl-C", 128 + signal.SIGINT)


@dataclass
class Prepared:
    """A run's parts, built from its resolved config before its run directory exists."""

    cfg: DictConfig
    datamodule: pl.LightningDataModule
    task: SupervisedTask
    trainer: pl.Trainer
    fused: int
    threads: int  # torch's CPU threads (nnfw.run.threads)
    started: float  # time.perf_counter() when building began: a run's wall time counts it
    lr_search: lr_finder.LearningRateSearch | None = None  # what the finder found, for optimizer.lr=auto


def prepare(cfg: DictConfig) -> Prepared:
    """Build the data, the model and the Trainer: any value they refuse is reported before the run starts.

    The job's config is resolved once, in place, first: every later read would otherwise parse
    its interpolations again (about 50, a fraction of a millisecond each, read a dozen times).
    .hydra/config.yaml keeps them as written.
    """
    started = time.perf_counter()
    quiet()
    unresolved = copy.deepcopy(cfg) if lr_finder.requested(cfg) else None  # resolved again with the rate found
    try:
        OmegaConf.resolve(cfg)
    except OmegaConfBaseException as err:  # checked before, unless this config was composed elsewhere
        raise unresolvable(err) from err
    check_accelerator(str(cfg.trainer.accelerator), chosen=choice("trainer", cfg))
    ask_runtime_without_devices()
    cfg.trainer.precision = resolved_precision(cfg.trainer.precision, str(cfg.trainer.accelerator))
    if unresolved is not None:
        unresolved.trainer.precision = cfg.trainer.precision
    pl.seed_everything(cfg.seed, workers=True, verbose=False)
    datamodule = build("data", cfg.data)
    datamodule.setup("fit")
    search = None
    if unresolved is not None:  # optimizer.lr=auto
        search, rate = lr_finder.find(cfg, datamodule)
        cfg = lr_finder.with_rate(unresolved, rate)
    task = build_task(cfg, datamodule)
    task.example_input_array = example_input(datamodule)
    threads = set_threads(cfg, step_work(task.model, datamodule))
    if cfg.get("init_from"):
        initialize(task, Path(cfg.init_from))
    fused, batches = epochs_per_step(cfg, datamodule, task), batches_per_step(cfg, datamodule, task)
    if batches > 1:
        datamodule.batches_per_item = batches
    task.fuse((cfg.trainer.gradient_clip_val, cfg.trainer.gradient_clip_algorithm), epochs=fused, batches=batches,
              epoch_batches=datamodule.train_dataloader().batches if batches > 1 else 1)
    arguments = fused_trainer_arguments(cfg, fused, batches)
    if not task.automatic_optimization:  # Lightning refuses to clip then: the task clips (`fuse`)
        arguments.update(gradient_clip_val=None, gradient_clip_algorithm=None)
    trainer = build_trainer(cfg, task_name(cfg, task.spec), **arguments)
    return Prepared(cfg, datamodule, task, trainer, fused, threads, started, search)


def in_run(path: str, run_dir: Path) -> str:
    """A file's path relative to the run directory, or absolute when it lies outside it (a checkpoint
    callback's `dirpath` may be anywhere)."""
    file = Path(path).absolute()
    return str(file.relative_to(run_dir.absolute())) if file.is_relative_to(run_dir.absolute()) else str(file)


def train(prepared: Prepared, run_dir: Path) -> dict[str, Any]:
    """Fit the prepared model and return what summary.json reports of the fit (metrics, checkpoints,
    counts, timings, data; `nnfw.artifacts.summary.completed_summary` completes it)."""
    cfg, datamodule, task, trainer, fused = (prepared.cfg, prepared.datamodule, prepared.task, prepared.trainer,
                                             prepared.fused)
    hydra_cfg = HydraConfig.get()
    multirun = hydra_cfg.mode == RunMode.MULTIRUN  # a sweep's jobs keep their trees in their directories
    shown = None if multirun or cfg.print_config is False else "full" if cfg.print_config == "full" else "short"
    show_config(cfg, run_dir / "config_tree.txt", shown, hydra_cfg.runtime.choices, hydra_cfg.overrides.task)
    if prepared.lr_search is not None:
        save_search(trainer, prepared.lr_search.record())
    started = time.perf_counter()
    fit(trainer, task, datamodule, cfg.get("ckpt_path"), cfg)
    fit_time = time.perf_counter() - started

    train_metrics = {k: float(v) for k, v in trainer.callback_metrics.items()
                     if k.startswith("train/") and not k.endswith("_step")}
    checkpoint = evaluation_checkpoint(trainer, cfg.regularization.early_stopping.restore_best)
    evaluated: dict[str, float] = {}
    if not trainer.fast_dev_run:
        for run in (trainer.validate, trainer.test):
            for result in run(task, datamodule=datamodule, ckpt_path=checkpoint, verbose=False):
                evaluated.update({k: float(v) for k, v in result.items()})
    metrics = {**train_metrics, **evaluated}
    compared = baselines.compute(datamodule, task.spec) if trainer.is_global_zero else {}
    sampled = (getattr(datamodule, "baseline_rows", None) or {}) if compared else {}  # a streamed table's
    log_hparams(trainer, cfg, metrics)
    for logger in trainer.loggers:  # flushed and closed before summary.json says the run is done
        logger.finalize("success")

    best = saved_checkpoints(trainer).get("best")
    fitted = {
        "task": task_name(cfg, task.spec),
        "metrics": metrics,
        "best_checkpoint": in_run(best, run_dir) if best else None,
        "evaluated_checkpoint": in_run(checkpoint, run_dir) if checkpoint else None,
        "epochs": trainer.current_epoch * fused,
        "steps": trainer.global_step,
        "fit_time_s": round(fit_time, 3),
        "samples_per_s": round(task.samples_seen * trainer.world_size / fit_time, 1) if fit_time > 0 else None,
        "parameters": sum(p.numel() for p in task.model.parameters()),
        "processes": trainer.world_size,
        "threads": prepared.threads,
        "data": {"splits": datamodule.split_sizes(), **task.spec.to_dict()},
        "baselines": compared,
        **({"baselines_sample": {"rows": sampled, "note": baselines.sample_note(sampled)}} if sampled else {}),
        **({"lr_finder": prepared.lr_search.summary()} if prepared.lr_search else {}),
    }
    show_results(metrics, compared, title=f"{choice('model', cfg)} on {choice('data', cfg)}",
                 note=baselines.sample_note(sampled))
    return fitted
