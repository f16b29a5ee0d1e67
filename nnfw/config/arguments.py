"""Every argument a component's config gives fits the component's signature (torch-free).

Each node with a `_target_` (the model, the data, the optimizer, the scheduler, each callback
and logger, and the components nested in them) names a class or function; its parameters and
their type hints are read from its source (`nnfw.config.signatures`), and every value the config
gives one is checked against its hint (`nnfw.config.kinds`): a list where a number is expected,
`nan` for a learning rate, a path that cannot be created, a `_target_` that names nothing. What
the source does not tell is not checked. The message names the key the user sets: for a value
copied from elsewhere (`dropout: ${regularization.dropout}`), the key it is copied from.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from nnfw.config import declarations, kinds, signatures
from nnfw.errors import UserError, suggestion

#: the sections built from `_target_`s; the Trainer's own arguments are checked by nnfw.config.keys
SECTIONS = ("model", "data", "optimizer", "scheduler", "callbacks", "logger", "trainer")
#: a value that is a copy of another key's: `${a.b}`
COPY = re.compile(r"^\$\{([\w.\-]+)\}$")


def components(node: Any, key: str) -> Iterator[tuple[str, DictConfig]]:
    """(key, node) of every node with a `_target_` in `node`, itself included, nested ones too."""
    if isinstance(node, DictConfig) and not node._is_none() and not node._is_missing():
        if "_target_" in node:
            yield key, node
        for child in node:
            if not OmegaConf.is_interpolation(node, child):
                yield from components(node._get_node(child), f"{key}.{child}")
    elif isinstance(node, ListConfig) and not node._is_none() and not node._is_missing():
        for index in range(len(node)):
            yield from components(node._get_node(index), f"{key}[{index}]")


def source_key(node: DictConfig, child: str, key: str) -> str:
    """The key whose value `node[child]` is: the one it copies (followed to the end), else its own."""
    seen = set()
    root = node._get_root()
    while True:
        raw = node._get_node(child)._value() if node._get_node(child) is not None else None
        match = COPY.match(raw) if isinstance(raw, str) else None
        if not match or match.group(1) in seen:
            return key
        key = match.group(1)
        seen.add(key)
        parent_key, _, child = key.rpartition(".")
        node = OmegaConf.select(root, parent_key) if parent_key else root
        if not isinstance(node, DictConfig) or child not in node:
            return key


def plain(node: DictConfig, child: str) -> Any:
    """The resolved value of `node[child]` as plain Python (lists and dicts, not config nodes)."""
    value = node[child]
    return OmegaConf.to_container(value, resolve=True) if isinstance(value, (DictConfig, ListConfig)) else value


def path_problem(value: str) -> str | None:
    """Why a path can be neither read nor written: it does not exist, and cannot be created."""
    path = Path(value).expanduser()
    if path.exists():
        return None
    ancestor = path.absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        return f"does not exist and cannot be created: {ancestor} is a file"
    if not os.access(ancestor, os.W_OK | os.X_OK):
        return f"does not exist and cannot be created: {ancestor} is not writable"
    return None


def check_target(key: str, node: DictConfig) -> str | None:
    """The `_target_` of the component at `key`, checked to name something that exists."""
    target = plain(node, "_target_")
    if not isinstance(target, str) or not target.strip():
        raise UserError(f"{key}._target_ must be the dotted path of a class or function, got {target!r}",
                        "e.g. nnfw.models.mlp.MLP; `nnfw list` shows nnfw's own options")
    why = signatures.missing(target)
    if why:
        raise UserError(f"{key}._target_={target} is not a class or function: {why}",
                        "check its spelling, and that its package is installed or on PYTHONPATH")
    return target


def check_component(key: str, node: DictConfig) -> None:
    """Every value `node` gives a parameter of its `_target_` fits the parameter's type hint."""
    target = check_target(key, node)
    signature = signatures.signature(target)
    if signature is None:
        return
    source = node.get("source") if signature.takes_more else None
    if isinstance(source, str):  # a datamodule hands its other options to its source
        why = signatures.missing(source)
        if why:
            raise UserError(f"{key}.source={source} is not a function: {why}",
                            "give the dotted path of a function that returns the data")
        extra = signatures.signature(source)
        if extra is not None:
            signature = signatures.Signature(target, {**extra.parameters, **signature.parameters}, extra.takes_more)
    check_values(key, node, signature)


