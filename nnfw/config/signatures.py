"""A `_target_`'s parameters, read from its source with `ast`: no import, so torch stays unloaded.

Only the top-level package is located (`importlib.util.find_spec`, which imports nothing); its
modules are then found on disk and parsed, and a name re-exported with `from .x import Name`
(or `import a.b as c`, or `Name = other.Name`) is followed to where it is defined. A class's
parameters are those of its `__init__` (or of the first base class that has one). Anything that
cannot be read this way (a compiled module, a name built at run time, a star import) is
`None`: not checked, never refused.
"""

from __future__ import annotations

import ast
import importlib.util
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

#: modules whose names annotations use as they are (typing.Optional, os.PathLike, ...): never parsed
KNOWN_MODULES = frozenset({"typing", "typing_extensions", "collections", "collections.abc", "os", "pathlib",
                           "numbers", "types", "builtins", "datetime", "enum"})
#: how deep re-exports and aliases are followed
MAX_HOPS = 12


class _Empty:
    """No default, or one that is not a literal."""

    def __repr__(self) -> str:
        return "EMPTY"


EMPTY = _Empty()


@dataclass(frozen=True)
class Module:
    """A parsed module: its dotted name, file and top-level names."""

    name: str
    path: Path
    is_package: bool
    names: dict[str, ast.AST] = field(hash=False, compare=False)
    star_imports: bool = False  # names may come from elsewhere: a missing one is not evidence of absence


@dataclass(frozen=True)
class Parameter:
    name: str
    annotation: ast.expr | None
    default: Any  # the default's literal value, EMPTY when it has none or it is not a literal
    module: Module  # where the annotation's names are resolved


@dataclass(frozen=True)
class Signature:
    target: str
    parameters: dict[str, Parameter]
    takes_more: bool  # a **kwargs parameter


@dataclass(frozen=True)
class Found:
    """What a dotted name or an annotation name refers to, in the module that defines it."""

    kind: str  # "class", "function", "alias" (a module-level assignment), "module", "external"
    node: ast.AST | None
    module: Module | None
    name: str  # the dotted name it was found as (for "external": e.g. typing.Optional)


def module_file(name: str) -> tuple[Path, bool] | None:
    """The source file of module `name` and whether it is a package, found on disk from its top-level
    package alone (nothing is imported); None when it has no readable source."""
    top, *rest = name.split(".")
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        folders = [Path(p) for p in spec.submodule_search_locations]
    elif spec.origin and spec.origin.endswith(".py") and not rest:
        return Path(spec.origin), False
    else:
        return None
    for index, part in enumerate(rest):
        regular = next((f / part for f in folders if (f / part / "__init__.py").is_file()), None)
        source = next((f / f"{part}.py" for f in folders if (f / f"{part}.py").is_file()), None)
        namespace = next((f / part for f in folders if (f / part).is_dir()), None)
        if regular is not None or (source is None and namespace is not None):
            folders = [regular or namespace]
        elif source is not None and index == len(rest) - 1:
            return source, False
        else:
            return None  # no such module, or a module's attribute
    init = next((f / "__init__.py" for f in folders if (f / "__init__.py").is_file()), None)
    return (init, True) if init else None


def _top_level(statements: list[ast.stmt]) -> list[ast.stmt]:
    """A module's statements, with those of its top-level `if` and `try` blocks (TYPE_CHECKING, fallbacks)."""
    found = []
    for statement in statements:
        if isinstance(statement, (ast.If, ast.Try)):
            found += _top_level(statement.body) + _top_level(statement.orelse)
        else:
            found.append(statement)
    return found


