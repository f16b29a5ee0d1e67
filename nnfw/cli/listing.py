"""`nnfw list [GROUP]`: the config groups and their options, without importing torch."""

from __future__ import annotations

from nnfw.config import locate
from nnfw.errors import UserError, suggestion


def run(argv: list[str]) -> int:
    groups = locate.groups()
    wanted = argv or list(groups)
    for group in wanted:
        if group not in groups:
            raise UserError(f"unknown config group '{group}'", suggestion(group, groups, "groups"))
        print(f"{group}: {', '.join(groups[group])}")
    return 0