def check_values(key: str, node: DictConfig, signature: signatures.Signature) -> None:
    """Every value of `node` (at `key`) that is a parameter of `signature` fits its type hint."""
    for child in node:
        name = str(child)
        parameter = signature.parameters.get(name)
        if parameter is None or name.startswith("_"):
            continue
        value = plain(node, name)
        accepted = kinds.accepts(parameter.annotation, parameter.module)
        problem = kinds.problem(accepted, value, parameter.default, name)
        if problem is None and isinstance(value, str) and kinds.takes_path(accepted):
            problem = path_problem(value)
        if problem:
            own = f"{key}.{name}"
            culprit = source_key(node, name, own)
            choices = [str(c) for kind in accepted for c in kind.choices]
            hints = [suggestion(str(value), choices, "choices") if isinstance(value, str) and choices else "",
                     f"its value is {own}, the argument {name} of {signature.target}" if culprit != own else ""]
            raise UserError(f"{culprit} {problem} (got {value!r})", "\n  ".join(h for h in hints if h) or None)


#: where nnfw's tasks are registered by name (`task=NAME`, a model's `_task_: NAME`)
TASKS = "nnfw.tasks.TASKS"


def check_task_options(cfg: DictConfig) -> None:
    """The options a model gives its task (`model.task`) fit the task's signature, when the task is
    known from the config: `task=...`, or the model's `_task_`."""
    model = cfg.get("model")
    options = model.get("task") if isinstance(model, DictConfig) else None
    if not isinstance(options, DictConfig) or not len(options):
        return
    name = str(cfg.get("task", "auto"))
    name = declarations.task(model) if name == "auto" else name
    target = name if name and "." in name else signatures.table_entry(TASKS, name) if name else None
    signature = signatures.signature(target) if target else None
    if signature is not None:
        check_values("model.task", options, signature)


#: what Lightning reads of the scheduler section beside the scheduler itself: its lr_scheduler dict
SCHEDULER_CONFIG = "lightning.pytorch.utilities.types.LRSchedulerConfig"


def check_scheduler_options(cfg: DictConfig) -> None:
    """The scheduler section's own keys (interval, frequency, monitor, ...) fit the fields of
    Lightning's LRSchedulerConfig, which reads them."""
    node = cfg.get("scheduler")
    if isinstance(node, DictConfig) and not node._is_none() and "scheduler" in node:
        signature = signatures.signature(SCHEDULER_CONFIG)
        if signature is not None:
            check_values("scheduler", node, signature)


#: sections that hold several components, each under its own name
COLLECTIONS = ("callbacks", "logger")


def check_collections(cfg: DictConfig) -> None:
    """Each entry of `callbacks` and `logger` is a component (a mapping with `_target_`) or null."""
    for section in COLLECTIONS:
        node = cfg.get(section)
        for name in node if isinstance(node, DictConfig) else ():
            entry = node[name]
            if entry is not None and not (isinstance(entry, DictConfig) and "_target_" in entry):
                value = OmegaConf.to_container(entry) if OmegaConf.is_config(entry) else entry
                raise UserError(f"{section}.{name} must be null (to drop it) or a {{_target_: CLASS, ...}} mapping, "
                                f"got {value!r}", f"to change one of its values: {section}.{name}.KEY=VALUE")


def check_arguments(cfg: DictConfig) -> None:
    """Every component's arguments fit its signature (see the module's docstring)."""
    check_collections(cfg)
    check_task_options(cfg)
    check_scheduler_options(cfg)
    for section in SECTIONS:
        node = cfg.get(section) if isinstance(cfg, DictConfig) else None
        for key, component in components(node, section):
            if key != "trainer":  # the Trainer's arguments: nnfw.config.keys, against Lightning's own table
                check_component(key, component)
