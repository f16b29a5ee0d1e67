"""Building a run's parts from the user's values, with the values a library refuses reported as UserErrors.

nnfw hands the Trainer, loggers and callbacks the user's values as they are, so when Lightning
or torch refuses one (an accelerator the machine lacks, a precision it does not know) the
fault is the value's: the message names its key. A model's or datamodule's arguments that do
not fit its signature are the user's too, and so is a value an nnfw component passes on to torch
that torch refuses, when the refusal names one of the component's keys. Anything else raised
from inside nnfw's own components is a bug and keeps its traceback.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Mapping
from typing import Any

import torch
from hydra.errors import InstantiationException
from hydra.utils import instantiate
from lightning.fabric.utilities.exceptions import MisconfigurationException

from nnfw.config import declarations
from nnfw.errors import UserError

#: errors a library raises when it refuses a value it was given
REFUSALS = (MisconfigurationException, ValueError, TypeError, KeyError, OSError, RuntimeError, ImportError,
            MemoryError, OverflowError)
#: `_target_` prefixes of the libraries whose refusals are the user's values' fault
LIBRARIES = ("lightning.", "torch.")
#: accelerators by the name Lightning registers them under -> what they are, in words
DEVICES = {"cuda": "a CUDA GPU", "mps": "an Apple-silicon (MPS) GPU", "tpu": "a TPU (and torch_xla)"}
#: Lightning's other names for a registered accelerator
ALIASES = {"gpu": "cuda"}


def found_devices() -> str:
    """What torch can run on here, in words."""
    build = f"torch {torch.__version__}" + ("" if torch.version.cuda else ", a CPU-only build")
    found = [f"{torch.cuda.device_count()} CUDA GPU(s)"] if torch.cuda.is_available() else []
    found += ["an MPS GPU"] if torch.backends.mps.is_available() else []
    return f"{build}, finds {' and '.join(found) or 'only the CPU'}"


def check_accelerator(accelerator: str, key: str = "trainer.accelerator", chosen: str | None = None) -> None:
    """`key=accelerator` names a device this machine has (checked before anything is built or written);
    `chosen` is the trainer option that set it, if any."""
    from lightning.pytorch.accelerators import AcceleratorRegistry

    name = ALIASES.get(accelerator, accelerator)
    if name not in AcceleratorRegistry or AcceleratorRegistry[name]["accelerator"].is_available():
        return  # auto, the CPU, or a name Lightning itself will refuse
    via = f" (set by trainer={chosen})" if chosen and chosen not in ("default", "cpu") else ""
    raise UserError(f"{key}={accelerator}{via} needs {DEVICES.get(name, name)}, "
                    f"but this machine has none: {found_devices()}",
                    f"run on the CPU with {key}=cpu, or let Lightning choose with {key}=auto")


def check_nodes(trainer: Any) -> None:
    """A Trainer for several machines can meet the others: Lightning's own environment (no SLURM,
    torchrun, ...) waits for them at MASTER_ADDR, which without it is this machine alone, forever."""
    from lightning.fabric.plugins.environments import LightningEnvironment

    environment = getattr(trainer.strategy, "cluster_environment", None)
    if trainer.num_nodes > 1 and isinstance(environment, LightningEnvironment) and "MASTER_ADDR" not in os.environ:
        raise UserError(f"trainer.num_nodes={trainer.num_nodes} needs the other machines, but none is in reach: "
                        "no cluster (SLURM, torchrun) started this run and MASTER_ADDR is not set",
                        "on one machine keep trainer.num_nodes=1 (trainer.devices for its GPUs); on several, start it "
                        "with torchrun or on SLURM (hydra/launcher=submitit_slurm), see docs/devices.md")


def culprits(where: str, node: Any, reason: str) -> dict[str, Any]:
    """`where.key` -> value for the keys of `node` a library's reason names: by value (`'v'`, `key=v`), else by name."""
    items = {str(k): v for k, v in node.items() if not str(k).startswith("_")} if isinstance(node, Mapping) else {}
    text = reason.lower().replace('"', "'")
    by_value = [k for k, v in items.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)
                and (f"'{v}'".lower() in text or f"{k}={v}".lower() in text)]
    by_value += [k for k, v in items.items() if isinstance(v, Mapping) and any(f"'{n}'".lower() in text for n in v)]
    return {f"{where}.{k}": items[k] for k in by_value or [k for k in items if k.lower() in text]}


def refused(where: str, node: Any, err: InstantiationException) -> UserError | None:
    """The UserError for a value a library refused while `node` was built, or None for a bug."""
    cause = err.__cause__
    if isinstance(cause, UserError):
        return cause
    if cause is None:  # Hydra's own refusal of the config: a target it cannot find, call or allow
        reason = " ".join(str(err).split())
        return UserError(f"{where}: {reason}", f"change {where}._target_; `nnfw train --cfg job ...` shows every value")
    target = str(node.get("_target_", "")) if isinstance(node, Mapping) else ""
    from_library = target.startswith(LIBRARIES) and isinstance(cause, REFUSALS)
    frames = traceback.extract_tb(cause.__traceback__) if cause is not None else []
    bad_arguments = isinstance(cause, TypeError) and bool(frames) and "hydra" in frames[-1].filename
    reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    named = culprits(where, node, reason)
    # a layer of torch's, built by an nnfw component, refusing a value the reason names (a dropout of 1.5)
    passed_on = (isinstance(cause, REFUSALS) and bool(frames) and bool(named)
                 and any(f"{os.sep}{library.rstrip('.')}{os.sep}" in frames[-1].filename for library in LIBRARIES))
    if not (from_library or bad_arguments or passed_on):
        return None
    values = ", ".join(f"{key}={value}" for key, value in named.items()) or where
    return UserError(f"{values}: {target.rsplit('.', 1)[-1]} refuses it: {reason}",
                     f"change or remove {' or '.join(named) or where}; `nnfw train --cfg job ...` shows every value")


def build(where: str, node: Any, **kwargs: Any) -> Any:
    """`instantiate` of the component configured at `where`, without its declarations
    (`nnfw.config.declarations`); a value refused while building it is a UserError naming it."""
    try:
        return instantiate(declarations.buildable(node) if isinstance(node, Mapping) else node, **kwargs)
    except InstantiationException as err:
        problem = refused(where, node, err)
        if problem is None:
            raise
        raise problem from err
