"""summary.json: the one file every run leaves behind, written atomically, also on failure."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from nnfw.artifacts.files import written_whole

SUMMARY_FILE = "summary.json"


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON whole (`written_whole`): a disk that fills on the way leaves the previous file,
    or none, and a UserError naming it."""
    with written_whole(path) as temporary:
        temporary.write_text(json.dumps(data, indent=2, default=str) + "\n")


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


def completed_summary(fitted: dict[str, Any], wall_time_s: float, **extra: Any) -> dict[str, Any]:
    """summary.json of a run that completed: what its fit reported (`fitted`: metrics, checkpoints,
    counts, data), its metrics made plain JSON, its wall time, and `extra` (overrides, objective)."""
    return {"status": "completed", **fitted, "metrics": clean_metrics(fitted["metrics"]),
            "wall_time_s": round(wall_time_s, 3), **extra}


def failed_summary(error: BaseException, wall_time_s: float, status: str = "failed", **extra: Any) -> dict[str, Any]:
    """summary.json of a run that failed or was interrupted: the error, its wall time, and `extra`."""
    return {
        "status": status,
        "error": str(error),
        "error_type": type(error).__name__,
        "wall_time_s": round(wall_time_s, 3),
        **extra,
    }