@lru_cache(maxsize=256)
def parse_module(name: str) -> Module | None:
    """Module `name`, parsed; None when its source cannot be read."""
    located = module_file(name)
    if located is None:
        return None
    path, is_package = located
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return None
    names: dict[str, ast.AST] = {}
    star = False
    for statement in _top_level(tree.body):
        if isinstance(statement, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.setdefault(statement.name, statement)
        elif isinstance(statement, (ast.Import, ast.ImportFrom)):
            for alias in statement.names:
                if alias.name == "*":
                    star = True
                else:
                    names.setdefault(alias.asname or alias.name.split(".")[0], statement)
        elif isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    names.setdefault(target.id, statement)
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.value:
            names.setdefault(statement.target.id, statement)
    if "__getattr__" in names:
        star = True
    return Module(name, path, is_package, names, star)


def _imported_module(module: Module, node: ast.ImportFrom) -> str:
    """The absolute name of the module a `from ... import` statement reads from."""
    if not node.level:
        return node.module or ""
    parts = module.name.split(".")
    base = parts if module.is_package else parts[:-1]
    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join([*base, *([node.module] if node.module else [])])


def resolve_name(module: Module, name: str, hops: int = 0) -> Found | None:
    """What `name` means at the top of `module`: a class, function or alias defined there, or
    wherever an import brings it from; None when that cannot be told from source."""
    if hops > MAX_HOPS:
        return None
    node = module.names.get(name)
    if node is None:
        submodule = f"{module.name}.{name}"
        if module.is_package and module_file(submodule):
            return Found("module", None, parse_module(submodule), submodule)
        return None
    if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
        return Found("class" if isinstance(node, ast.ClassDef) else "function", node, module, f"{module.name}.{name}")
    if isinstance(node, ast.ImportFrom):
        alias = next(a for a in node.names if (a.asname or a.name) == name)
        source = _imported_module(module, node)
        return resolve_dotted(f"{source}.{alias.name}", hops + 1)
    if isinstance(node, ast.Import):
        alias = next(a for a in node.names if (a.asname or a.name.split(".")[0]) == name)
        return resolve_dotted(alias.name if alias.asname else alias.name.split(".")[0], hops + 1)
    value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
    if isinstance(value, (ast.Name, ast.Attribute)):
        dotted = dotted_name(value)
        if dotted:
            return resolve_in(module, dotted, hops + 1) or Found("alias", value, module, f"{module.name}.{name}")
    return Found("alias", value, module, f"{module.name}.{name}")


def resolve_in(module: Module, dotted: str, hops: int = 0) -> Found | None:
    """A dotted name as written in `module` (`Optional`, `os.PathLike`, `torch.Tensor`)."""
    head, _, rest = dotted.partition(".")
    if head in BUILTINS and head not in module.names:
        return Found("external", None, None, head) if not rest else None
    found = resolve_name(module, head, hops)
    for part in rest.split(".") if rest else []:
        if found is None:
            return None
        found = _attribute(found, part, hops + 1)
    return found


def _attribute(found: Found, part: str, hops: int) -> Found | None:
    if found.kind == "external":
        return Found("external", None, None, f"{found.name}.{part}")
    if found.kind == "module" and found.module is not None:
        return resolve_name(found.module, part, hops)
    if found.kind == "class" and isinstance(found.node, ast.ClassDef):
        inner = next((s for s in found.node.body if isinstance(s, ast.ClassDef) and s.name == part), None)
        return Found("class", inner, found.module, f"{found.name}.{part}") if inner else None
    return None


def resolve_dotted(dotted: str, hops: int = 0) -> Found | None:
    """A fully qualified name (`torch.optim.Adam`, `typing.Optional`): the longest prefix that is a
    module with source, then its attributes."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        module_name = ".".join(parts[:split])
        if module_name in KNOWN_MODULES:
            return Found("external", None, None, dotted)
        if split == 1 and module_file(module_name) is None:
            return None
        module = parse_module(module_name)
        if module is None:
            continue
        found = Found("module", None, module, module_name)
        for part in parts[split:]:
            found = _attribute(found, part, hops + 1) if found else None
        return found
    return None


def dotted_name(node: ast.expr) -> str | None:
    """`a.b.c` for a Name or an Attribute chain, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


#: names every module sees without importing them
BUILTINS = frozenset({"int", "float", "bool", "str", "bytes", "list", "tuple", "dict", "set", "frozenset", "object",
                      "type", "None", "complex", "range", "slice"})


def literal(node: ast.expr | None) -> Any:
    """A default's value when it is a literal (`1e-3`, `(0.9, 0.999)`, `None`, `float("inf")`,
    `math.inf`), else EMPTY."""
    if node is None:
        return EMPTY
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = literal(node.operand)
        return -inner if isinstance(inner, float) else EMPTY
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "float" \
            and len(node.args) == 1 and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        try:
            return float(node.args[0].value)
        except ValueError:
            return EMPTY
    if isinstance(node, ast.Attribute) and node.attr in ("inf", "nan"):
        return float(node.attr)
    return EMPTY


def _function_signature(target: str, node: ast.FunctionDef | ast.AsyncFunctionDef, module: Module,
                        method: bool) -> Signature:
    arguments = node.args
    positional = [*arguments.posonlyargs, *arguments.args]
    defaults = [None] * (len(positional) - len(arguments.defaults)) + list(arguments.defaults)
    pairs = list(zip(positional, defaults, strict=True))[1 if method else 0:]
    pairs += list(zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True))
    parameters = {arg.arg: Parameter(arg.arg, arg.annotation, literal(default), module) for arg, default in pairs}
    return Signature(target, parameters, takes_more=arguments.kwarg is not None)


