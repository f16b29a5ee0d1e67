"""The rooms of nnfw import one way only, as data flows: config -> components -> run -> artifacts -> views.

Each room names the rooms it may import (besides itself). Components (data, models, tasks) never
import the run, its artifacts or its views; no view imports the run; artifacts import neither
views nor the run. Imports inside functions count as much as those at the top.
"""

from __future__ import annotations

import ast

from conftest import REPO

COMPONENTS = {"data", "models", "tasks"}
#: room -> the rooms it may import
ALLOWED = {
    "errors": set(),
    "privates": set(),
    "models": {"errors"},
    "data": {"errors"},
    "tasks": {"data", "models", "errors", "privates"},
    "config": {"data", "models", "errors"},  # the components' torch-free declarations and names
    "artifacts": COMPONENTS | {"config", "errors"},
    "views": COMPONENTS | {"config", "artifacts", "errors"},
    "run": COMPONENTS | {"config", "artifacts", "views", "errors", "privates"},
    "inference": COMPONENTS | {"config", "artifacts", "views", "run", "errors"},
    "cli": COMPONENTS | {"config", "artifacts", "views", "run", "inference", "errors", "privates"},
}


def imports(path) -> list[str]:
    """Every module `path` imports, at the top or inside a function."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
    return found


def room_of(parts: tuple[str, ...]) -> str:
    return parts[0].removesuffix(".py")


def test_every_module_lives_in_a_room():
    package = REPO / "nnfw"
    loose = [str(p.relative_to(REPO)) for p in package.rglob("*.py")
             if room_of(p.relative_to(package).parts) not in (*ALLOWED, "__init__", "__main__")]
    assert not loose, loose


def violations(package) -> list[str]:
    """`module (room) imports module` for every import a room may not make."""
    wrong = []
    for path in package.rglob("*.py"):
        room = room_of(path.relative_to(package).parts)
        if room not in ALLOWED:
            continue
        for module in imports(path):
            target = module.split(".")[1] if module.startswith("nnfw.") else None
            if target in ALLOWED and target != room and target not in ALLOWED[room]:
                wrong.append(f"{path.relative_to(package.parent)} ({room}) imports {module}")
    return wrong


def test_no_room_imports_a_room_it_may_not():
    package = REPO / "nnfw"
    assert not violations(package), violations(package)
    assert len(list(package.rglob("*.py"))) > 40  # the walk saw the package


def test_a_view_that_imports_the_run_is_caught(tmp_path):
    (tmp_path / "nnfw" / "views").mkdir(parents=True)
    (tmp_path / "nnfw" / "views" / "curves.py").write_text("def draw():\n    from nnfw.run.train import build_task\n")
    (tmp_path / "nnfw" / "data").mkdir()
    (tmp_path / "nnfw" / "data" / "table.py").write_text("import nnfw.views.figures\n")
    assert sorted(violations(tmp_path / "nnfw")) == [
        "nnfw/data/table.py (data) imports nnfw.views.figures", "nnfw/views/curves.py (views) imports nnfw.run.train"]
