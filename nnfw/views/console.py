"""What a run shows in the terminal: the composed config as a tree, the results as a table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from lightning.fabric.utilities.rank_zero import rank_zero_only
from omegaconf import DictConfig, OmegaConf
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from nnfw.config.declarations import DECLARATIONS

#: config sections shown in the tree, in this order; hydra's own node is left to .hydra/
TREE_SECTIONS = ("data", "model", "optimizer", "scheduler", "regularization", "trainer", "callbacks", "logger")
#: sections printed as the names of what they turn on
NAMED_SECTIONS = ("callbacks", "logger")

console = Console()


#: keys a user does not set when running: Hydra's and the components' declarations
UNSET_KEYS = ("_partial_", *DECLARATIONS)


def _compact(node: Any) -> Any:
    """The config as a user reads it: no nulls, no `_partial_` or declarations, callbacks and loggers by name."""
    if isinstance(node, dict):
        return {k: _compact(v) for k, v in node.items() if v is not None and k not in UNSET_KEYS}
    return node


def _yaml(node: dict[str, Any]) -> str:
    """A resolved section as YAML (plain data: PyYAML writes it three times faster than OmegaConf)."""
    return yaml.safe_dump(node, sort_keys=False, allow_unicode=True).rstrip()


def config_tree(resolved: dict[str, Any], compact: bool = False) -> Tree:
    """The resolved config by section; `compact` drops nulls and names callbacks and loggers."""
    tree = Tree("[bold]config[/bold]", guide_style="dim")
    for section in TREE_SECTIONS:
        value = resolved.get(section)
        if compact and section in NAMED_SECTIONS:
            value = ", ".join(k for k, v in (value or {}).items() if v) or "none"
        elif compact:
            value = _compact(value)
        text = _yaml(value) if isinstance(value, dict) else str(value)
        tree.add(f"[bold cyan]{section}[/bold cyan]").add(text or "{}")
    root = {k: v for k, v in resolved.items() if not isinstance(v, dict)}
    tree.add("[bold cyan]run[/bold cyan]").add(_yaml(root))
    return tree


@rank_zero_only  # under DDP the first process speaks for all
def show_config(cfg: DictConfig, save_to: Path, show: bool) -> None:
    """Print the config tree (when `show`, compact) and always save it, whole, in the run directory."""
    resolved = OmegaConf.to_container(cfg, resolve=True)
    if show:
        console.print(config_tree(resolved, compact=True))
    with save_to.open("w") as handle:
        Console(file=handle, width=120, color_system=None).print(config_tree(resolved))


@rank_zero_only
def show_results(metrics: dict[str, Any], baselines: dict[str, dict[str, float]], title: str) -> None:
    console.print(results_table(metrics, title, baselines))


def results_table(metrics: dict[str, Any], title: str, baselines: dict[str, dict[str, float]] | None = None) -> Table:
    """One row per stage (train / val / test), one column per metric; below them the baselines'
    test (else val) values in the same columns, so the network's numbers have something to beat.
    With several targets (`stage/target/metric`) a stage's own row (its summed loss) comes first,
    then a row per target, named in a column of its own."""
    stages = _by_row(metrics)
    columns = sorted({m for values in stages.values() for m in values}, key=lambda m: (m != "loss", m))
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
