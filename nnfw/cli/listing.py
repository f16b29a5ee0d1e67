"""`nnfw list [GROUP ...] [--config-dir DIR] [hydra.searchpath=[...]]`: the config groups and their
options, a user's own config folders included, without importing torch."""

from __future__ import annotations

import argparse

from nnfw.config import locate
from nnfw.config.overrides import SEARCHPATH, given_searchpath, parse, searchpath_with
from nnfw.errors import UserError, suggestion


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="nnfw list", add_help=False)
    parser.add_argument("--config-dir", "-cd")
    parser.add_argument("words", nargs="*")
    args = parser.parse_args(argv)
    searches = [w for w in args.words if w.startswith(f"{SEARCHPATH}=")]
    searchpath = searchpath_with(given_searchpath(parse(searches)), args.config_dir)
    groups = locate.groups(searchpath)
    wanted = [w for w in args.words if w not in searches] or list(groups)
    for group in wanted:
        if group not in groups:
            raise UserError(f"unknown config group '{group}'", suggestion(group, groups, "groups"))
        print(f"{group}: {', '.join(groups[group])}")
    return 0