def _class_signature(target: str, found: Found, hops: int = 0) -> Signature | None:
    node, module = found.node, found.module
    if not isinstance(node, ast.ClassDef) or module is None or hops > MAX_HOPS:
        return None
    init = next((s for s in node.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
    if init is not None:
        own = _function_signature(target, init, module, method=True)
        if not own.takes_more or not _passes_on(init):
            return own
        inherited = _base_signature(target, node, module, hops)  # `super().__init__(..., **kwargs)`
        if inherited is None:
            return own
        return Signature(target, {**inherited.parameters, **own.parameters}, inherited.takes_more)
    if any(_is_dataclass_decorator(d) for d in node.decorator_list):
        return _dataclass_signature(target, node, module)
    if any(isinstance(s, (ast.AnnAssign, ast.Assign)) for s in node.body) and node.decorator_list:
        return None  # an attrs class or the like: its parameters are its fields, made in ways not read here
    return _base_signature(target, node, module, hops)


def _is_dataclass_decorator(decorator: ast.expr) -> bool:
    """`@dataclass`, `@dataclasses.dataclass` or either called with options (`@dataclass(frozen=True)`)."""
    name = dotted_name(decorator.func if isinstance(decorator, ast.Call) else decorator)
    return name in ("dataclass", "dataclasses.dataclass")


def _dataclass_signature(target: str, node: ast.ClassDef, module: Module) -> Signature:
    """A dataclass's parameters: its annotated fields (not its ClassVars), in order, with their defaults."""
    parameters = {}
    for statement in node.body:
        if not isinstance(statement, ast.AnnAssign) or not isinstance(statement.target, ast.Name):
            continue
        annotation = dotted_name(statement.annotation.value if isinstance(statement.annotation, ast.Subscript)
                                 else statement.annotation)
        if annotation and annotation.rpartition(".")[2] == "ClassVar":
            continue
        name = statement.target.id
        parameters[name] = Parameter(name, statement.annotation, literal(statement.value), module)
    return Signature(target, parameters, takes_more=False)


def _passes_on(init: ast.FunctionDef) -> bool:
    """Whether `__init__` hands its **kwargs to its base class's: `super().__init__(..., **kwargs)`."""
    kwarg = init.args.kwarg.arg if init.args.kwarg else None
    for call in ast.walk(init):
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "__init__" \
                and isinstance(call.func.value, ast.Call) and isinstance(call.func.value.func, ast.Name) \
                and call.func.value.func.id == "super":
            return any(k.arg is None and isinstance(k.value, ast.Name) and k.value.id == kwarg for k in call.keywords)
    return False


def _base_signature(target: str, node: ast.ClassDef, module: Module, hops: int) -> Signature | None:
    """The signature of the first base class of `node` that has one."""
    for base in node.bases:
        dotted = dotted_name(base)
        parent = resolve_in(module, dotted, hops + 1) if dotted else None
        if parent is None or parent.kind != "class":
            return None
        signature = _class_signature(target, parent, hops + 1)
        if signature is not None:
            return signature
    return None


@lru_cache(maxsize=512)
def signature(target: str) -> Signature | None:
    """The parameters of the class or function `target` names, read from its source; None when its
    source cannot be read (or it is neither)."""
    found = resolve_dotted(target)
    if found is None:
        return None
    if found.kind == "function" and isinstance(found.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return _function_signature(target, found.node, found.module, method=False)
    if found.kind == "class":
        return _class_signature(target, found)
    return None


def table_entry(table: str, key: str) -> str | None:
    """The dotted name of the class or function that the module-level dict literal `table` (e.g.
    `nnfw.tasks.TASKS`) holds under `key`; None when the source does not tell."""
    found = resolve_dotted(table)
    if found is None or found.kind != "alias" or not isinstance(found.node, ast.Dict) or found.module is None:
        return None
    for name, value in zip(found.node.keys, found.node.values, strict=True):
        if isinstance(name, ast.Constant) and name.value == key:
            dotted = dotted_name(value)
            entry = resolve_in(found.module, dotted) if dotted else None
            return entry.name if entry is not None and entry.kind in ("class", "function") else None
    return None


def missing(target: str) -> str | None:
    """Why `target` surely names no class or function (`no module named 'foo'`, `nnfw.models has no
    'nope'`, `it is a module`), or None when it does or its source cannot tell."""
    parts = target.split(".")
    top = parts[0]
    if not all(part.isidentifier() for part in parts):
        return "it is not a dotted Python name"
    if len(parts) == 1:
        return "a class or function is named with its module, module.Name"
    try:
        if importlib.util.find_spec(top) is None:
            return f"no module named '{top}'"
    except (ImportError, ValueError):
        return None
    for split in range(len(parts), 0, -1):
        module = parse_module(".".join(parts[:split]))
        if module is None:
            if module_file(".".join(parts[:split])) is not None:
                return None  # there, but unreadable
            continue
        found: Found | None = Found("module", None, module, module.name)
        for part in parts[split:]:
            if found is None or found.kind != "module" or found.module is None:
                return None
            owner = found.module
            found = resolve_name(owner, part)
            if found is None:
                return None if owner.star_imports else f"{owner.name} has no '{part}'"
        return f"{target} is a module, not a class or function in it" if found.kind == "module" else None
    return None
