"""What a run shows in the terminal: the composed config as a tree, the results as a table."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lightning.fabric.utilities.rank_zero import rank_zero_only
from omegaconf import DictConfig, OmegaConf
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from nnfw.views.shown_config import config_yaml, users_config

#: config sections shown in the tree, in this order; hydra's own node is left to .hydra/
TREE_SECTIONS = ("data", "model", "optimizer", "scheduler", "regularization", "trainer", "callbacks", "logger")
#: sections printed as the names of what they turn on
NAMED_SECTIONS = ("callbacks", "logger")

console = Console()
#: a multi-step forecast's metric for one step ahead (test/rmse_h3): shown in a table of its own
STEP_METRIC = re.compile(r"^(\w+)/(\w+)_h(\d+)$")


def config_tree(resolved: dict[str, Any], compact: bool = False) -> Tree:
    """The resolved config by section, without the keys a user does not set (`users_config`);
    `compact` drops nulls too and names callbacks and loggers."""
    tree = Tree("[bold]config[/bold]", guide_style="dim")
    for section in TREE_SECTIONS:
        value = resolved.get(section)
        if compact and section in NAMED_SECTIONS:
            value = ", ".join(k for k, v in (value or {}).items() if v) or "none"
        else:
            value = users_config(value, drop_nulls=compact)
        text = config_yaml(value) if isinstance(value, dict) else str(value)
        tree.add(f"[bold cyan]{section}[/bold cyan]").add(text or "{}")
    root = {k: v for k, v in resolved.items() if not isinstance(v, dict)}
    tree.add("[bold cyan]run[/bold cyan]").add(config_yaml(root))
    return tree


@rank_zero_only  # under DDP the first process speaks for all
def config_summary(choices: Mapping[str, str | None], overrides: Sequence[str], tree_file: Path) -> str:
    """The config in three lines: the option chosen in each group (the experiment first, the
    sections in the tree's order), the values the command line changed, and where the whole tree is."""
    groups = [g for g in ("experiment", *TREE_SECTIONS) if g in choices]
    groups += [g for g in choices if g not in groups and not g.startswith("hydra") and g != "paths"]
    chosen = "  ".join(f"{group}={choices[group]}" for group in groups if choices[group] is not None)
    changed = [o for o in overrides if o.lstrip("+~").partition("=")[0] not in choices]
    return "\n".join([f"[bold]config:[/bold] {chosen}",
                      *([f"[bold]changed:[/bold] {'  '.join(changed)}"] if changed else []),
                      f"[dim]the whole config: {tree_file} (print_config=full prints it)[/dim]"])


def show_config(cfg: DictConfig, save_to: Path, shown: str | None, choices: Mapping[str, str | None],
                overrides: Sequence[str]) -> None:
    """Print the config (`shown`: `short`, the groups chosen and the values changed; `full`, the
    compact tree; None: nothing) and always save it, whole, in the run directory."""
    resolved = OmegaConf.to_container(cfg, resolve=True)
    if shown == "full":
        console.print(config_tree(resolved, compact=True))
    elif shown:
        console.print(config_summary(choices, overrides, save_to), highlight=False, soft_wrap=True)
    with save_to.open("w") as handle:
        Console(file=handle, width=120, color_system=None).print(config_tree(resolved))


@rank_zero_only
def show_results(metrics: dict[str, Any], baselines: dict[str, dict[str, float]], title: str,
                 note: str | None = None) -> None:
    """The results table, with `note` (how the baselines were fitted, where it needs saying) below it."""
    table = results_table(metrics, title, baselines)
    table.caption, table.caption_justify = note, "left"
    console.print(table)
    if any(STEP_METRIC.match(name) for name in metrics):
        console.print(steps_table(metrics, baselines))


def steps_table(metrics: dict[str, Any], baselines: dict[str, dict[str, float]], metric: str = "rmse") -> Table:
    """A multi-step forecast's test (else val) `metric` per step ahead, one row per step, the
    network's beside each baseline's (summary.json holds the MAE per step too)."""
    stage = "test" if any(name.startswith("test/") for name in metrics) else "val"
    sources = {"network": metrics, **baselines}
    steps: dict[int, dict[str, float]] = {}
    for source, values in sources.items():
        for name, value in values.items():
            matched = STEP_METRIC.match(name)
            if matched and matched[1] == stage and matched[2] == metric:
                steps.setdefault(int(matched[3]), {})[source] = value
    table = Table(title=f"{stage} {metric} per step ahead", title_justify="left")
    table.add_column("step", justify="right", style="bold")
    for source in sources:
        table.add_column(source if source == "network" else f"[dim]{source}[/dim]", justify="right")
    for step in sorted(steps):
        table.add_row(str(step), *(_format(steps[step].get(source)) for source in sources))
    return table


def results_table(metrics: dict[str, Any], title: str, baselines: dict[str, dict[str, float]] | None = None) -> Table:
    """One row per stage (train / val / test), one column per metric; below them the baselines'
    test (else val) values in the same columns, so the network's numbers have something to beat.
    With several targets (`stage/target/metric`) a stage's own row (its summed loss) comes first,
    then a row per target, named in a column of its own."""
    stages = _by_row(metrics)
    columns = sorted({m for values in stages.values() for m in values if not STEP_METRIC.match(f"stage/{m}")},
                     key=lambda m: (m != "loss", m))
    names = [target for _, target in stages if target]
    targeted = bool(names)
    table = Table(title=title, title_justify="left")
    table.add_column("split", style="bold")
    if targeted:  # the names in full: the metric columns narrow first
        table.add_column("target", min_width=min(max(map(len, names)), 24))
    for column in columns:
        table.add_column(column, justify="right")
    for stage in ("train", "val", "test"):
        for (row_stage, target), row in stages.items():
            if row_stage == stage:
                table.add_row(stage, *([target] if targeted else []), *(_format(row.get(c)) for c in columns))
    if baselines:
        table.add_section()
    for name, scores in (baselines or {}).items():
        split = "test" if any(k.startswith("test/") for k in scores) else "val"
        for (_, target), row in _by_row({k: v for k, v in scores.items() if k.startswith(f"{split}/")}).items():
            table.add_row(f"[dim]{name} ({split})[/dim]", *([f"[dim]{target}[/dim]"] if targeted else []),
                          *(f"[dim]{_format(row.get(c))}[/dim]" for c in columns))
    return table


def _by_row(metrics: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(stage, target) -> {metric: value} of `stage/metric` names (target '') and `stage/target/metric` ones."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for name, value in metrics.items():
        stage, _, rest = name.partition("/")
        target, _, metric = rest.rpartition("/")
        rows.setdefault((stage, target), {})[metric] = value
    return dict(sorted(rows.items(), key=lambda item: item[0][1] != ""))  # a stage's own row before its targets'


def _format(value: Any) -> str:
    return "" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)
