"""`~` and environment variables in the paths of a command line, expanded as a shell would.

A shell expands `~` only at the start of a word, so `data.path=~/data` reaches nnfw as typed;
`$HOME/data` does too when quoted. Hydra would refuse the first and keep the second literally.
"""

from __future__ import annotations

import os

#: the last part of a key that names a file or directory (data.path, hydra.run.dir, ckpt_path ...)
PATH_KEYS = frozenset({"path", "root", "dir", "ckpt_path", "init_from", "output_root", "save_dir", "dirpath",
                       "default_root_dir", "ckpt", "run", "input", "output", "--config-dir", "-cd"})


def expand_paths(argv: list[str]) -> list[str]:
    """`argv` with every `KEY=PATH` word of a path key expanded (each value of a sweep)."""
    return [expand_path(word) for word in argv]


def expand_path(word: str) -> str:
    key, sep, value = word.partition("=")
    if not sep or key.lstrip("+~").rpartition(".")[2] not in PATH_KEYS or value.startswith(("'", '"')):
        return word
    return f"{key}=" + ",".join(os.path.expandvars(os.path.expanduser(part)) for part in value.split(","))
