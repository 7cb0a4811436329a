"""The catalogue of CI tools (`tools.yaml`) and matching jobs against it.

The catalogue is data: each tool lists matchers (an action, a reusable
workflow, an image, a command pattern, a GitLab template or component, a
pre-commit hook), each tied to one category such as `sast` or `deploy`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, cached_property, partial
from importlib import resources
from pathlib import Path
from typing import Any

from scanner import patterns
from scanner import validate as v
from scanner.collectors.ci import model as ci_model
from scanner.collectors.ci.model import (
    ACTION,
    COMMAND,
    CONFIGURED,
    FILE,
    GITLAB_COMPONENT,
    GITLAB_INCLUDE,
    GITLAB_TEMPLATE,
    IMAGE,
    NAMED_STEP,
    ORB,
    PRECOMMIT,
    REUSABLE_WORKFLOW,
    TEST_REPORT,
    Job,
    Reference,
)
from scanner.collectors.ci.resolve.words import MAX_COMMAND, segments
from scanner.collectors.deadlines import check
from scanner.evidence import TRAIL
from scanner.lazy_patterns import lazy_compile
from scanner.parsed_yaml import cache_folder, kept_or_made
from scanner.patterns import Pattern, re2_build_file

PREFIX_KINDS = (ACTION, REUSABLE_WORKFLOW, ORB)
PATTERN_KINDS = (COMMAND, IMAGE, PRECOMMIT, GITLAB_TEMPLATE, GITLAB_COMPONENT, GITLAB_INCLUDE,
                 FILE, TEST_REPORT, NAMED_STEP, CONFIGURED)
MATCHER_KINDS = PREFIX_KINDS + PATTERN_KINDS
# How a GitLab `*_DISABLED` variable switches a template's jobs off: the Secure
# templates compare with 'true' or '1' exactly; older ones accept any value.
DISABLED_WHEN: dict[str, frozenset[str] | None] = {
    "true": frozenset({"true", "1"}),
    "set": None,  # any non-empty value
}
# A release number as an action's @ref gives it: `v1.13.0`, `1.2`, `v2`.
RELEASE_REF = lazy_compile(r"^v?(\d{1,6}(?:\.\d{1,6}){0,3})$")


@dataclass(frozen=True)
class Matcher:
    tool: str
    category: str
    kind: str
    pattern: str
    # An input's pattern by the input's name, as written: compiled when first asked for
    # (`input_patterns`), for the few matchers whose action a repository uses.
    inputs: tuple[tuple[str, str], ...] = ()
    disabled_by: str | None = None
    disabled_when: str = "true"
    # Whether the pattern is on Python's `re`, for the few RE2 cannot run (lookaround); the
    # others are searched through their kind's RE2 set (Catalogue). Each is compiled alone
    # when first asked for.
    backtracking: bool = False
    applies: tuple[str, ...] = ()  # infrastructure-as-code kinds a deploy command applies
    # The first release of an action that behaves this way (a default that changed): an
    # older pinned release does not match; a branch, a commit or a floating major does.
    since: tuple[int, ...] = ()

    @cached_property
    def compiled(self) -> Pattern | None:
        if self.kind not in PATTERN_KINDS:
            return None
        return patterns.own(self.pattern) if self.backtracking \
            else patterns.compiled(self.pattern)

    @cached_property
    def input_patterns(self) -> tuple[tuple[str, Pattern], ...]:
        return tuple((name, patterns.own(source)) for name, source in self.inputs)

    def switched_off(self, variables: dict[str, str]) -> bool:
        if not self.disabled_by or self.disabled_by not in variables:
            return False
        value = variables[self.disabled_by]
        values = DISABLED_WHEN[self.disabled_when]
        return value in values if values is not None else value != ""

    def matches(self, reference: Reference, texts: Sequence[str] = (),
                found: bool | None = None) -> bool:
        """Whether this matcher recognises the reference (`texts`: the command's forms;
        `found`: whether its pattern is in them, when that was searched already)."""
        if reference.kind != self.kind:
            return False
        if self.kind in PREFIX_KINDS:
            value = reference.value
            if not (value == self.pattern or value.startswith(self.pattern.rstrip("/") + "/")
                    or (self.pattern.endswith("/") and value.startswith(self.pattern))):
                return False
        elif found is None:
            if self.compiled is None or not any(
                    self.compiled.search(text) for text in texts or (_read(reference.value),)):
                return False
        elif not found:
            return False
        if self.since and _older(reference.version, self.since):
            return False
        return all(pattern.search(_read(reference.input(name)))
                   for name, pattern in self.input_patterns)


@dataclass(frozen=True)
class Hit:
    """A tool recognised in a job: which, as what, and where.

    `locator` is the line that runs it; `via` the places CI reached that line through
    (a step calling `make ci`, the make target), outermost first.
    """

    tool: str
    category: str
    locator: str
    job: Job | None
    applies: tuple[str, ...] = ()
    via: tuple[str, ...] = ()
    note: str = ""  # how it was recognised, where that is not plain (inferred from a name)
    regime: str = ""  # the kind of tests, where the files showed it (see hits.test_regimes)

    @property
    def trail(self) -> str:
        """Where a person checks it: the line, or the chain from CI to the tool."""
        if not self.via:
            return self.locator
        return TRAIL.join((*self.via, self.locator, self.tool))


@dataclass(frozen=True)
class Tool:
    id: str
    name: str


@dataclass(frozen=True)
class Catalogue:
    categories: dict[str, str]
    tools: dict[str, Tool]
    matchers: tuple[Matcher, ...]
    # The same command line recurs across jobs and files: match each form once.
    _by_kind: dict[str, tuple[Matcher, ...]] = field(default_factory=dict, compare=False)
    _seen: dict[tuple[str, str, tuple[tuple[str, str], ...], str], tuple[Matcher, ...]] = \
        field(default_factory=dict, compare=False)
    # Per kind, the matchers on RE2 searched together: (their set, their positions).
    _linear: dict[str, tuple[patterns.PatternSet, tuple[int, ...]]] = \
        field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for kind in MATCHER_KINDS:
            self._by_kind[kind] = tuple(m for m in self.matchers if m.kind == kind)

    def _linear_set(self, kind: str) -> tuple[patterns.PatternSet, tuple[int, ...]] | None:
        """The kind's RE2 set, built when the kind is first matched: a repository's CI
        holds a few kinds of reference (GitLab templates only on GitLab, say)."""
        if kind not in self._linear:
            linear = [(index, m) for index, m in enumerate(self._by_kind.get(kind, ()))
                      if not m.backtracking]
            if kind not in PATTERN_KINDS or not linear:
                return None
            self._linear[kind] = (patterns.PatternSet(m.pattern for _, m in linear),
                                  tuple(index for index, _ in linear))
        return self._linear[kind]

    def match_reference(self, reference: Reference,
                        variables: Iterable[tuple[str, str]] = ()) -> list[Matcher]:
        key = (reference.kind, reference.value, reference.inputs, reference.version)
        found = self._seen.get(key)
        if found is None:
            check()
            texts: list[str] = [_read(reference.value)]
            if reference.kind == COMMAND:  # also the simple commands behind launchers
                texts += [t for t in segments(texts[0]) if t not in texts]
            found = self._matching(reference, texts)
            self._seen[key] = found
        values = dict(variables)
        return [m for m in found if not m.switched_off(values)]

    def _matching(self, reference: Reference, texts: list[str]) -> tuple[Matcher, ...]:
        matchers = self._by_kind.get(reference.kind, ())
        linear = self._linear_set(reference.kind)
        if linear is None:
            return tuple(m for m in matchers if m.matches(reference, texts))
        together, positions = linear
        found_at = together.matching(texts)
        searched = {position: number in found_at for number, position in enumerate(positions)}
        return tuple(m for index, m in enumerate(matchers)
                     if m.matches(reference, texts, searched.get(index)))

    def match_job(self, job: Job) -> list[Hit]:
        hits: list[Hit] = []
        values = dict(job.variables)
        for reference in job.references:
            seen = reference
            if values and reference.kind == COMMAND and "$" in reference.value:
                # `cmake .. $CMAKE_OPTIONS` with CMAKE_OPTIONS set by the job's environment
                seen = replace(reference, value=with_variables(reference.value, values))
            for matcher in self.match_reference(seen, job.variables):
                hits.append(Hit(matcher.tool, matcher.category, reference.locator, job,
                                matcher.applies, reference.via))
        return hits

_SHELL_VARIABLE = lazy_compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")


def _read(text: str) -> str:
    """What the catalogue's patterns read of a command line or an input: its first
    MAX_COMMAND characters.  The few patterns on Python's `re` are linear
    (tests/collectors/ci/test_catalogue_linear.py), yet hundreds of patterns over the
    2 MB a file may hold on one line would take seconds, for every such line."""
    return text[:MAX_COMMAND]


def with_variables(command: str, values: dict[str, str]) -> str:
    """`$NAME` and `${NAME}` replaced by the values the job's environment sets (others,
    and forms like `${NAME:-default}`, are left as written)."""
    return _SHELL_VARIABLE.sub(
        lambda m: values.get(m[1] or m[2], m[0])[:1000], command[:MAX_COMMAND])


def catalogue_path() -> Path:
    return Path(str(resources.files("scanner.collectors.ci").joinpath("tools.yaml")))


@cache
def load_catalogue(path: Path | None = None) -> Catalogue:
    """The catalogue at `path`, checked; the built-in one is kept checked in the user's
    cache, named by its text and by the code that reads and checks it (`parsed_yaml`):
    checking its ~870 matchers took 0.05 to 0.1 s of every scan, for a file that changes
    only with the scanner."""
    if path is not None:
        return _checked(path)
    source = catalogue_path()
    try:
        text = source.read_bytes()
    except OSError:
        return _checked(source)  # which says what is wrong, in one line
    return kept_or_made([text, *_checking_code()], partial(_checked, source),
                        _catalogue_json, _catalogue_from_json, cache_folder())


def _checking_code() -> list[bytes]:
    """What a checked catalogue depends on besides its text: the code that reads and checks
    it, the RE2 build that tells which patterns it runs, and Python (its `re`)."""
    build = os.stat(re2_build_file())
    return [*(Path(module.__file__ or "").read_bytes()
              for module in (sys.modules[__name__], patterns, v, ci_model)),
            f"{build.st_size}:{build.st_mtime_ns}:{sys.version}".encode()]


def _catalogue_json(catalogue: Catalogue) -> dict[str, Any]:
    return {"categories": catalogue.categories,
            "tools": [[tool.id, tool.name] for tool in catalogue.tools.values()],
            "matchers": [[m.tool, m.category, m.kind, m.pattern, [list(i) for i in m.inputs],
                          m.disabled_by, m.disabled_when, m.backtracking, list(m.applies),
                          list(m.since)] for m in catalogue.matchers]}


def _catalogue_from_json(data: dict[str, Any]) -> Catalogue:
    categories = {str(key): str(value) for key, value in data["categories"].items()}
    tools = {str(tool_id): Tool(str(tool_id), str(name)) for tool_id, name in data["tools"]}
    matchers = tuple(
        Matcher(str(tool), str(category), str(kind), str(pattern),
                tuple((str(name), str(value)) for name, value in inputs),
                None if disabled_by is None else str(disabled_by), str(disabled_when),
                bool(backtracking), tuple(str(kind) for kind in applies),
                tuple(int(part) for part in since))
        for tool, category, kind, pattern, inputs, disabled_by, disabled_when, backtracking,
        applies, since in data["matchers"])
    return Catalogue(categories, tools, matchers)


def _checked(source: Path) -> Catalogue:
    data = v.read_yaml_file(source)
    where = v.Where(str(source))
    top = v.mapping(data, where)
    v.keys(top, where, required=("categories", "tools"))
    categories = {str(k): v.text(val, where.at("categories").at(str(k)))
                  for k, val in v.mapping(top["categories"], where.at("categories")).items()}
    tools: dict[str, Tool] = {}
    matchers: list[Matcher] = []
    for index, raw in enumerate(v.sequence(top["tools"], where.at("tools"))):
        here = where.at("tools").at(index)
        entry = v.mapping(raw, here)
        v.keys(entry, here, required=("id", "name", "match"), optional=("url",))
        tool_id = v.text(entry["id"], here.at("id"))
        if tool_id in tools:
            raise here.at("id").problem(f"duplicate tool id '{tool_id}'")
        tools[tool_id] = Tool(tool_id, v.text(entry["name"], here.at("name")))
        item = here.for_item(f"tool '{tool_id}'")
        for number, raw_match in enumerate(v.sequence(entry["match"], item.at("match"))):
            matchers.append(_matcher(tool_id, raw_match, item.at("match").at(number), categories))
    return Catalogue(categories, tools, tuple(matchers))


def _matcher(tool_id: str, raw: object, where: v.Where, categories: dict[str, str]) -> Matcher:
    entry = v.mapping(raw, where)
    kinds = [k for k in entry if k in MATCHER_KINDS]
    if len(kinds) != 1:
        raise where.problem(f"needs exactly one of: {', '.join(MATCHER_KINDS)}")
    v.keys(entry, where, required=("category", kinds[0]),
           optional=("with", "disabled_by", "disabled_when", "applies", "since"))
    kind = kinds[0]
    category = v.choice(entry["category"], where.at("category"), categories)
    pattern = v.text(entry[kind], where.at(kind))
    inputs: list[tuple[str, str]] = []
    for name, value in v.mapping(entry.get("with") or {}, where.at("with")).items():
        source = v.text(value, where.at("with"), allow_empty=True)
        if not patterns.parses_linear(source):
            _compile(source, where.at("with").at(str(name)))  # on `re`, or the problem
        inputs.append((str(name), source))
    backtracking = kind in PATTERN_KINDS and not patterns.parses_linear(pattern)
    if backtracking:
        _compile(pattern, where.at(kind))  # on `re`, or the problem
    disabled_by = str(entry["disabled_by"]) if entry.get("disabled_by") else None
    disabled_when = v.choice(entry.get("disabled_when", "true"), where.at("disabled_when"),
                             DISABLED_WHEN)
    value = pattern.lower() if kind in PREFIX_KINDS else pattern
    applies = tuple(v.text(item, where.at("applies"))
                    for item in v.sequence(entry.get("applies") or [], where.at("applies")))
    since = _release(v.text(entry["since"], where.at("since"))) if "since" in entry else ()
    if since is None:
        raise where.at("since").problem("not a release number such as 1.11")
    return Matcher(tool_id, category, kind, value, tuple(inputs), disabled_by, disabled_when,
                   backtracking, applies, since)


def _release(ref: str) -> tuple[int, ...] | None:
    found = RELEASE_REF.match(ref.strip())
    return tuple(int(part) for part in found.group(1).split(".")) if found else None


def _older(version: str, since: tuple[int, ...]) -> bool:
    """Whether a pinned release comes before `since`; a major or minor tag that floats
    (`v1` for `since` 1.11) takes the newest release of that line, so it is not older."""
    release = _release(version)
    if release is None:
        return False
    return release < since[:len(release)]


def _compile(pattern: str, where: v.Where) -> Pattern:
    try:
        return patterns.own(pattern)
    except patterns.PatternError as exc:
        raise where.problem(str(exc)) from None
