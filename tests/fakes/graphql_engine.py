"""A small GraphQL engine for the fake GitHub: parse a query, run it over Python objects.

It answers with exactly the fields a query selects, in the order it selects them,
so a collector's query is checked field by field against what the fake knows of
GitHub's schema. Objects are dicts carrying a `__typename`; a field's value may
be a callable taking the field's arguments, a `Connection` (paginated with
`first`/`last`/`after`/`before`, as GitHub requires), or a `FieldError` (the field
comes back null and the error is listed, as GitHub does for FORBIDDEN or
NOT_FOUND). What the engine covers: operations, variables with defaults,
aliases, arguments of every literal kind, inline fragments, named fragments,
`@include`/`@skip`, and GitHub's query cost.
"""

from __future__ import annotations

import base64
import bisect
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MAX_PAGE = 100


@dataclass(frozen=True)
class Location:
    line: int
    column: int

    def as_json(self) -> dict[str, int]:
        return {"line": self.line, "column": self.column}


@dataclass(frozen=True)
class Variable:
    name: str
    location: Location


@dataclass(frozen=True)
class Directive:
    name: str
    arguments: dict[str, Any]


@dataclass
class Field:
    name: str
    alias: str | None
    arguments: dict[str, Any]
    directives: list[Directive]
    selections: list[Selection]
    location: Location

    @property
    def key(self) -> str:
        return self.alias or self.name


@dataclass
class InlineFragment:
    type_condition: str | None
    directives: list[Directive]
    selections: list[Selection]


@dataclass
class FragmentSpread:
    name: str
    directives: list[Directive]
    location: Location


Selection = Field | InlineFragment | FragmentSpread


@dataclass(frozen=True)
class VariableDefinition:
    name: str
    type: str
    default: Any
    location: Location


@dataclass
class Operation:
    kind: str
    name: str | None
    variables: list[VariableDefinition]
    selections: list[Selection]
    location: Location


@dataclass
class Fragment:
    name: str
    type_condition: str
    selections: list[Selection]


@dataclass
class Document:
    operations: list[Operation]
    fragments: dict[str, Fragment]

    def operation(self, name: str | None) -> Operation | None:
        if name:
            return next((op for op in self.operations if op.name == name), None)
        return self.operations[0] if len(self.operations) == 1 else None


class QueryError(Exception):
    """The whole request fails: GitHub answers with `errors` and no `data`."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(errors[0]["message"] if errors else "query error")
        self.errors = errors


@dataclass(frozen=True)
class FieldError:
    """A resolver's refusal: the field is null and this error is listed with its path."""

    type: str
    message: str
    extensions: dict[str, Any] | None = None


@dataclass
class Connection:
    """A paginated list field (`nodes`, `edges`, `totalCount`, `pageInfo`)."""

    typename: str
    items: Sequence[Any]

    def page(self, field_name: str, arguments: Mapping[str, Any], location: Location,
             path: list[str | int]) -> dict[str, Any]:
        first, last = arguments.get("first"), arguments.get("last")
        if first is None and last is None:
            raise QueryError([_error(
                f"You must provide a `first` or `last` value to properly paginate the "
                f"`{field_name}` connection.", location, path,
                type_="MISSING_PAGINATION_BOUNDARIES")])
        for argument, value in (("first", first), ("last", last)):
            if value is not None and value > MAX_PAGE:
                raise QueryError([_error(
                    f"Requesting {value} records on the `{field_name}` connection exceeds the "
                    f"`{argument}` limit of {MAX_PAGE} records.", location, path,
                    type_="EXCESSIVE_PAGINATION")])
        start, stop = 0, len(self.items)
        if arguments.get("after"):
            start = max(start, decode_cursor(arguments["after"]) + 1)
        if arguments.get("before"):
            stop = min(stop, decode_cursor(arguments["before"]))
        indexes = list(range(start, max(start, stop)))
        if first is not None:
            indexes = indexes[:first]
        if last is not None:
            indexes = indexes[-last:] if last else []
        nodes = [self.items[i] for i in indexes]
        return {
            "__typename": self.typename,
            "nodes": nodes,
            "edges": [{"__typename": self.typename.removesuffix("Connection") + "Edge",
                       "cursor": encode_cursor(i), "node": self.items[i]} for i in indexes],
            "totalCount": len(self.items),
            "pageInfo": {
                "__typename": "PageInfo",
                "hasNextPage": bool(indexes) and indexes[-1] + 1 < stop,
                "hasPreviousPage": bool(indexes) and indexes[0] > start,
                "startCursor": encode_cursor(indexes[0]) if indexes else None,
                "endCursor": encode_cursor(indexes[-1]) if indexes else None,
            },
        }


