"""Lightning's Trainer arguments and the kinds of value each takes, known without importing Lightning.

`trainer.NAME=VALUE` is checked against this table before torch loads; tests/test_trainer_arguments.py
compares it with the installed `lightning.pytorch.Trainer` signature, so that an upgrade which adds,
removes or retypes an argument is noticed.
"""

from __future__ import annotations

import math
import types
import typing
from typing import Any

from nnfw.config.kinds import out_of_range

#: Trainer argument -> the kinds of value it takes (kinds_of its annotation), for lightning 2.6
TRAINER_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "accelerator": ('str', 'object'),
    "strategy": ('str', 'object'),
    "devices": ('list', 'str', 'int'),
    "num_nodes": ('int',),
    "precision": ('int', 'str', 'null'),
    "logger": ('object', 'list', 'bool', 'null'),
    "callbacks": ('list', 'object', 'null'),
    "fast_dev_run": ('int', 'bool'),
    "max_epochs": ('int', 'null'),
    "min_epochs": ('int', 'null'),
    "max_steps": ('int',),
    "min_steps": ('int', 'null'),
    "max_time": ('str', 'object', 'dict', 'null'),
    "limit_train_batches": ('int', 'float', 'null'),
    "limit_val_batches": ('int', 'float', 'null'),
    "limit_test_batches": ('int', 'float', 'null'),
    "limit_predict_batches": ('int', 'float', 'null'),
    "overfit_batches": ('int', 'float'),
    "val_check_interval": ('int', 'float', 'str', 'object', 'dict', 'null'),
    "check_val_every_n_epoch": ('int', 'null'),
    "num_sanity_val_steps": ('int', 'null'),
    "log_every_n_steps": ('int', 'null'),
    "enable_checkpointing": ('bool', 'null'),
    "enable_progress_bar": ('bool', 'null'),
    "enable_model_summary": ('bool', 'null'),
    "accumulate_grad_batches": ('int',),
    "gradient_clip_val": ('int', 'float', 'null'),
    "gradient_clip_algorithm": ('str', 'null'),
    "deterministic": ('bool', 'str', 'null'),
    "benchmark": ('bool', 'null'),
    "inference_mode": ('bool',),
    "use_distributed_sampler": ('bool',),
    "profiler": ('object', 'str', 'null'),
    "detect_anomaly": ('bool',),
    "barebones": ('bool',),
    "plugins": ('object', 'list', 'null'),
    "sync_batchnorm": ('bool',),
    "reload_dataloaders_every_n_epochs": ('int',),
    "default_root_dir": ('str', 'object', 'null'),
    "enable_autolog_hparams": ('bool',),
    "model_registry": ('str', 'null'),
}

#: where Lightning documents them
TRAINER_DOCS = "https://lightning.ai/docs/pytorch/stable/common/trainer.html#trainer-flags"

#: Trainer arguments nnfw passes itself, from its own config groups
SET_BY_NNFW = {"logger": "choose loggers with logger=OPTION", "callbacks": "change callbacks under callbacks.NAME",
               "default_root_dir": "it is the run directory: choose it with hydra.run.dir"}

_KINDS = {bool: "bool", int: "int", float: "float", str: "str", type(None): "null", list: "list", dict: "dict"}
#: a given value's kind -> the kinds of argument it fits
_FITS = {"int": ("int", "float"), "dict": ("dict", "object")}
_DESCRIPTIONS = {"bool": "true or false", "int": "an integer", "float": "a number", "str": "a string",
                 "null": "null", "list": "a list", "dict": "a mapping", "object": "a {_target_: CLASS} mapping"}


def kinds_of(annotation: Any) -> tuple[str, ...]:
    """The kinds of value an annotation allows: bool, int, float, str, null, list, dict, object (a class)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        found = [kind for member in typing.get_args(annotation) for kind in kinds_of(member)]
        return tuple(dict.fromkeys(found))
    if origin is typing.Literal:
        return tuple(dict.fromkeys(_KINDS[type(value)] for value in typing.get_args(annotation)))
    origin = origin or annotation
    if origin in _KINDS:
        return (_KINDS[origin],)
    if isinstance(origin, type) and issubclass(origin, typing.Iterable) and origin is not str:
        return ("list",)
    return ("object",)


def kind_of(value: Any) -> str:
    """The kind of a value Hydra parsed from the command line."""
    return next((kind for cls, kind in _KINDS.items() if type(value) is cls), "object")


def problem(name: str, value: Any) -> str | None:
    """Why `value` cannot be Trainer argument `name`, or None when it can: not of its kinds, not
    finite, or an integer beyond any a run takes (`nnfw.config.kinds.out_of_range`)."""
    accepted = TRAINER_ARGUMENTS[name]
    if not any(fit in accepted for fit in _FITS.get(kind_of(value), (kind_of(value),))):
        return "must be " + " or ".join(_DESCRIPTIONS[kind] for kind in accepted)
    if isinstance(value, float) and not math.isfinite(value):
        return "must be a finite number"
    return out_of_range(value, name)
