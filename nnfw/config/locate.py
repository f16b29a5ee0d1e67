"""Where the Hydra configs live: inside the installed package, or in a checkout's conf/."""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

#: Groups that are implementation details, not choices a user makes.
HIDDEN_GROUPS = frozenset({"hydra", "paths"})


#: The checkout this module sits in, if it does (it has the configs beside the package).
CHECKOUT = Path(__file__).resolve().parents[2]


def _in_checkout() -> bool:
    return (CHECKOUT / "pyproject.toml").is_file() and (CHECKOUT / "conf" / "train.yaml").is_file()


@lru_cache(maxsize=1)
def config_dir() -> Path:
    """The directory holding train.yaml and the config groups: the checkout's, else the package's."""
    if _in_checkout():
        return CHECKOUT / "conf"
    spec = importlib.util.find_spec("nnfw.conf")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("nnfw's configs are missing: reinstall nnfw")
    return Path(next(iter(spec.submodule_search_locations)))


def config_path_for_hydra() -> str:
    """The `config_path` given to Hydra: a checkout's folder, else the installed package."""
    return str(config_dir()) if _in_checkout() else "pkg://nnfw.conf"


def groups() -> dict[str, list[str]]:
    """Every user-facing config group and its options, read from the config folder."""
    found: dict[str, list[str]] = {}
    for group_dir in sorted(p for p in config_dir().iterdir() if p.is_dir()):
        if group_dir.name.startswith(("_", ".")) or group_dir.name in HIDDEN_GROUPS:
            continue
        found[group_dir.name] = options(group_dir.name)
    return found


def options(group: str) -> list[str]:
    """The options of one group (`model` -> ['linear', 'mlp', ...]); [] for an unknown group."""
    group_dir = config_dir() / group
    if not group_dir.is_dir():
        return []
    return sorted(p.stem for p in group_dir.glob("*.yaml") if not p.stem.startswith("_"))


def is_group(name: str) -> bool:
    """True for a config group path such as `model` or `hydra/launcher`."""
    return (config_dir() / name).is_dir() or name.startswith("hydra/")
