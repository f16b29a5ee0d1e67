"""Which models can read which data, checked from the config before torch is imported.

Each data config declares the input it gives and each model config the inputs it reads
(`nnfw.config.declarations`); a mismatch (an LSTM language model on a table, an MLP on
characters) is a config error that lists the models that fit. Components that declare
nothing are not checked.
"""

from __future__ import annotations

from collections.abc import Sequence

from omegaconf import DictConfig, OmegaConf

from nnfw.config import declarations, locate
from nnfw.errors import UserError


def option_node(group: str, option: str, searchpath: Sequence[str] = ()) -> DictConfig:
    """An option's own config merged over the base configs its defaults list names.

    An option of package `_global_` (its settings under `group:`) is read from under that key.
    """
    path = locate.option_file(group, option, searchpath)
    node = OmegaConf.load(path) if path else OmegaConf.create()
    bases = [d for d in node.pop("defaults", []) if isinstance(d, str) and d != "_self_"]
    own = node.get(group) if isinstance(node.get(group), DictConfig) else node
    merged = OmegaConf.create()
    for base in bases:
        merged = OmegaConf.merge(merged, option_node(group, base, searchpath))
    return OmegaConf.merge(merged, own)  # interpolations stay unresolved: only declarations are read


def models_reading(kind: str, searchpath: Sequence[str] = ()) -> list[str]:
    """The model options that declare they read `kind` inputs."""
    return [name for name in locate.options("model", searchpath)
            if kind in (declarations.reads(option_node("model", name, searchpath)) or ())]


def check_compatible(cfg: DictConfig) -> None:
    given = declarations.gives(cfg.get("data"))
    read = declarations.reads(cfg.get("model"))
    if given is None or read is None or given in read:
        return
    choices = cfg.hydra.runtime.choices
    searchpath = list(cfg.hydra.searchpath)
    fitting = models_reading(given, searchpath)
    raise UserError(
        f"model={choices.get('model')} reads {' or '.join(sorted(read))}, "
        f"but data={choices.get('data')} gives {given}",
        f"models for {given}: {', '.join(fitting)}" if fitting else f"no model option reads {given}",
    )
