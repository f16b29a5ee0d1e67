"""What a run shows in the terminal: the composed config as a tree, the results as a table."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf
from rich.console import Console
from rich.table import Table
from rich.tree import Tree

#: config sections shown in the tree, in this order; hydra's own node is left to .hydra/
TREE_SECTIONS = ("data", "model", "optimizer", "scheduler", "regularization", "trainer", "callbacks", "logger")

console = Console()


def config_tree(cfg: DictConfig, sections: Iterable[str] = TREE_SECTIONS) -> Tree:
    tree = Tree("[bold]config[/bold]", guide_style="dim")
    root = {k: v for k, v in cfg.items() if not isinstance(v, DictConfig) and k != "hydra"}
    for section in sections:
        value = cfg.get(section)
        branch = tree.add(f"[bold cyan]{section}[/bold cyan]")
        text = OmegaConf.to_yaml(value, resolve=True) if isinstance(value, DictConfig) else f"{value}\n"
        branch.add(text.rstrip() or "{}")
    branch = tree.add("[bold cyan]run[/bold cyan]")
    branch.add(OmegaConf.to_yaml(OmegaConf.create(root)).rstrip())
    return tree


def show_config(cfg: DictConfig, save_to: Path, show: bool) -> None:
    """Print the config tree (when `show`) and always save it as text in the run directory."""
    tree = config_tree(cfg)
    if show:
        console.print(tree)
    with save_to.open("w") as handle:
        Console(file=handle, width=120, color_system=None).print(tree)


def results_table(metrics: dict[str, Any], title: str) -> Table:
    """One row per stage (train / val / test), one column per metric."""
    stages: dict[str, dict[str, Any]] = {}
    for name, value in metrics.items():
        stage, _, metric = name.partition("/")
        stages.setdefault(stage, {})[metric] = value
    columns = sorted({m for values in stages.values() for m in values}, key=lambda m: (m != "loss", m))
    table = Table(title=title, title_justify="left")
    table.add_column("split", style="bold")
    for column in columns:
        table.add_column(column, justify="right")
    for stage in ("train", "val", "test"):
        if stage in stages:
            row = stages[stage]
            table.add_row(stage, *(_format(row.get(c)) for c in columns))
    return table


def _format(value: Any) -> str:
    return "" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)
