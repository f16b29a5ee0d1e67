"""report.html: one self-contained page (pictures inlined, no network needed) about a run or a sweep.

A run's page: its diagnosis, metrics beside the baselines, every picture and its config.
A sweep's page: the jobs with their diagnoses, every job's learning curves overlaid, the
objective against each swept value, and the best job's pictures. Imports no torch.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from nnfw.artifacts.files import written_whole
from nnfw.artifacts.history import main_metric, read_history
from nnfw.artifacts.runs import (
    Runs,
    best_run,
    differing_keys,
    job_summaries,
    lower_is_better,
    objective,
    overrides_of,
    read_summary,
    rows,
)
from nnfw.artifacts.summary import SUMMARY_FILE
from nnfw.views import figures
from nnfw.views.diagnosis import Finding, diagnose
from nnfw.views.shown_config import config_yaml, users_config

#: the run directory's pictures in the order a reader wants them (how it trained, what it learned,
#: where it errs, what it reads); any other picture follows
PICTURES = ("learning_curves", "lr_finder", "decision_boundary", "hidden_units", "fitted_curve",
            "predicted_vs_actual", "residuals", "roc_pr", "confusion_matrix", "per_class", "predictions",
            "top_losses", "feature_importance", "filters", "reconstructions", "samples", "attention",
            "gradients_through_time")
STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}
td:first-child,th:first-child{text-align:left}.baseline{color:#777}img{max-width:100%;border:1px solid #eee}
figure{margin:1em 0}figcaption{color:#555;font-size:.9em}pre{background:#f6f8fa;padding:1em;overflow:auto}
.finding{padding:.5em 1em;margin:.5em 0;border-left:4px solid #d62728;background:#fdf2f2}
.finding.healthy{border-color:#2ca02c;background:#f2fbf2}code{background:#eef;padding:0 .2em}"""


def is_sweep(path: Path) -> bool:
    return not (path / SUMMARY_FILE).is_file() and any((child / SUMMARY_FILE).is_file()
                                                         for child in path.iterdir() if child.name.isdigit())


def _png_uri(data: bytes, kind: str = "image/png") -> str:
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def _array_uri(picture: np.ndarray) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="PNG")
    return _png_uri(buffer.getvalue())


def _figure(uri: str, caption: str) -> str:
    return f'<figure><img src="{uri}" alt="{escape(caption)}"><figcaption>{escape(caption)}</figcaption></figure>'


def picture_files(run_dir: Path) -> list[Path]:
    """The run's pictures: PICTURES first, in that order, then any other PNG or SVG."""
    known = [run_dir / f"{name}.png" for name in PICTURES if (run_dir / f"{name}.png").is_file()]
    others = sorted(p for p in run_dir.iterdir() if p.suffix in (".png", ".svg") and p not in known)
    return known + others


def pictures_html(run_dir: Path) -> str:
    kinds = {".png": "image/png", ".svg": "image/svg+xml"}
    return "\n".join(_figure(_png_uri(path.read_bytes(), kinds[path.suffix]), path.name) for path in picture_files(run_dir))


def findings_html(findings: Sequence[Finding]) -> str:
    return "\n".join(f'<div class="finding{" healthy" if f.healthy else ""}"><b>{escape(f.kind)}</b>: '
                     f"{escape(f.evidence)}<br>{escape(f.advice)}</div>" for f in findings)


def _number(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, (int, float)) and math.isfinite(value) else escape(str(value or ""))


def metrics_html(summary: Mapping[str, Any]) -> str:
    """Stages and baselines as rows, metrics as columns."""
    table: dict[str, dict[str, Any]] = {stage: {} for stage in ("train", "val", "test")}
    for name, number in summary.get("metrics", {}).items():
        stage, _, metric = name.partition("/")
        table.setdefault(stage, {})[metric] = number
    for baseline, scores in (summary.get("baselines") or {}).items():
        for name, number in scores.items():
            stage, _, metric = name.partition("/")
            table.setdefault(f"{baseline} ({stage})", {})[metric] = number
    table = {row: values for row, values in table.items() if values}
    if not table:
        return ""
    columns = sorted({m for values in table.values() for m in values}, key=lambda m: (m != "loss", m))
    head = "".join(f"<th>{escape(c)}</th>" for c in ["", *columns])
    body = "".join(f'<tr{" class=baseline" if "(" in row else ""}><td>{escape(row)}</td>'
                   + "".join(f"<td>{_number(values.get(c))}</td>" for c in columns) + "</tr>"
                   for row, values in table.items())
    return f"<table><tr>{head}</tr>{body}</table>"


def page(title: str, sections: Sequence[tuple[str, str]]) -> str:
    body = "\n".join(f"<h2>{escape(heading)}</h2>\n{content}" for heading, content in sections if content)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{STYLE}</style></head>\n<body><h1>{escape(title)}</h1>\n{body}\n</body></html>\n")


def lr_finder_html(summary: Mapping[str, Any]) -> str:
    """What the learning-rate finder suggested, for a run that asked it (optimizer.lr=auto, nnfw tune lr)."""
    found = summary.get("lr_finder")
    if not isinstance(found, Mapping) or not isinstance(found.get("suggested_lr"), (int, float)):
        return ""
    used = "trained with" if summary.get("command") != "tune lr" else "suggested"
    return (f"<p>learning-rate finder: {used} <code>optimizer.lr={found['suggested_lr']:.4g}</code>, where the "
            f"loss fell fastest ({escape(str(found.get('steps')))} steps from {_number(found.get('min_lr'))} to "
            f"{_number(found.get('max_lr'))}; lr_finder.png)</p>")


