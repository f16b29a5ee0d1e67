"""summary.json: the one file every run leaves behind, written atomically, also on failure."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from nnfw.errors import UserError

SUMMARY_FILE = "summary.json"


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON through a temporary file and a rename, so readers never see half a file
    (a disk that fills on the way leaves the previous file, or none, and a UserError naming it)."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(data, indent=2, default=str) + "\n")
        os.replace(temporary, path)
    except OSError as err:
        temporary.unlink(missing_ok=True)
        raise UserError(f"cannot write {path}: {err.strerror or err}",
                        "free some disk space, or write to a directory you can write to") from err


def clean_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """Metric tensors -> floats, sorted by name; NaN / inf become None-free strings JSON accepts."""
    result: dict[str, float] = {}
    for name, value in sorted(metrics.items()):
        number = float(value)
        result[name] = number if math.isfinite(number) else str(number)  # type: ignore[assignment]
    return result


def write_summary(run_dir: Path, summary: dict[str, Any]) -> Path:
    path = run_dir / SUMMARY_FILE
    write_json(path, summary)
    return path


def failed_summary(error: BaseException, wall_time_s: float, status: str = "failed", **extra: Any) -> dict[str, Any]:
    return {
        "status": status,
        "error": str(error),
        "error_type": type(error).__name__,
        "wall_time_s": round(wall_time_s, 3),
        **extra,
    }
