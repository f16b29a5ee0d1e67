"""The layers of nnfw import downward only: cli -> pipeline -> tasks / config -> data / models -> errors."""

from __future__ import annotations

import ast

from conftest import REPO

#: a layer may import from layers of a lower rank (and its own)
RANK = {"cli": 4, "pipeline": 3, "tasks": 2, "config": 2, "data": 1, "models": 1, "errors": 0, "privates": 0}


def imports(path) -> list[str]:
    """Every module `path` imports, at the top or inside a function."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
    return found


def test_no_module_imports_from_a_layer_above_its_own():
    package = REPO / "nnfw"
    upward = []
    for path in package.rglob("*.py"):
        layer = path.relative_to(package).parts[0].removesuffix(".py")
        if layer not in RANK:
            continue
        for module in imports(path):
            target = module.split(".")[1] if module.startswith("nnfw.") else None
            if target in RANK and RANK[target] > RANK[layer]:
                upward.append(f"{path.relative_to(REPO)} imports {module}")
    assert not upward, upward
    assert len(list(package.rglob("*.py"))) > 40  # the walk saw the package
