"""A run's config as its user reads it: without the keys nobody sets on a command line (Hydra's
`_partial_`, the components' declarations `_reads_`, `_gives_`, `_task_`, `_checks_`). Torch-free:
the terminal's tree and the report both show it."""

from __future__ import annotations

from typing import Any

import yaml

from nnfw.config.declarations import DECLARATIONS

#: keys a user does not set when running: Hydra's and the components' declarations
UNSET_KEYS = ("_partial_", *DECLARATIONS)


def users_config(node: Any, drop_nulls: bool = False) -> Any:
    """`node` (plain data) without UNSET_KEYS at any depth, and without nulls if `drop_nulls`."""
    if isinstance(node, dict):
        return {key: users_config(value, drop_nulls) for key, value in node.items()
                if key not in UNSET_KEYS and not (drop_nulls and value is None)}
    if isinstance(node, list):
        return [users_config(value, drop_nulls) for value in node]
    return node


def config_yaml(node: Any) -> str:
    """Plain data as YAML, in its own order (PyYAML writes it three times faster than OmegaConf)."""
    return yaml.safe_dump(node, sort_keys=False, allow_unicode=True).rstrip()
