"""Every key of a command line exists and gets a value of its type: groups and their options,
config keys, and Lightning's Trainer arguments (torch-free)."""

from __future__ import annotations

import difflib
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from nnfw.config import locate
from nnfw.config.trainer_arguments import SET_BY_NNFW, TRAINER_ARGUMENTS, TRAINER_DOCS
from nnfw.config.trainer_arguments import problem as trainer_argument_problem
from nnfw.config.values import RUN_RULES, component_rules
from nnfw.errors import UserError, suggestion


def check_groups(parsed: list[Any], base: DictConfig) -> None:
    """Every `group=option` names an existing group and option (nnfw's, or of the search path)."""
    all_groups = locate.groups(list(base.hydra.searchpath))
    for override in parsed:
        key = override.get_key_element().lstrip("+~")
        if key.startswith("hydra") or "." in key or "@" in key:
            continue
        if key in all_groups:
            if override.is_choice_sweep():
                values = [str(v) for v in override.sweep_string_iterator()]
            elif isinstance(override.value(), list):  # several options of one group: logger=[tensorboard,csv]
                values = [str(v) for v in override.value()]
                if not values:
                    raise UserError(f"{key}=[] chooses no {key}", suggestion("", all_groups[key], f"choices for {key}"))
            else:
                values = [override.get_value_element_as_str()]
            for value in values:
                if value not in all_groups[key]:
                    raise UserError(
                        f"unknown {key} '{value}'",
                        suggestion(value, all_groups[key], f"choices for {key}"),
                    )
        elif key not in base:
            raise UserError(
                f"unknown config group or key '{key}'",
                suggestion(key, {*all_groups, *(str(k) for k in base if k != "hydra")}, "choices"),
            )



def check_keys(parsed: list[Any], base: DictConfig) -> None:
    """Every `a.b.c=value` names a key that exists and gets a value of its type."""
    searchpath = list(base.hydra.searchpath) if "hydra" in base else []
    ruled = {*RUN_RULES, *component_rules(base)}
    for override in parsed:
        key = override.get_key_element()
        if locate.is_group(key, searchpath) or key.startswith(("+", "~")):
            continue
        if override.is_sweep_override() and not override.is_choice_sweep():
            continue  # ranges and intervals are the search's business
        parent_key, _, leaf = key.rpartition(".")
        if parent_key == "trainer":
            check_trainer_argument(override, leaf)
            continue
        parent = OmegaConf.select(base, parent_key, default=None) if parent_key else base
        if not isinstance(parent, DictConfig) or leaf not in parent.keys():
            raise unknown_key(key, parent)
        if key in ruled:
            continue  # checked with its rule on the composed config
        node = parent._get_node(leaf)
        if node is None or node._is_none() or OmegaConf.is_interpolation(parent, leaf):
            continue
        default = OmegaConf.to_container(node) if isinstance(node, (DictConfig, ListConfig)) else node._value()
        for given in override.value().list if override.is_choice_sweep() else [override.value()]:
            check_type(key, default, given)



def unknown_key(key: str, parent: Any) -> UserError:
    """The error for a key that is not in the config: its nearest siblings, and `+key=value`
    where adding one is legitimate (a component built from `_target_` may take more arguments,
    a collection of components such as `callbacks` may take another)."""
    parent_key = key.rpartition(".")[0]
    siblings = [f"{parent_key}.{k}" for k in parent.keys() if not str(k).startswith("_")] \
        if isinstance(parent, DictConfig) else []
    hint = suggestion(key, siblings, f"keys of {parent_key}")
    adding = None
    if isinstance(parent, DictConfig) and "_target_" in parent:
        adding = f"to pass another argument to {parent._target_}, add it with +{key}=VALUE"
    elif isinstance(parent, DictConfig) and len(parent) and all(
            isinstance(child, DictConfig) and "_target_" in child for child in parent.values() if child is not None):
        adding = f"to add another, +{key}={{_target_:CLASS}}"
    if adding:
        hint = f"{hint}\n  {adding}" if hint else adding
    elif not hint:
        hint = f"'{parent_key}' has no keys; prefix with + to add one: +{key}=..."
    return UserError(f"unknown key '{key}'", hint)



def check_trainer_argument(override: Any, name: str) -> None:
    """`trainer.NAME=VALUE` names an argument of Lightning's Trainer and gives it a value of its type,
    whether or not conf/trainer sets it (`trainer_arguments_added` adds the ones it does not)."""
    key = f"trainer.{name}"
    if name not in TRAINER_ARGUMENTS:
        close = difflib.get_close_matches(name, [n for n in TRAINER_ARGUMENTS if n not in SET_BY_NNFW], n=3)
        raise UserError(f"unknown key '{key}': Lightning's Trainer has no argument '{name}'",
                        (f"did you mean 'trainer.{close[0]}'? " if close else "")
                        + (f"(or trainer.{', trainer.'.join(close[1:])}) " if len(close) > 1 else "")
                        + f"every Trainer argument: {TRAINER_DOCS}")
    if name in SET_BY_NNFW:
        raise UserError(f"{key} is set by nnfw", SET_BY_NNFW[name])
    if key in RUN_RULES or (override.is_sweep_override() and not override.is_choice_sweep()):
        return
    for given in override.value().list if override.is_choice_sweep() else [override.value()]:
        problem = trainer_argument_problem(name, given)
        if problem:
            raise UserError(f"{key} {problem}, got '{given}'")



def trainer_arguments_added(overrides: list[str], parsed: list[Any], base: DictConfig) -> list[str]:
    """The overrides, with `trainer.NAME=VALUE` for a Trainer argument absent from the config
    written `+trainer.NAME=VALUE`, which is how Hydra adds a key: every Trainer argument is
    accepted as Lightning users type it, and conf/trainer stays a short list of nnfw's choices."""
    absent = {f"trainer.{name}" for name in TRAINER_ARGUMENTS} - {f"trainer.{key}" for key in base.trainer.keys()}
    return [f"+{text}" if o.get_key_element() in absent else text for text, o in zip(overrides, parsed, strict=True)]



def check_type(key: str, default: Any, given: Any) -> None:
    """A value given on the command line has the type of the default it replaces (an interpolation
    has the type of what it resolves to: the composed config's checks see that)."""
    if given is None or isinstance(default, str) or (isinstance(given, str) and "${" in given):
        return
    if isinstance(default, bool):
        ok = isinstance(given, bool)
        expected = "true or false"
    elif isinstance(default, (int, float)):
        ok = isinstance(given, (int, float)) and not isinstance(given, bool)
        if isinstance(default, int) and isinstance(given, float):
            ok = False
        expected = "an integer" if isinstance(default, int) else "a number"
    elif isinstance(default, (list, tuple)):
        ok = isinstance(given, (list, tuple))
        expected = "a list, e.g. [64,64]"
    elif isinstance(default, dict):
        ok = isinstance(given, dict)
        expected = "a mapping, e.g. {a:1}"
    else:
        return
    if not ok:
        raise UserError(f"{key} must be {expected}, got '{given}'", f"e.g. {key}={default}")

