"""Reading and writing checkpoints safely: atomic writes, no arbitrary unpickling, no foreign code.

A checkpoint may come from anywhere, so loading one never runs code: tensors and plain data
are read with `torch.load(weights_only=True)`, and the parts of the stored config that are
rebuilt from it may only name the building blocks `nnfw.artifacts.trust` allows.
"""

from __future__ import annotations

import os
import pickle
import re
import shutil
import zipfile
from collections.abc import Collection
from pathlib import Path
from typing import Any

import torch
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO
from packaging.version import InvalidVersion, Version

from nnfw import __version__
from nnfw.artifacts.files import written_whole
from nnfw.artifacts.trust import stored_config_problem
from nnfw.errors import UserError


class AtomicCheckpointIO(TorchCheckpointIO):
    """Writes each checkpoint to a temporary file and renames it into place.

    A run killed while saving leaves the previous checkpoint whole, never half a file.
    A checkpoint of the same step as the one just written beside it (best.ckpt and last.ckpt
    after a validation that improved) is that file again, hard-linked (or copied), not
    serialized twice; its record of the checkpoint callbacks is the one written first.
    Reading goes through `load_checkpoint` below, so a resumed run is as safe as an evaluation.
    A run also trusts the `_target_`s of its own config (`trusted`): the user chose them.
    """

    trusted: Collection[str] = ()

    def __init__(self) -> None:
        super().__init__()
        self._written: tuple[tuple[Any, ...], Path] | None = None  # (what was saved, where) last time
        self._preloaded: tuple[Path, dict[str, Any]] | None = None

    def preload(self, path: Path) -> None:
        """Read (and so check) the checkpoint a run continues from before the run starts; the
        Trainer's own read of it then gets this copy."""
        self._preloaded = (path, self.load_checkpoint(path))

    def save_checkpoint(self, checkpoint: dict[str, Any], path: str | os.PathLike, storage_options: Any = None) -> None:
        target = Path(path)
        saved = (checkpoint.get("epoch"), checkpoint.get("global_step"), tuple(checkpoint))
        source = self._written[1] if self._written and self._written[0] == saved else None
        with written_whole(target, "the checkpoint", "free some disk space, or choose a hydra.run.dir on another disk") as temporary:
            if source is not None and source != target and source.parent == target.parent and source.is_file():
                try:
                    os.link(source, temporary)
                except OSError:  # a file system without hard links
                    shutil.copyfile(source, temporary)
            else:
                with temporary.open("wb") as file:  # through Python's file: a full disk is an OSError naming it
                    torch.save(checkpoint, file)
        self._written = (saved, target)

    def load_checkpoint(self, path: str | os.PathLike, map_location: Any = None, weights_only: bool | None = None) -> dict[str, Any]:
        if self._preloaded is not None and self._preloaded[0] == Path(path):
            checkpoint, self._preloaded = self._preloaded[1], None
            return checkpoint
        return load_checkpoint(Path(path), map_location=map_location, trusted=self.trusted)


def load_checkpoint(path: Path, map_location: Any = "cpu", trusted: Collection[str] = ()) -> dict[str, Any]:
    """Load a checkpoint written by nnfw, or explain in one line why it cannot be."""
    if not path.is_file():
        raise UserError(f"checkpoint not found: {path}", "pass the path of a .ckpt file, e.g. RUN_DIR/checkpoints/last.ckpt")
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        refused = re.search(r"Unsupported global: GLOBAL (\S+)", str(err))
        if refused is None:
            raise unreadable(path, err) from err
        raise UserError(
            f"refusing to load {path}: it holds pickled Python objects (the first: {refused.group(1)}), "
            "which would run code; none was run",
            "nnfw checkpoints hold tensors and plain data only: this file was not written by nnfw, or was changed since",
        ) from err
    except PermissionError as err:
        raise UserError(f"cannot read the checkpoint {path}: {err.strerror}",
                        "check the file's permissions, or use another checkpoint") from err
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError) as err:  # OSError: torch maps a cut-short file
        raise unreadable(path, err) from err
    if not (isinstance(checkpoint, dict) and "state_dict" in checkpoint and isinstance(checkpoint.get("nnfw"), dict)):
        raise UserError(f"{path} is not an nnfw checkpoint", "it lacks the model weights or nnfw's run record")
    written_by = str(checkpoint["nnfw"].get("version", "0"))
    if newer(written_by, __version__):
        raise UserError(f"{path} was written by nnfw {written_by}, newer than this nnfw {__version__}",
                        "upgrade nnfw (pip install -U nnfw) to read it")
    problem = stored_config_problem(checkpoint["nnfw"].get("config") or {}, trusted)
    if problem is not None:
        raise UserError(f"refusing to load {path}: {problem[0]}", problem[1])
    return checkpoint


def newer(written_by: str, running: str) -> bool:
    """Whether a checkpoint's nnfw version is newer than the running one (an unreadable version is not)."""
    try:
        return Version(written_by) > Version(running)
    except InvalidVersion:
        return False


def unreadable(path: Path, err: Exception) -> UserError:
    """Why torch cannot read `path`: a checkpoint cut short or damaged (torch's zip format), or no checkpoint at all."""
    with path.open("rb") as file:
        zipped = file.read(4) == b"PK\x03\x04"
    if not zipped:
        return UserError(f"{path} is not a checkpoint (torch.save did not write it)",
                         "pass a .ckpt file of an nnfw run, e.g. RUN_DIR/checkpoints/last.ckpt")
    reason = (str(err).splitlines() or [type(err).__name__])[0]
    return UserError(f"checkpoint {path} is truncated or damaged ({reason})",
                     "use another checkpoint, e.g. last.ckpt or best.ckpt of the same run")
