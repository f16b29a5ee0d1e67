"""Where the Hydra configs live: inside the installed package, or in a checkout's conf/."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
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


def search_dirs(searchpath: Sequence[str] = ()) -> list[Path]:
    """The config folders Hydra searches: nnfw's, then those of `hydra.searchpath` or `--config-dir`
    (`file://DIR` or `pkg://package.module`), so that a user's own options are listed and checked
    as nnfw's are."""
    found = [config_dir()]
    for entry in searchpath:
        scheme, _, where = str(entry).rpartition("://")
        if scheme == "pkg":
            spec = importlib.util.find_spec(where)
            if spec is None or not spec.submodule_search_locations:
                continue
            folder = Path(next(iter(spec.submodule_search_locations)))
        else:
            folder = Path(where).expanduser()
        if folder.is_dir() and folder.resolve() not in [f.resolve() for f in found]:
            found.append(folder)
    return found


def groups(searchpath: Sequence[str] = ()) -> dict[str, list[str]]:
    """Every user-facing config group and its options, read from the config folders."""
    names = {p.name for folder in search_dirs(searchpath) for p in folder.iterdir() if p.is_dir()}
    return {name: options(name, searchpath) for name in sorted(names)
            if not name.startswith(("_", ".")) and name not in HIDDEN_GROUPS}


def options(group: str, searchpath: Sequence[str] = ()) -> list[str]:
    """The options of one group (`model` -> ['linear', 'mlp', ...]); [] for an unknown group."""
    return sorted({p.stem for folder in search_dirs(searchpath) for p in (folder / group).glob("*.yaml")
                   if not p.stem.startswith("_")})


def option_file(group: str, option: str, searchpath: Sequence[str] = ()) -> Path | None:
    """The file of one option (or `_base`), as Hydra finds it: nnfw's own first, then the search path."""
    return next((f for folder in search_dirs(searchpath) if (f := folder / group / f"{option}.yaml").is_file()), None)


def is_group(name: str, searchpath: Sequence[str] = ()) -> bool:
    """True for a config group path such as `model` or `hydra/launcher`."""
    return name.startswith("hydra/") or any((folder / name).is_dir() for folder in search_dirs(searchpath))
