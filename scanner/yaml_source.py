"""YAML loading that keeps line numbers, survives custom tags and hostile text.

Evidence must point at a line a person can open, so mappings and sequences
come back as `LineDict` / `LineList`, which remember where each key and item
starts.  CI files use tags such as GitLab's `!reference`; a plain
`yaml.safe_load` refuses them, so unknown tags load as `Tagged` values.
Keys such as GitHub's `on:` stay strings (YAML 1.2 booleans only).

Everything loaded here may be hostile (a repository's files, a user's config), so a
value a standard tag cannot make (`2027-02-30`, `!!int forty`) stays the text it is
written as, for the reader of that key to judge, and a document whose aliases expand
to more than `MAX_EXPANDED_NODES` nodes ("billion laughs") is refused before anything
walks it.
"""

from __future__ import annotations

import re
from itertools import chain
from typing import Any

import yaml

from scanner.yaml_values import LineDict, LineList, Tagged, TextPosition, YamlError, stamp_file

# What it reads into (`yaml_values`) is named here too, where the readers of YAML find it.
__all__ = ["MAX_EXPANDED_NODES", "LineDict", "LineList", "Tagged", "TextPosition", "YamlError",
           "load_yaml", "load_yaml_documents", "stamp_file"]

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - libyaml missing
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


#: Nodes a document may hold once its aliases are expanded: far above any real CI file or
#: manifest (a 2 MB file holds a few hundred thousand), far below an alias bomb.
MAX_EXPANDED_NODES = 1_000_000


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def check_expansion(root: yaml.Node) -> None:
    """Refuse a document whose aliases make it too big to walk: count each node once per
    place it is reached from, in time linear in the nodes written."""
    if _small_tree(root):
        return
    sizes: dict[int, int] = {}
    entered: set[int] = set()
    pending: list[tuple[yaml.Node, bool]] = [(root, False)]
    while pending:
        node, children_counted = pending.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if not children_counted:
            if id(node) in entered:  # reached again from inside itself
                raise YamlError(f"line {node.start_mark.line + 1}: an alias refers to a "
                                "value that contains it; not read")
            entered.add(id(node))
            pending.append((node, True))
            pending.extend((child, False) for child in children if id(child) not in sizes)
            continue
        size = 1 + sum(sizes.get(id(child), 1) for child in children)
        if size > MAX_EXPANDED_NODES:
            raise YamlError(f"line {node.start_mark.line + 1}: its aliases expand to more "
                            f"than {MAX_EXPANDED_NODES:,} values (an alias bomb?); not read")
        sizes[id(node)] = size


def _small_tree(root: yaml.Node) -> bool:
    """Whether no node is reached twice (no alias) and the nodes are within the budget: the
    common case, told in one quick pass; any other document gets the full count, which
    says where it goes wrong."""
    seen: set[int] = set()
    pending = [root]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            return False
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            pending.extend(chain.from_iterable(node.value))
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(node.value)
    return len(seen) <= MAX_EXPANDED_NODES


class _Budgeted:
    """Composed documents are checked for alias expansion before they are constructed."""

    def get_single_node(self) -> Any:
        node = super().get_single_node()  # type: ignore[misc]
        if node is not None:
            check_expansion(node)
        return node

    def get_node(self) -> Any:
        node = super().get_node()  # type: ignore[misc]
        if node is not None:
            check_expansion(node)
        return node


def _position(node: yaml.Node) -> TextPosition:
    literal = isinstance(node, yaml.ScalarNode) and node.style == "|"
    return TextPosition(node.start_mark.line + 1, literal)


class _LineLoader(_Budgeted, _BaseLoader):
    pass


# YAML 1.2 booleans only: `on:`, `yes`, `no` stay strings, as GitHub reads them.
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
_LineLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


_STR = "tag:yaml.org,2002:str"


def _constructed(loader: _LineLoader, node: yaml.Node) -> Any:
    """The value of a node: a string's text at once (most of a file's nodes, and what its
    constructor would give), anything else through the loader."""
    if node.tag == _STR and isinstance(node, yaml.ScalarNode):
        return node.value
    return loader.construct_object(node, deep=True)


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> Any:
    result = LineDict()
    result.line = node.start_mark.line + 1
    yield result
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = _constructed(loader, key_node)
        if not isinstance(key, str | int | float | bool) and key is not None:
            key = str(key)
        result[key] = _constructed(loader, value_node)
        result.value_positions[key] = _position(value_node)
        result.key_lines[key] = key_node.start_mark.line + 1


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> Any:
    result = LineList()
    result.line = node.start_mark.line + 1
    yield result
    for item_node in node.value:
        result.append(_constructed(loader, item_node))
        result.item_positions.append(_position(item_node))


