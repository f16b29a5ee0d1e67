"""The values a type hint accepts from a config, and why a value does not fit one (torch-free).

A hint is read from source (`nnfw.config.signatures`) and mapped to the kinds of value a config
can hold: true/false, integers, numbers, strings, null, lists, mappings, paths, a `{_target_: CLASS}`
mapping for a class, and Literal choices. A hint that cannot be read this way accepts anything:
a check may miss a bad value, never refuse a good one.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import Any

from nnfw.config.signatures import EMPTY, Module, dotted_name, resolve_in

#: the largest integer an option may take (a seed aside): no size, count or length of a run
#: comes near it, and a larger one is a typo that would otherwise fail minutes later, or fill the memory
LARGEST_INT = 10**8
#: what every seed must be within (numpy's and scikit-learn's random states)
SEEDS = (0, 2**32 - 1)

#: names of a hint that mean one kind of value, as they are imported (typing.List) or built in (list)
CANONICAL = {
    "bool": "bool", "int": "int", "numbers.Integral": "int",
    "float": "float", "numbers.Real": "float", "numbers.Number": "float",
    "str": "str", "typing.Text": "str",
    "None": "null", "types.NoneType": "null",
    **dict.fromkeys(("list", "tuple", "set", "frozenset", "typing.List", "typing.Tuple", "typing.Set",
                     "typing.FrozenSet", "typing.Sequence", "typing.MutableSequence", "typing.Iterable",
                     "typing.Collection", "collections.abc.Sequence", "collections.abc.MutableSequence",
                     "collections.abc.Iterable", "collections.abc.Collection"), "list"),
    **dict.fromkeys(("dict", "typing.Dict", "typing.Mapping", "typing.MutableMapping", "typing.OrderedDict",
                     "typing.DefaultDict", "collections.abc.Mapping", "collections.abc.MutableMapping",
                     "collections.OrderedDict", "collections.defaultdict"), "dict"),
    **dict.fromkeys(("pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "os.PathLike"), "path"),
    # a config holds no function: a callable comes from a {_target_: ..., _partial_: true} mapping
    **dict.fromkeys(("typing.Callable", "collections.abc.Callable"), "object"),
}
UNIONS = {"typing.Union", "typing.Optional"}
LITERALS = {"typing.Literal", "typing_extensions.Literal"}
WRAPPERS = {"typing.Annotated", "typing_extensions.Annotated", "typing.Final", "typing.ClassVar"}
#: base classes whose subclasses take values of other kinds (an Enum takes its names, a TypedDict a mapping)
OPEN_BASES = {"str", "int", "float", "dict", "list", "tuple", "enum.Enum", "enum.IntEnum", "enum.StrEnum",
              "enum.Flag", "typing.TypedDict", "typing_extensions.TypedDict", "typing.NamedTuple",
              "typing.Protocol", "typing.Generic"}
MAX_DEPTH = 8


@dataclass(frozen=True)
class Kind:
    """One kind of value: `name` is bool, int, float, str, null, list, dict, path, object (a class),
    literal or any."""

    name: str
    items: tuple[tuple[Kind, ...], ...] = ()  # a list's element kinds (one, or one per element of a fixed tuple)
    fixed: bool = False  # a tuple[X, Y]: exactly len(items) elements
    choices: tuple[Any, ...] = ()  # a Literal's values


Accepts = tuple[Kind, ...]  # a union of kinds
ANYTHING: Accepts = (Kind("any"),)


def accepts(annotation: ast.expr | None, module: Module, depth: int = 0) -> Accepts:
    """The kinds of value `annotation` (an expression of `module`) accepts."""
    if annotation is None or depth > MAX_DEPTH:
        return ANYTHING
    if isinstance(annotation, ast.Constant):
        if annotation.value is None:
            return (Kind("null"),)
        if isinstance(annotation.value, str):  # a forward reference: "Tensor"
            try:
                return accepts(ast.parse(annotation.value, mode="eval").body, module, depth + 1)
            except SyntaxError:
                return ANYTHING
        return ANYTHING
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return _union(accepts(annotation.left, module, depth + 1), accepts(annotation.right, module, depth + 1))
    if isinstance(annotation, ast.Subscript):
        return _subscript(annotation, module, depth)
    if isinstance(annotation, (ast.Name, ast.Attribute)):
        return _named(annotation, module, depth)
    return ANYTHING


def _union(*members: Accepts) -> Accepts:
    kinds = [kind for member in members for kind in member]
    return ANYTHING if any(k.name == "any" for k in kinds) else tuple(dict.fromkeys(kinds))


def _meaning(node: ast.expr, module: Module, depth: int) -> tuple[str | None, Accepts | None]:
    """What a Name or Attribute of a hint stands for: a canonical name (`typing.Optional`, `list`),
    or the kinds it accepts when it is an alias or a class."""
    dotted = dotted_name(node)
    found = resolve_in(module, dotted) if dotted else None
    if found is None:
        return None, ANYTHING
    if found.kind == "external":
        return found.name, None
    if found.kind == "alias" and found.module is not None:
        value = found.node
        if isinstance(value, ast.Call):  # TypeVar("T"), NewType(...)
            return None, ANYTHING
        return None, accepts(value, found.module, depth + 1) if isinstance(value, ast.expr) else ANYTHING
    if found.kind == "class":
        return None, ANYTHING if _open_class(found.node, found.module, depth) else (Kind("object"),)
    return None, ANYTHING


def _open_class(node: ast.AST | None, module: Module | None, depth: int) -> bool:
    """Whether a class takes values other than a mapping to build it from: it derives from a
    builtin, an Enum, a TypedDict or a Protocol (or from a base that cannot be read)."""
    if not isinstance(node, ast.ClassDef) or module is None or depth > MAX_DEPTH:
        return True
    for base in node.bases:
        target = base.value if isinstance(base, ast.Subscript) else base
        dotted = dotted_name(target)
        found = resolve_in(module, dotted) if dotted else None
        if found is None or (found.kind == "external" and found.name in OPEN_BASES):
            return True
        if found.kind == "class" and _open_class(found.node, found.module, depth + 1):
            return True
    return False


def _named(node: ast.expr, module: Module, depth: int) -> Accepts:
    name, kinds = _meaning(node, module, depth)
    if kinds is not None:
        return kinds
    canonical = CANONICAL.get(name or "")
    if canonical == "list":
        return (Kind("list", items=(ANYTHING,)),)
    return (Kind(canonical),) if canonical else ANYTHING


def _subscript(node: ast.Subscript, module: Module, depth: int) -> Accepts:
    name, kinds = _meaning(node.value, module, depth)
    if kinds is not None:
        return kinds  # a generic class or alias: its arguments do not change what it takes
    arguments = list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]
    if name in UNIONS:
        members = [accepts(a, module, depth + 1) for a in arguments]
        return _union(*members, *([(Kind("null"),)] if name == "typing.Optional" else []))
    if name in LITERALS:
        try:
            return (Kind("literal", choices=tuple(ast.literal_eval(a) for a in arguments)),)
        except ValueError:
            return ANYTHING
    if name in WRAPPERS:
        return accepts(arguments[0], module, depth + 1)
    canonical = CANONICAL.get(name or "")
    if canonical == "list":
        variable = len(arguments) == 2 and isinstance(arguments[1], ast.Constant) and arguments[1].value is Ellipsis
        fixed = name in ("tuple", "typing.Tuple") and not variable and len(arguments) > 1
        items = tuple(accepts(a, module, depth + 1) for a in (arguments if fixed else arguments[:1]))
        return (Kind("list", items=items, fixed=fixed),)
    if canonical == "dict" and len(arguments) == 2:
        return (Kind("dict", items=(accepts(arguments[1], module, depth + 1),)),)
    return (Kind(canonical),) if canonical else ANYTHING


def _finite(value: Any) -> bool:
    return not isinstance(value, float) or math.isfinite(value)


def fits(kind: Kind, value: Any, default: Any = EMPTY) -> bool:
    """Whether `value` (a plain Python value, as a config resolves to) is of `kind`; a non-finite
    float fits a float only where the default is non-finite itself."""
    name = kind.name
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "any":
        return True
    if name == "null":
        return value is None
    if name == "bool":
        return isinstance(value, bool)
    if name == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "float":
        return number and (_finite(value) or not _finite(default))
    if name == "str":
        return isinstance(value, str)
    if name == "path":
        return isinstance(value, str) and value.strip() != ""
    if name == "dict":
        return isinstance(value, dict) and all(any(fits(k, v) for k in kind.items[0]) for v in value.values()) \
            if kind.items else isinstance(value, dict)
    if name == "object":
        return isinstance(value, dict)
    if name == "literal":
        return any(value == choice and type(value) is type(choice) for choice in kind.choices)
    if name == "list":
        if not isinstance(value, (list, tuple)):
            return False
        if kind.fixed:
            return len(value) == len(kind.items) and all(
                any(fits(k, v) for k in item) for item, v in zip(kind.items, value, strict=True))
        return not kind.items or all(any(fits(k, v) for k in kind.items[0]) for v in value)
    return True


def describe(kinds: Accepts) -> str:
    """`kinds` in words: 'an integer or null', 'a list of 2 numbers', 'one of step, epoch'."""
    if takes_path(kinds):  # a string is a path here
        kinds = tuple(kind for kind in kinds if kind.name != "str")
    return " or ".join(dict.fromkeys(_describe(kind) for kind in kinds))


_WORDS = {"bool": "true or false", "int": "an integer", "float": "a number", "str": "a string", "null": "null",
          "dict": "a mapping", "path": "a path", "object": "a {_target_: CLASS} mapping", "any": "anything"}
_PLURALS = {"int": "integers", "float": "numbers", "str": "strings", "bool": "booleans", "path": "paths",
            "list": "lists", "dict": "mappings", "any": "values"}


def _describe(kind: Kind) -> str:
    if kind.name == "literal":
        return "one of " + ", ".join(str(c) for c in kind.choices)
    if kind.name != "list":
        return _WORDS[kind.name]
    if not kind.items or kind.items == (ANYTHING,):
        return "a list"
    elements = [" or ".join(dict.fromkeys(_PLURALS.get(k.name, _describe(k)) for k in item)) for item in kind.items]
    if kind.fixed and len(set(elements)) == 1:
        return f"a list of {len(elements)} {elements[0]}"
    if kind.fixed:
        return f"a list of {len(elements)}: " + ", ".join(elements)
    return f"a list of {elements[0]}"


def problem(kinds: Accepts, value: Any, default: Any = EMPTY, name: str = "") -> str | None:
    """Why `value` does not fit `kinds` ('must be an integer'), or None when it does. `default` is
    the parameter's own (a None default accepts null); `name` is the parameter's (a seed's range
    is not a size's)."""
    if any(k.name == "any" for k in kinds) or (value is None and default is None):
        return None
    if not any(fits(kind, value, default) for kind in kinds):
        if isinstance(value, float) and not _finite(value) and any(k.name == "float" for k in kinds):
            return "must be a finite number"
        return f"must be {describe(kinds)}"
    if not any(k.name in ("float", "literal", "any") and fits(k, value, default) for k in kinds):
        return out_of_range(value, name)
    return None


def out_of_range(value: Any, name: str = "") -> str | None:
    """Why an integer is beyond what a run's options take: a seed outside SEEDS, any other
    integer beyond LARGEST_INT either way; None for anything else."""
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    if is_seed(name):
        return None if SEEDS[0] <= value <= SEEDS[1] else f"must be a seed from {SEEDS[0]} to {SEEDS[1]}"
    if abs(value) > LARGEST_INT:
        return f"must be at {'most' if value > 0 else 'least'} {'-' if value < 0 else ''}{LARGEST_INT:,}: " \
            "no size, count or length of a run comes near it"
    return None


def is_seed(name: str) -> bool:
    return name in ("seed", "random_state") or name.endswith("_seed")


def takes_path(kinds: Accepts) -> bool:
    return any(k.name == "path" for k in kinds)