def encode_cursor(index: int) -> str:
    return base64.b64encode(f"cursor:v2:{index}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        return int(base64.b64decode(cursor).decode().rsplit(":", 1)[1])
    except (ValueError, IndexError, UnicodeDecodeError):
        return -1


# --- parsing ---------------------------------------------------------------------------------

_TOKENS = re.compile(r'''
    (?P<ignored>[\s,\ufeff]+|\#[^\n\r]*)
  | (?P<spread>\.\.\.)
  | (?P<punct>[!$&()\:=@\[\]{|}])
  | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<string>"(?:\\.|[^"\\\n])*")
''', re.VERBOSE)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    location: Location


def _tokenize(source: str) -> list[_Token]:
    line_starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", source)]

    def where(offset: int) -> Location:
        line = bisect.bisect_right(line_starts, offset)
        return Location(line, offset - line_starts[line - 1] + 1)

    tokens: list[_Token] = []
    offset = 0
    while offset < len(source):
        match = _TOKENS.match(source, offset)
        if match is None:
            location = where(offset)
            raise QueryError([{
                "message": f"Parse error on \"{source[offset]}\" at [{location.line}, "
                           f"{location.column}]",
                "locations": [location.as_json()]}])
        kind = match.lastgroup or ""
        if kind != "ignored":
            tokens.append(_Token(kind, match.group(), where(offset)))
        offset = match.end()
    tokens.append(_Token("end", "", where(len(source))))
    return tokens


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = _tokenize(source)
        self.position = 0

    def parse_document(self) -> Document:
        operations: list[Operation] = []
        fragments: dict[str, Fragment] = {}
        while self.peek().kind != "end":
            token = self.peek()
            if token.text == "fragment":
                fragment = self.parse_fragment()
                fragments[fragment.name] = fragment
            elif token.text in ("query", "mutation", "subscription") or token.text == "{":
                operations.append(self.parse_operation())
            else:
                self.fail(token)
        if not operations:
            raise QueryError([{"message": "A query must have at least one operation"}])
        return Document(operations, fragments)

    def parse_operation(self) -> Operation:
        start = self.peek()
        if start.text == "{":
            return Operation("query", None, [], self.parse_selection_set(), start.location)
        kind = self.advance().text
        name = self.advance().text if self.peek().kind == "name" else None
        variables = self.parse_variable_definitions() if self.peek().text == "(" else []
        self.parse_directives()
        return Operation(kind, name, variables, self.parse_selection_set(), start.location)

    def parse_fragment(self) -> Fragment:
        self.expect("fragment")
        name = self.expect_name()
        self.expect("on")
        type_condition = self.expect_name()
        self.parse_directives()
        return Fragment(name, type_condition, self.parse_selection_set())

    def parse_variable_definitions(self) -> list[VariableDefinition]:
        self.expect("(")
        definitions = []
        while self.peek().text != ")":
            location = self.expect("$").location
            name = self.expect_name()
            self.expect(":")
            type_ = self.parse_type()
            default = None
            if self.peek().text == "=":
                self.advance()
                default = self.parse_value(constant=True)
            definitions.append(VariableDefinition(name, type_, default, location))
        self.expect(")")
        return definitions

    def parse_type(self) -> str:
        if self.peek().text == "[":
            self.advance()
            inner = self.parse_type()
            self.expect("]")
            text = f"[{inner}]"
        else:
            text = self.expect_name()
        if self.peek().text == "!":
            self.advance()
            text += "!"
        return text

    def parse_selection_set(self) -> list[Selection]:
        self.expect("{")
        selections: list[Selection] = []
        while self.peek().text != "}":
            selections.append(self.parse_selection())
        self.expect("}")
        if not selections:
            self.fail(self.tokens[self.position - 1])
        return selections

    def parse_selection(self) -> Selection:
        if self.peek().kind == "spread":
            spread = self.advance()
            if self.peek().text == "on":
                self.advance()
                type_condition: str | None = self.expect_name()
                return InlineFragment(type_condition, self.parse_directives(),
                                      self.parse_selection_set())
            if self.peek().text in ("{", "@"):
                return InlineFragment(None, self.parse_directives(), self.parse_selection_set())
            return FragmentSpread(self.expect_name(), self.parse_directives(), spread.location)
        location = self.peek().location
        name = self.expect_name()
        alias = None
        if self.peek().text == ":":
            self.advance()
            alias, name = name, self.expect_name()
        arguments = self.parse_arguments() if self.peek().text == "(" else {}
        directives = self.parse_directives()
        selections = self.parse_selection_set() if self.peek().text == "{" else []
        return Field(name, alias, arguments, directives, selections, location)

    def parse_arguments(self) -> dict[str, Any]:
        self.expect("(")
        arguments = {}
        while self.peek().text != ")":
            name = self.expect_name()
            self.expect(":")
            arguments[name] = self.parse_value(constant=False)
        self.expect(")")
        return arguments

    def parse_directives(self) -> list[Directive]:
        directives = []
        while self.peek().text == "@":
            self.advance()
            name = self.expect_name()
            arguments = self.parse_arguments() if self.peek().text == "(" else {}
            directives.append(Directive(name, arguments))
        return directives

    def parse_value(self, constant: bool) -> Any:
        token = self.advance()
        if token.text == "$" and not constant:
            return Variable(self.expect_name(), token.location)
        if token.kind == "number":
            return float(token.text) if any(c in token.text for c in ".eE") else int(token.text)
        if token.kind == "string":
            return json.loads(token.text)
        if token.text == "[":
            values = []
            while self.peek().text != "]":
                values.append(self.parse_value(constant))
            self.advance()
            return values
        if token.text == "{":
            fields = {}
            while self.peek().text != "}":
                name = self.expect_name()
                self.expect(":")
                fields[name] = self.parse_value(constant)
            self.advance()
            return fields
        if token.kind == "name":
            return {"true": True, "false": False, "null": None}.get(token.text, token.text)
        return self.fail(token)

    def peek(self) -> _Token:
        return self.tokens[self.position]

    def advance(self) -> _Token:
        token = self.tokens[self.position]
        if token.kind == "end":
            self.fail(token)
        self.position += 1
        return token

    def expect(self, text: str) -> _Token:
        token = self.advance()
        if token.text != text:
            self.fail(token)
        return token

    def expect_name(self) -> str:
        token = self.advance()
        if token.kind != "name":
            self.fail(token)
        return token.text

    def fail(self, token: _Token) -> Any:
        shown = token.text or "end of file"
        raise QueryError([{
            "message": f"Parse error on \"{shown}\" at [{token.location.line}, "
                       f"{token.location.column}]",
            "locations": [token.location.as_json()]}])


def parse(source: str) -> Document:
    """The query's document, or a `QueryError` worded like GitHub's parse errors."""
    return _Parser(source).parse_document()


# --- execution -------------------------------------------------------------------------------

def coerce_variables(operation: Operation, given: Mapping[str, Any],
                     scalars: Mapping[str, Callable[[Any], Any]]) -> dict[str, Any]:
    """The operation's variables with defaults; a missing or malformed one fails the query."""
    values: dict[str, Any] = {}
    for definition in operation.variables:
        value = given.get(definition.name, definition.default)
        base = definition.type.strip("[]!")
        problem = None
        if value is None and definition.type.endswith("!"):
            problem = "Expected value to not be null"
        elif value is not None and base in scalars:
            try:
                scalars[base](value)
            except (TypeError, ValueError):
                problem = f"Could not coerce value {json.dumps(value)} to {base}"
        if problem:
            raise QueryError([{
                "extensions": {"value": value, "problems": [{"path": [], "explanation": problem}]},
                "locations": [definition.location.as_json()],
                "message": f"Variable ${definition.name} of type {definition.type} was provided "
                           f"invalid value"}])
        values[definition.name] = value
    return values


class Execution:
    """One run of an operation over a root object; collects field errors as GitHub lists them."""

    def __init__(self, document: Document, operation: Operation,
                 variables: Mapping[str, Any]) -> None:
        self.document = document
        self.operation = operation
        self.variables = dict(variables)
        self.errors: list[dict[str, Any]] = []

    def run(self, root: dict[str, Any]) -> dict[str, Any]:
        data = self.select(root, self.operation.selections, [])
        answer: dict[str, Any] = {"data": data}
        if self.errors:
            answer["errors"] = self.errors
        return answer

    def select(self, obj: dict[str, Any], selections: list[Selection],
               path: list[str | int]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for item in self.fields(obj, selections):
            out[item.key] = self.resolve(obj, item, [*path, item.key])
        return out

    def fields(self, obj: dict[str, Any], selections: list[Selection]) -> Iterator[Field]:
        typename = obj.get("__typename", "")
        for selection in selections:
            if not self.included(selection.directives):
                continue
            if isinstance(selection, Field):
                yield selection
            elif isinstance(selection, InlineFragment):
                if selection.type_condition in (None, typename, *obj.get("__implements", ())):
                    yield from self.fields(obj, selection.selections)
            else:
                fragment = self.document.fragments.get(selection.name)
                if fragment is None:
                    raise QueryError([_error(f"Fragment {selection.name} was used, but not "
                                             f"defined", selection.location, None)])
                if fragment.type_condition in (typename, *obj.get("__implements", ())):
                    yield from self.fields(obj, fragment.selections)

    def included(self, directives: list[Directive]) -> bool:
        for directive in directives:
            condition = bool(self.value(directive.arguments.get("if")))
            if (directive.name == "include" and not condition) or (
                    directive.name == "skip" and condition):
                return False
        return True

    def resolve(self, obj: dict[str, Any], item: Field, path: list[str | int]) -> Any:
        if item.name == "__typename":
            return obj.get("__typename")
        if item.name not in obj or item.name.startswith("__"):
            typename = obj.get("__typename", "Query")
            raise QueryError([{
                "path": [self.operation_label(), *path[:-1], item.name],
                "extensions": {"code": "undefinedField", "typeName": typename,
                               "fieldName": item.name},
                "locations": [item.location.as_json()],
                "message": f"Field '{item.name}' doesn't exist on type '{typename}'"}])
        arguments = {name: self.value(value) for name, value in item.arguments.items()}
        value = obj[item.name]
        if callable(value):
            value = value(arguments)
        if isinstance(value, Connection):
            value = value.page(item.name, arguments, item.location, path)
        if isinstance(value, FieldError):
            error: dict[str, Any] = {"type": value.type, "path": path}
            if value.extensions is not None:
                error["extensions"] = value.extensions
            error["locations"] = [item.location.as_json()]
            error["message"] = value.message
            self.errors.append(error)
            return None
        return self.complete(value, item, path)

    def complete(self, value: Any, item: Field, path: list[str | int]) -> Any:
        if isinstance(value, list | tuple):
            return [self.complete(v, item, [*path, i]) for i, v in enumerate(value)]
        if isinstance(value, dict):
            if not item.selections:
                raise QueryError([{
                    "path": [self.operation_label(), *path],
                    "extensions": {"code": "selectionMismatch", "nodeName": f"field '{item.name}'",
                                   "typeName": value.get("__typename")},
                    "locations": [item.location.as_json()],
                    "message": f"Field must have selections (field '{item.name}' returns "
                               f"{value.get('__typename')} but has no selections. Did you mean "
                               f"'{item.name} {{ ... }}'?)"}])
            return self.select(value, item.selections, path)
        if item.selections and value is not None:
            raise QueryError([{
                "path": [self.operation_label(), *path],
                "extensions": {"code": "selectionMismatch", "nodeName": f"field '{item.name}'"},
                "locations": [item.location.as_json()],
                "message": f"Selections can't be made on scalars (field '{item.name}' returns a "
                           f"scalar)"}])
        return value

    def value(self, raw: Any) -> Any:
        if isinstance(raw, Variable):
            if raw.name not in self.variables:
                raise QueryError([_error(
                    f"Variable ${raw.name} is used by {self.operation.name or 'anonymous query'} "
                    f"but not declared", raw.location, None, code="variableNotDefined")])
            return self.variables[raw.name]
        if isinstance(raw, list):
            return [self.value(v) for v in raw]
        if isinstance(raw, dict):
            return {k: self.value(v) for k, v in raw.items()}
        return raw

    def operation_label(self) -> str:
        return f"{self.operation.kind} {self.operation.name}".strip()


def query_cost(document: Document, operation: Operation, variables: Mapping[str, Any]) -> int:
    """GitHub's rate-limit cost: the requests every connection could need, over 100, at least 1.

    Each connection counts once per node its enclosing connections may return
    (their `first`/`last`), as docs.github.com/graphql/overview/rate-limits explains.
    """

    def amount(raw: Any) -> int | None:
        value = variables.get(raw.name) if isinstance(raw, Variable) else raw
        return value if isinstance(value, int) else None

    def requests(selections: list[Selection], multiplier: int, seen: frozenset[str]) -> int:
        total = 0
        for selection in selections:
            if isinstance(selection, InlineFragment):
                total += requests(selection.selections, multiplier, seen)
            elif isinstance(selection, FragmentSpread):
                fragment = document.fragments.get(selection.name)
                if fragment and selection.name not in seen:
                    total += requests(fragment.selections, multiplier, seen | {selection.name})
            else:
                size = amount(selection.arguments.get("first"))
                size = size if size is not None else amount(selection.arguments.get("last"))
                if size is None:
                    total += requests(selection.selections, multiplier, seen)
                else:
                    total += multiplier + requests(selection.selections, multiplier * size, seen)
        return total

    return max(1, math.floor(requests(operation.selections, 1, frozenset()) / 100 + 0.5))


def _error(message: str, location: Location, path: list[str | int] | None,
           type_: str | None = None, code: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {}
    if type_:
        error["type"] = type_
    if path is not None:
        error["path"] = path
    if code:
        error["extensions"] = {"code": code}
    error["locations"] = [location.as_json()]
    error["message"] = message
    return error