def _construct_tagged(loader: _LineLoader, node: yaml.Node) -> Tagged:
    value: Any
    if isinstance(node, yaml.MappingNode):
        value = LineDict()
        for key_node, value_node in node.value:
            value[loader.construct_object(key_node, deep=True)] = loader.construct_object(
                value_node, deep=True
            )
    elif isinstance(node, yaml.SequenceNode):
        value = [loader.construct_object(item, deep=True) for item in node.value]
    else:
        value = loader.construct_scalar(node)  # type: ignore[arg-type]
    return Tagged(str(node.tag), value, node.start_mark.line + 1)


def _as_written(constructor: Any) -> Any:
    """A standard tag's constructor that, where the value cannot be what the tag says
    (`!!int forty`, the date 2027-02-30, `!!bool maybe`), keeps what is written: the text
    of a scalar, the mapping or list of a collection."""

    def construct(loader: Any, node: yaml.Node) -> Any:
        try:
            return constructor(loader, node)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError,
                yaml.constructor.ConstructorError):
            if isinstance(node, yaml.MappingNode):
                return _construct_mapping(loader, node)
            if isinstance(node, yaml.SequenceNode):
                return _construct_sequence(loader, node)
            return str(node.value)

    return construct


_STANDARD_SCALARS = ("null", "bool", "int", "float", "binary", "timestamp", "omap", "pairs",
                     "set", "str")


def _add_constructors(loader: Any) -> None:
    for name in _STANDARD_SCALARS:
        tag = f"tag:yaml.org,2002:{name}"
        loader.add_constructor(tag, _as_written(yaml.SafeLoader.yaml_constructors[tag]))
    loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
    loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
    loader.add_constructor(None, _construct_tagged)


_add_constructors(_LineLoader)


class _RedefiningLoader(_Budgeted, yaml.SafeLoader):
    """The same loading, where an anchor may be defined again (YAML 1.2 allows it and CI
    systems such as CircleCI accept it; an alias then means the latest definition).
    Pure Python, so used only for files the fast loader refuses for that reason."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        anchor = getattr(event, "anchor", None)
        if anchor is not None and not isinstance(event, yaml.AliasEvent):
            self.anchors.pop(anchor, None)
        return super().compose_node(parent, index)


_RedefiningLoader.yaml_implicit_resolvers = _LineLoader.yaml_implicit_resolvers
_add_constructors(_RedefiningLoader)
_DUPLICATE_ANCHOR = "found duplicate anchor"


def _loaded(text: str, loader: Any, many: bool) -> Any:
    return list(yaml.load_all(text, Loader=loader)) if many else yaml.load(text, Loader=loader)


def _load(text: str, many: bool) -> Any:
    try:
        return _loaded(text, _LineLoader, many)
    except yaml.MarkedYAMLError as exc:
        if _DUPLICATE_ANCHOR not in str(exc.context or ""):
            raise
    return _loaded(text, _RedefiningLoader, many)


def load_yaml(text: str) -> Any:
    """Load one YAML document with line information; raise YamlError on bad YAML."""
    return _guarded(text, many=False)


def load_yaml_documents(text: str) -> list[Any]:
    """Load every document of a multi-document stream (Kubernetes manifests)."""
    return list(_guarded(text, many=True))


def _guarded(text: str, many: bool) -> Any:
    """Load, turning whatever goes wrong into one YamlError naming the line."""
    try:
        return _load(text, many)
    except YamlError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}" if mark else "unknown line"
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlError(f"{where}: {problem}") from None
    except yaml.YAMLError as exc:
        raise YamlError(str(exc).splitlines()[0] if str(exc) else "invalid YAML") from None
    except RecursionError:
        raise YamlError("nesting too deep") from None
    except Exception as exc:  # a constructor's fault on hostile text is the file's problem
        raise YamlError(f"cannot be read ({type(exc).__name__})") from None
