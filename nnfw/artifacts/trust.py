"""What a checkpoint's stored config may rebuild: a model, its data, optimizer and scheduler, nothing else.

A checkpoint may come from a stranger, and `_target_` makes any importable callable a config
value: a function, an entry point (`nnfw.cli.main.main` would start a whole training run), a
Trainer. So each place in a stored section that is instantiated again may only name a class of
the building block that belongs there, from a package nnfw trusts (its own, torch's, or one
the running command's own config names). Classes are resolved and checked, never called,
before anything is built.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

#: where a stored config names a class -> the base class it must have
BUILDING_BLOCKS = {
    "model": "torch.nn.Module",
    "data": "lightning.pytorch.LightningDataModule",
    "data.augment": "nnfw.data.augment.BatchAugment",
    "optimizer": "torch.optim.Optimizer",
    "scheduler.scheduler": ("torch.optim.lr_scheduler.LRScheduler", "torch.optim.lr_scheduler.ReduceLROnPlateau"),
}
#: places whose class is stored as a partial: the task calls it with the model's parameters
PARTIAL = ("optimizer", "scheduler.scheduler")
#: packages whose classes any checkpoint may name
TRUSTED_PACKAGES = ("nnfw.", "torch.")
#: the sections of a stored config that are instantiated again from a checkpoint
REBUILT_SECTIONS = ("data", "model", "optimizer", "scheduler")


def targets(node: Any, where: str = "config") -> Iterator[tuple[str, Any]]:
    """(where, value) of every `_target_` in a config tree."""
    if isinstance(node, dict):
        if "_target_" in node:
            yield where, node["_target_"]
        for key, value in node.items():
            yield from targets(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from targets(value, f"{where}[{index}]")


def instantiation_keys(node: Any, where: str) -> Iterator[tuple[str, str]]:
    """(where, key) of every `_partial_` and `_args_` in a config tree."""
    if isinstance(node, dict):
        yield from ((where, key) for key in ("_partial_", "_args_") if key in node)
        for key, value in node.items():
            yield from instantiation_keys(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from instantiation_keys(value, f"{where}[{index}]")


def resolved_class(target: str) -> Any:
    """The object `target` names, imported but not called."""
    from hydra._internal.utils import _locate

    return _locate(target)


def is_kind(obj: Any, bases: str | tuple[str, ...]) -> bool:
    return isinstance(obj, type) and any(issubclass(obj, resolved_class(base))
                                         for base in ((bases,) if isinstance(bases, str) else bases))


def stored_config_problem(config: dict[str, Any], trusted: Collection[str] = ()) -> tuple[str, str] | None:
    """Why the rebuilt sections of a stored config may not be instantiated: (what is wrong, the fix), or None."""
    fix = ("a checkpoint's config may only rebuild a model, its data, optimizer and scheduler from nnfw's "
           "or torch's classes; this file was not written by nnfw, or was changed since")
    sections = {key: value for key, value in config.items() if key in REBUILT_SECTIONS}
    for where, key in instantiation_keys(sections, "config"):
        if not (key == "_partial_" and where.removeprefix("config.") in PARTIAL):
            return f"its stored {where} holds {key}, which a checkpoint may not use", fix
    for where, target in targets(sections, "config"):
        place = where.removeprefix("config.")
        if place not in BUILDING_BLOCKS:
            return f"its stored {where} names '{target}' where no class is built", fix
        if not isinstance(target, str) or not (target.startswith(TRUSTED_PACKAGES) or target in trusted):
            return f"its stored {where} names a foreign _target_ '{target}'", \
                f"checkpoints may only name classes from {', '.join(p + '*' for p in TRUSTED_PACKAGES)}"
        try:
            found = resolved_class(target)
        except ImportError:
            return f"its stored {where} names '{target}', which does not exist in this nnfw", \
                "evaluate it with the nnfw version that trained it"
        kind = BUILDING_BLOCKS[place]
        if not is_kind(found, kind):
            what = "a class" if isinstance(found, type) else f"a {type(found).__name__}"
            wanted = " or ".join(kind if isinstance(kind, tuple) else (kind,))
            return f"its stored {where} names '{target}', {what}, not a {wanted} class", fix
    return task_problem(config, trusted, fix)


def task_problem(config: dict[str, Any], trusted: Collection[str], fix: str) -> tuple[str, str] | None:
    """The task a stored config trains with (`task`, or its model's `_task_`) is one of nnfw's
    tasks by name, or a LightningModule class from a trusted package."""
    import lightning.pytorch as pl

    from nnfw.tasks import TASKS

    model = config.get("model") if isinstance(config.get("model"), dict) else {}
    for where, name in (("config.task", config.get("task")), ("config.model._task_", model.get("_task_"))):
        if name in (None, "auto") or (isinstance(name, str) and name in TASKS):
            continue
        if not isinstance(name, str) or not (name.startswith(TRUSTED_PACKAGES) or name in trusted):
            return f"its stored {where} names a foreign task '{name}'", fix
        try:
            found = resolved_class(name)
        except ImportError:
            return f"its stored {where} names '{name}', which does not exist in this nnfw", fix
        if not (isinstance(found, type) and issubclass(found, pl.LightningModule)):
            return f"its stored {where} names '{name}', not a LightningModule class", fix
    return None
