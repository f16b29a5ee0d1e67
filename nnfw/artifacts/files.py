"""Whole files only: every file nnfw writes (checkpoints, summary.json, predictions, exported
models) is written beside its place and renamed into it, so a reader never sees half a file and
a failed write (a full disk, a kill) leaves the previous file whole."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nnfw.errors import UserError


@contextmanager
def written_whole(path: Path, what: str = "", fix: str = "free some disk space, or write to a directory you can write to") -> Iterator[Path]:
    """A temporary path beside `path` for the block to write; renamed over `path` when the block
    ends, removed when it fails. An OSError (a full disk, no permission) becomes a UserError
    naming the file (`what` it is) and saying whether a previous one was kept; `fix` is the hint."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield temporary
        os.replace(temporary, path)
    except OSError as err:
        kept = " (the previous one is kept whole)" if path.exists() else ""
        raise UserError(f"cannot write {what + ' ' if what else ''}{path}: {err.strerror or err}{kept}", fix) from err
    finally:
        temporary.unlink(missing_ok=True)