def config_html(run_dir: Path) -> str:
    """The run's composed config (.hydra/config.yaml) as its user reads it: no declarations."""
    path = run_dir / ".hydra" / "config.yaml"
    if not path.is_file():
        return ""
    try:
        shown = config_yaml(users_config(yaml.safe_load(path.read_text())))
    except yaml.YAMLError:
        shown = path.read_text()
    return f"<pre>{escape(shown)}</pre>"


def run_report(run_dir: Path) -> str:
    summary = read_summary(run_dir / SUMMARY_FILE)
    history = read_history(run_dir)
    searched_only = summary.get("command") == "tune lr"  # no training to judge
    status = f"<p>status: <b>{escape(str(summary.get('status')))}</b>"
    status += f" ({escape(str(summary['error']))})" if summary.get("error") else ""
    status += f", {summary['epochs']} epochs" if summary.get("epochs") else ""
    status += f", {summary['wall_time_s']:.1f} s</p>" if isinstance(summary.get("wall_time_s"), float) else "</p>"
    return page(f"nnfw run {run_dir.name}", [
        ("summary", status + lr_finder_html(summary)),
        ("diagnosis", "" if searched_only else findings_html(diagnose(history, summary))),
        ("metrics (baselines fitted on the same split)", metrics_html(summary)),
        ("pictures", pictures_html(run_dir)),
        ("config", config_html(run_dir)),
    ])


def _numeric(values: Sequence[str]) -> list[float] | None:
    try:
        return [float(v) for v in values]
    except ValueError:
        return None


def verdict(key: str, values: Sequence[float], objectives: Sequence[float], lower: bool) -> str:
    """Which swept values did worse than the best one, on each side of it: too small, too large."""
    ranked = sorted(zip(values, objectives))
    best_value, best = (min if lower else max)(ranked, key=lambda point: point[1])
    shown = lambda points: ", ".join(f"{v:g} ({o:.4g})" for v, o in points) or "none tried"  # noqa: E731
    return (f"{key}: best {best_value:g} ({best:.4g}); too small: {shown([p for p in ranked if p[0] < best_value])}; "
            f"too large: {shown([p for p in ranked if p[0] > best_value])}")


def sweep_report(sweep_dir: Path) -> str:
    jobs: Runs = job_summaries(sweep_dir)
    histories = {name: read_history(sweep_dir / name) for name, _ in jobs}
    keys = differing_keys(jobs)
    label = {name: " ".join(f"{k}={overrides_of(s).get(k, '')}" for k in keys) or f"job {name}" for name, s in jobs}
    metric = next((objective(s) for _, s in jobs if s.get("objective")), "val/loss")
    columns, body = rows(jobs)
    columns.append("diagnosis")
    for line, (name, summary) in zip(body, jobs):
        line.append(", ".join(f.kind for f in diagnose(histories[name], summary)))
    table = "<table><tr>" + "".join(f"<th>{escape(c)}</th>" for c in columns) + "</tr>" + "".join(
        "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in line) + "</tr>" for line in body) + "</table>"
    logged = [h for h in histories.values() if h]
    curves = ""
    if logged:
        shown = ["train/loss", "val/loss", *([m] if (m := main_metric(logged[0])) else [])]
        curves = _figure(_array_uri(figures.overlaid_curves({label[n]: h for n, h in histories.items() if h}, shown)),
                         "every job's learning curves")
    against = []
    for key in keys:
        points = [(overrides_of(s).get(key, ""), s.get("metrics", {}).get(metric)) for _, s in jobs]
        points = [(v, o) for v, o in points if isinstance(o, float)]
        numbers = _numeric([v for v, _ in points])
        if numbers and len(points) > 1:
            picture = figures.objective_against(key, numbers, [o for _, o in points], metric)
            against.append(_figure(_array_uri(picture), f"{metric} against {key}")
                           + f"<p>{escape(verdict(key, numbers, [o for _, o in points], lower_is_better(metric)))}</p>")
    best = best_run(jobs, metric)
    best_html = ""
    if best:
        best_dir = sweep_dir / best[0]
        best_html = (f"<p>job {escape(best[0])} ({escape(label[best[0]])}): {escape(metric)} = {best[1]:.4g}</p>"
                     + findings_html(diagnose(histories[best[0]], read_summary(best_dir / SUMMARY_FILE)))
                     + pictures_html(best_dir))
    every_job = "\n".join(f"<details><summary>job {escape(name)}: {escape(label[name])}</summary>"
                          f"{pictures_html(sweep_dir / name)}</details>" for name, _ in jobs)
    return page(f"nnfw sweep {sweep_dir.name}: {len(jobs)} jobs", [
        ("jobs", table),
        ("learning curves", curves),
        (f"{metric} against each swept value", "\n".join(against)),
        ("best job", best_html),
        ("every job's pictures", every_job),
    ])


def write_report(path: Path, output: Path | None = None) -> Path:
    """report.html (or `output`) for the run or sweep in `path`; returns where it was written."""
    html = sweep_report(path) if is_sweep(path) else run_report(path)
    target = output or path / "report.html"
    with written_whole(target, "the report", "choose another output=FILE") as temporary:
        temporary.write_text(html, encoding="utf-8")
    return target

