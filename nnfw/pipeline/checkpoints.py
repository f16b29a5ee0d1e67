"""Reading and writing checkpoints safely: atomic writes, no arbitrary unpickling, no foreign code.

A checkpoint may come from anywhere, so loading one never runs code: tensors and plain data
are read with `torch.load(weights_only=True)`, and the parts of the stored config that are
rebuilt from it may only name nnfw's own building blocks (and torch's optimizers and
schedulers) as `_target_`s, or what the running command's own config names.
"""

from __future__ import annotations

import os
import pickle
import shutil
import zipfile
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

import torch
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO

from nnfw.errors import UserError

#: What a `_target_` stored in a checkpoint may name.
TRUSTED_TARGETS = ("nnfw.", "torch.optim.", "lightning.pytorch.")
#: The sections of a stored config that are instantiated again from a checkpoint.
REBUILT_SECTIONS = ("data", "model", "optimizer", "scheduler")


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

    def save_checkpoint(self, checkpoint: dict[str, Any], path: str | os.PathLike, storage_options: Any = None) -> None:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        saved = (checkpoint.get("epoch"), checkpoint.get("global_step"), tuple(checkpoint))
        source = self._written[1] if self._written and self._written[0] == saved else None
        if source is not None and source != target and source.parent == target.parent and source.is_file():
            temporary.unlink(missing_ok=True)
            try:
                os.link(source, temporary)
            except OSError:  # a file system without hard links
                shutil.copyfile(source, temporary)
        else:
            torch.save(checkpoint, temporary)
        os.replace(temporary, target)
        self._written = (saved, target)

    def load_checkpoint(self, path: str | os.PathLike, map_location: Any = None, weights_only: bool | None = None) -> dict[str, Any]:
        return load_checkpoint(Path(path), map_location=map_location, trusted=self.trusted)


def load_checkpoint(path: Path, map_location: Any = "cpu", trusted: Collection[str] = ()) -> dict[str, Any]:
    """Load a checkpoint written by nnfw, or explain in one line why it cannot be."""
    if not path.is_file():
        raise UserError(f"checkpoint not found: {path}", "pass the path of a .ckpt file, e.g. RUN_DIR/checkpoints/last.ckpt")
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        if "Unsupported global" not in str(err):  # not a refused object, just bytes that are not a checkpoint
            raise UserError(f"checkpoint {path} is corrupt or truncated (it does not unpickle)",
                            "use another checkpoint, e.g. last.ckpt or best.ckpt of the same run") from err
        raise UserError(
            f"refusing to load {path}: it holds Python objects other than tensors and plain data",
            "nnfw checkpoints never do; the file was not written by nnfw or has been tampered with",
        ) from err
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError) as err:
        reason = (str(err).splitlines() or [type(err).__name__])[0]
        raise UserError(f"checkpoint {path} is corrupt or truncated ({reason})",
                        "use another checkpoint, e.g. last.ckpt or best.ckpt of the same run") from err
    if not isinstance(checkpoint, dict) or "state_dict" not in checkpoint or "nnfw" not in checkpoint:
        raise UserError(f"{path} is not an nnfw checkpoint", "it lacks the model weights or nnfw's run record")
    config = checkpoint["nnfw"].get("config") or {}
    for where, target in targets({k: v for k, v in config.items() if k in REBUILT_SECTIONS}, "config"):
        if not (isinstance(target, str) and (target.startswith(TRUSTED_TARGETS) or target in trusted)):
            raise UserError(f"refusing to load {path}: its stored {where} names a foreign _target_ '{target}'",
                            f"checkpoints may only name {', '.join(t + '*' for t in TRUSTED_TARGETS)}")
    return checkpoint


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


def saved_checkpoints(trainer: Any) -> dict[str, str]:
    """Paths of the run's checkpoints: "best" (by the monitored metric) and "last" (the latest)."""
    return {("best" if callback.monitor else "last"): callback.best_model_path
            for callback in trainer.checkpoint_callbacks if callback.best_model_path}
