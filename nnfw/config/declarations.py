"""What a component says of itself in its config: the input a model reads, the input a dataset
gives, the task a model trains with, the rules its keys follow.

Declarations are read from the config alone (no import of the component), so compatibility
checks, error messages and `nnfw list` answer before torch loads, for nnfw's components and a
user's own alike. They are not arguments: `buildable` strips them before `instantiate`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nnfw.config import rules

#: model config: the kinds of input the model can read, e.g. [features, images]
READS = "_reads_"
#: data config: the kind of input the dataset gives, e.g. features
GIVES = "_gives_"
#: model config (optional): the task the model trains with when it is not the data's own kind
TASK = "_task_"
#: any component: the rules of its own keys, checked before torch loads (nnfw.config.rules)
CHECKS = "_checks_"
#: model config (optional): the keys that size it (an int or a list of ints each, e.g. [hidden_sizes]);
#: the diagnosis of an underfit run suggests them doubled
GROWS = "_grows_"
#: callback config (optional): the tasks it serves, e.g. [binary, perceptron]; other runs do not build it
FOR_TASKS = "_for_tasks_"
#: callback config (optional): the kinds of input it serves, e.g. [images]; other runs do not build it
FOR_INPUTS = "_for_inputs_"

DECLARATIONS = (READS, GIVES, TASK, CHECKS, GROWS, FOR_TASKS, FOR_INPUTS)


def buildable(node: Mapping[str, Any]) -> dict[str, Any]:
    """A component's config without its declarations: what `instantiate` passes to it."""
    return {key: value for key, value in node.items() if key not in DECLARATIONS}


def reads(node: Mapping[str, Any] | None) -> list[str] | None:
    """The input kinds a model config declares it reads (None: undeclared, not checked)."""
    declared = (node or {}).get(READS)
    return None if declared is None else [str(kind) for kind in declared]


def gives(node: Mapping[str, Any] | None) -> str | None:
    """The input kind a data config declares it gives (None: undeclared, not checked)."""
    declared = (node or {}).get(GIVES)
    return None if declared is None else str(declared)


def serves(node: Mapping[str, Any], task: str, given: str | None) -> bool:
    """Whether a callback config serves a run of `task` on data that gives `given` (None: undeclared):
    what it does not declare, it does not restrict."""
    tasks, inputs = node.get(FOR_TASKS), node.get(FOR_INPUTS)
    return (tasks is None or task in tasks) and (inputs is None or given is None or given in inputs)


def task(node: Mapping[str, Any] | None) -> str | None:
    """The task a model config pins (None: the data's kind decides)."""
    declared = (node or {}).get(TASK)
    return None if declared is None else str(declared)


def larger(node: Mapping[str, Any] | None) -> list[str]:
    """The overrides of a larger model, from the sizes a model config declares (`_grows_`): each
    sizing key's ints doubled, as `["model.hidden_sizes=[128,128]"]`; keys the config leaves
    empty or not positive ints are left out."""
    node = node or {}
    grown: list[str] = []
    for key in node.get(GROWS) or ():
        value = node.get(key)
        if rules.NAMED["positive_int"](value) is None:
            grown.append(f"model.{key}={2 * value}")
        elif isinstance(value, Sequence) and not isinstance(value, str) and value and rules.positive_ints(list(value)) is None:
            grown.append(f"model.{key}=[{','.join(str(2 * size) for size in value)}]")
    return grown
