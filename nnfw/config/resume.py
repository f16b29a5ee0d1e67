"""Continuing a run: `resume=auto` becomes the `ckpt_path` of the run directory's newest checkpoint.

Decided from the command line and the files alone, before torch is imported, so that a run
that cannot be resumed is refused in a second.
"""

from __future__ import annotations

import json
from pathlib import Path

from nnfw.errors import UserError

#: checkpoints a run leaves that a continued run may start from (the newer one wins)
RESUMABLE = ("last.ckpt", "interrupted.ckpt")


def given(overrides: list[str]) -> dict[str, str]:
    """key -> value of the command line's key=value overrides."""
    return dict(o.split("=", 1) for o in overrides if "=" in o and not o.startswith(("+", "~")))


def newest_checkpoint(run_dir: Path) -> Path | None:
    found = [run_dir / "checkpoints" / name for name in RESUMABLE if (run_dir / "checkpoints" / name).is_file()]
    return max(found, key=lambda p: p.stat().st_mtime_ns, default=None)


def resolve(overrides: list[str], multirun: bool) -> list[str]:
    """The overrides with `resume=auto` resolved to `ckpt_path=...` (unchanged without a checkpoint)."""
    values = given(overrides)
    if "init_from" in values and values["init_from"] != "null" and values.get("ckpt_path", "null") != "null":
        raise UserError("give ckpt_path=... (continue a run) or init_from=... (start one from its weights), not both")
    if values.get("resume") != "auto":
        return overrides
    if multirun:
        raise UserError("resume=auto continues one run, not a sweep", "resume each job: nnfw train resume=auto hydra.run.dir=SWEEP_DIR/N ...")
    if "hydra.run.dir" not in values:
        raise UserError("resume=auto needs the directory of the run to continue",
                        "add hydra.run.dir=RUN_DIR (the same as when the run started)")
    if values.get("ckpt_path", "null") != "null":
        raise UserError("give resume=auto or ckpt_path=..., not both")
    run_dir = Path(values["hydra.run.dir"]).expanduser()
    summary = run_dir / "summary.json"
    if summary.is_file() and json.loads(summary.read_text() or "{}").get("status") == "completed":
        raise UserError(f"resume=auto: the run in {run_dir} has completed; there is nothing to resume",
                        f"to train it further, start a new hydra.run.dir with ckpt_path={run_dir}/checkpoints/last.ckpt "
                        "and a larger trainer.max_epochs, or init_from=... for its weights only")
    checkpoint = newest_checkpoint(run_dir)
    if checkpoint is None:
        print(f"resume=auto: no checkpoint in {run_dir / 'checkpoints'}; starting a fresh run")
        return overrides
    print(f"resume=auto: continuing from {checkpoint}")
    return [*overrides, f"ckpt_path={checkpoint}"]
