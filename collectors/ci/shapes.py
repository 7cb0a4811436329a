"""Pieces of CI files that several CI systems write the same way.

Command lists (`script:` / `commands:` as one block or a list of lines),
branch filters written as globs or regular expressions, the folder a step
runs in, an environment named in a deploy step's label, the command a
container image runs by default, and the search for configuration files
spread over a repository.  Each parser reads its own format and uses these
for the parts they share.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from scanner.collectors.ci.conditions import Admits
from scanner.collectors.ci.github_actions import MAIN_LINE_BRANCH
from scanner.collectors.ci.model import (
    COMMAND,
    DEFAULT_BRANCH,
    TAG,
    ParseResult,
    Reference,
    scalar_text,
    shell_lines,
)
from scanner.collectors.tree import RepoTree
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import LineDict, LineList

T = TypeVar("T")
MAX_COMMANDS = 500  # command lines kept per step
EMPTY = "empty file (only comments or nothing): nothing runs from it"
# References kept per file: YAML anchors can repeat one long script many times over.
MAX_REFERENCES = 20_000
_EVERYTHING = frozenset({"*", "**", ".*", ".+", "^.*$", "^.+$", "refs/heads/*", "refs/heads/**"})
_VERSION = lazy_compile(r"^v?\d|\\d|\[0-9\]|^v\*$")
_SHELLS = lazy_compile(r"^#!\s*\S*/(env\s+)?(ba|z|da|a|k)?sh\b")
_DEPLOY_WORD = lazy_compile(r"(?i)(?:^|[^a-z])(deploy|deploys|deploying|deployment|rollout|"
                            r"roll-out|promote|promotion)(?:[^a-z]|$)")
_ENVIRONMENT_WORD = lazy_compile(r"(?i)(?:^|[^a-z])(production|prod|live|staging|preprod|"
                                 r"pre-prod|uat|qa|dev|development|preview|sandbox|demo)"
                                 r"(?:[^a-z]|$)")
# Images whose entrypoint is a tool, so `args:` alone are that tool's arguments
# (Cloud Build's builders, and images CI steps commonly run that way).
_IMAGE_TOOLS = (
    (re.compile(r"^(?:[\w.-]+\.)?(?:gcr\.io|pkg\.dev)/(?:[\w.-]+/)*cloud-builders/([\w.-]+)"), ""),
    (re.compile(r"^gcr\.io/\$\{?PROJECT_ID\}?/([\w.-]+)"), ""),
    (re.compile(r"(^|/)kaniko-project/executor(:|@|$)"), "/kaniko/executor"),
    (re.compile(r"(^|/)hashicorp/terraform(:|@|$)"), "terraform"),
    (re.compile(r"(^|/)aquasec/trivy(:|@|$)"), "trivy"),
    (re.compile(r"(^|/)(alpine|dtzar)/helm(:|@|$)"), "helm"),
    (re.compile(r"(^|/)bitnami/kubectl(:|@|$)"), "kubectl"),
    (re.compile(r"(^|/)sonarsource/sonar-scanner-cli(:|@|$)"), "sonar-scanner"),
    (re.compile(r"^docker(:|@|$)"), "docker"),
    (re.compile(r"(^|/)sigstore/cosign(/cosign)?(:|@|$)"), "cosign"),
    (re.compile(r"(^|/)anchore/grype(:|@|$)"), "grype"),
    (re.compile(r"(^|/)anchore/syft(:|@|$)"), "syft"),
    (re.compile(r"(^|/)goreleaser/goreleaser(-cross)?(:|@|$)"), "goreleaser"),
)


def as_list(value: Any) -> list[Any]:
    """A value that may be written as one item or a list of items."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def scalar(value: Any) -> str:
    """A value written as a scalar, as text ("" for a list or mapping where a name belongs)."""
    return "" if isinstance(value, dict | list) else scalar_text(value)


def texts(value: Any) -> list[str]:
    """A scalar or a list of scalars, as non-empty texts."""
    return [scalar_text(item) for item in as_list(value)
            if not isinstance(item, dict | list) and scalar_text(item)]


def commands(container: LineDict, key: str, label: str = "",
             directory: str = "") -> list[Reference]:
    """One command reference per logical shell line of `container[key]`, written as
    one block or as a list of lines (a nested list, as YAML anchors leave, is read
    one level deep)."""
    value = container.get(key)
    found: list[Reference] = []
    if isinstance(value, str):
        found = [Reference(COMMAND, line, container.locate(key, offset), label=label,
                           directory=directory) for offset, line in shell_lines(value)]
    elif isinstance(value, LineList):
        found = list_commands(value, label, directory)
    return found[:MAX_COMMANDS]


def list_commands(items: LineList, label: str = "", directory: str = "") -> list[Reference]:
    found: list[Reference] = []
    for index, item in enumerate(items):
        if isinstance(item, LineList):
            found += [Reference(COMMAND, line, item.locate(inner, offset), label=label,
                                directory=directory)
                      for inner, text in enumerate(item) if isinstance(text, str)
                      for offset, line in shell_lines(text)]
        elif isinstance(item, str | int | float) and not isinstance(item, bool):
            found += [Reference(COMMAND, line, items.locate(index, offset), label=label,
                                directory=directory)
                      for offset, line in shell_lines(str(item))]
        if len(found) >= MAX_COMMANDS:
            break
    return found[:MAX_COMMANDS]


def script_commands(container: LineDict, key: str, label: str = "",
                    directory: str = "") -> list[Reference]:
    """A `script:` block, when it is a shell script (a `#!/usr/bin/env python` body is
    not read as shell lines)."""
    script = container.get(key)
    if not isinstance(script, str):
        return []
    first = script.lstrip().split("\n", 1)[0]
    if first.startswith("#!") and not _SHELLS.match(first):
        return []
    return commands(container, key, label, directory)


def argv_commands(container: LineDict, head: str, args: Any, label: str = "",
                  directory: str = "") -> list[Reference]:
    """The command an entrypoint (or an image's own tool) runs with `args`: a shell's
    `-c` script becomes its lines, anything else one command line."""
    arguments = args if isinstance(args, LineList) else LineList()
    words = [scalar_text(a) for a in arguments if not isinstance(a, dict | list)]
    shell = posixpath.basename(head) in ("sh", "bash", "zsh", "ash", "dash")
    if shell or (not head and words and posixpath.basename(words[0]) in ("sh", "bash")):
        flags = words if shell else words[1:]
        offset = 0 if shell else 1
        if "-c" in flags:
            at = flags.index("-c") + 1 + offset
            if at < len(arguments) and isinstance(arguments[at], str):
                return [Reference(COMMAND, line, arguments.locate(at, line_offset), label=label,
                                  directory=directory)
                        for line_offset, line in shell_lines(arguments[at])][:MAX_COMMANDS]
    line = " ".join(part for part in [head, *words] if part)
    if not line.strip():
        return []
    key = "args" if "args" in container else "entrypoint" if "entrypoint" in container \
        else "command" if "command" in container else next(iter(container), "")
    return [Reference(COMMAND, " ".join(line.split()), container.locate(key), label=label,
                      directory=directory)]


def image_tool(image: str) -> str:
    """The tool an image runs when a step gives it only arguments ("" when unknown)."""
    for pattern, tool in _IMAGE_TOOLS:
        match = pattern.search(image)
        if match:
            return tool or match.group(1)
    return ""


def environment_named(*names: str, context: Sequence[str] = ()) -> str | None:
    """An environment a deploy step names: 'Deploy to production' -> 'production'.

    Only a name that says it deploys counts, so a 'dev tools' step names nothing; a
    step called just 'deploy' takes the environment its `context` names (the pipeline
    it belongs to).
    """
    deploying = [name for name in names if name and _DEPLOY_WORD.search(name)]
    return environment_word(*deploying, *context) if deploying else None


def environment_word(*values: str) -> str | None:
    """An environment word in a value that is already about deploying (a deploy
    target's app name, a deploy branch): 'api-staging' -> 'staging'."""
    for value in values:
        match = _ENVIRONMENT_WORD.search(value) if value else None
        if match:
            return match.group(1).lower()
    return None


def working_directory(path: str, *roots: str) -> str:
    """A step's folder relative to the repository root, given where the repository is
    checked out (`/workspace`, a Tekton workspace path); "" when it lies elsewhere or
    depends on values known only at run time."""
    path = path.strip()
    for root in roots:
        if root and (path == root or path.startswith(root.rstrip("/") + "/")):
            path = path[len(root):].lstrip("/")
            break
    else:
        if path.startswith("/"):
            return ""
    known: list[str] = []
    for part in path.split("/"):
        if "$" in part or "{{" in part:
            break
        known.append(part)
    folder = posixpath.normpath("/".join(known)) if known else ""
    return "" if folder in (".", "") or folder.startswith("..") else folder


@dataclass(frozen=True)
class BranchReach:
    """Which branches a filter lets through: the main line, other branches, tags."""

    main: bool = True
    other: bool = True
    tags: bool = True


def branch_reach(include: Sequence[str], exclude: Sequence[str] = ()) -> BranchReach:
    """What `include` / `exclude` branch patterns (globs, or regexes in slashes) admit.

    A version-like pattern (`v*`, `/^v\\d/`) also reaches tags, which some systems
    match against the same filter.
    """
    include = [alt for pattern in include for alt in _alternatives(pattern)]
    exclude = [alt for pattern in exclude for alt in _alternatives(pattern)]
    main, other, tags = True, True, True
    if include:
        main = any(_everything(p) or main_line(p) for p in include)
        other = any(_everything(p) or not (main_line(p) or _version(p)) for p in include)
        tags = any(_everything(p) or _version(p) for p in include)
    if any(_everything(p) for p in exclude):
        return BranchReach(False, False, False)
    if any(main_line(p) for p in exclude):
        main = False
    return BranchReach(main, other, tags)


def branch_admits(values: Sequence[str], regex: bool, *, always: frozenset[str],
                  main: frozenset[str], other: frozenset[str]) -> Admits:
    """What comparing the branch with each of `values` (names or, with `regex`, regular
    expressions) admits: the `main` triggers where a value names the main line, the
    `other` ones where it names other branches, tags where it looks like a version, and
    `always` the triggers that carry whatever branch (schedules, manual runs)."""
    possible, mains, others = set(always), 0, 0
    for value in values:
        reach = branch_reach([f"/{value}/" if regex else value])
        possible |= (main if reach.main else set()) | (other if reach.other else set())
        possible |= {TAG} if reach.tags else set()
        mains, others = mains + reach.main, others + reach.other
    # `branch == main` is surely true for a push to the main line; a regex may not be
    surely = len(values) == 1 and not regex and mains and not others
    return Admits(frozenset(possible), frozenset({DEFAULT_BRANCH}) if surely else frozenset())


def _alternatives(pattern: str) -> list[str]:
    r"""A regex in slashes written as alternatives (`/^(main|release\/.*)$/`) as one
    pattern per alternative."""
    body = _pattern_body(pattern)
    if body == pattern or "|" not in body:
        return [pattern]
    if body.startswith("(") and body.endswith(")"):
        body = body[1:-1]
    return [f"/{part}/" for part in body.split("|") if part]


def _pattern_body(pattern: str) -> str:
    if len(pattern) > 1 and pattern.startswith("/") and pattern.endswith("/"):
        return pattern[1:-1].removeprefix("^").removesuffix("$")
    return pattern


def _version(pattern: str) -> bool:
    return bool(_VERSION.search(_pattern_body(pattern)))


def _everything(pattern: str) -> bool:
    return _pattern_body(pattern) in _EVERYTHING or pattern in _EVERYTHING


def main_line(pattern: str) -> bool:
    """Whether a branch name, glob or regex (in slashes) names only main-line branches
    (main, master, develop, release/*, ...)."""
    body = _pattern_body(pattern)
    parts = [part.replace("\\", "").rstrip("$") for part in
             body.removeprefix("refs/heads/").strip("()").split("|")]
    return all(MAIN_LINE_BRANCH.match(part) for part in parts if part) and any(parts)


class Budget:
    """How many references the jobs of one file may still hold; past that, the rest of
    the file is recorded once as not read."""

    def __init__(self, where: str, result: ParseResult, limit: int = MAX_REFERENCES) -> None:
        self.where = where
        self.result = result
        self.limit = limit
        self.left = limit

    @property
    def spent(self) -> bool:
        return self.left <= 0

    def take(self, references: Sequence[Reference]) -> tuple[Reference, ...]:
        kept = tuple(references[:max(self.left, 0)])
        if len(kept) < len(references) and self.left > 0:
            self.result.unreadable.append((self.where, (
                f"more than {self.limit} commands and other references; the rest were not "
                "read")))
        self.left -= len(references)
        return kept


def cut(items: Sequence[T], limit: int, where: str, what: str,
        result: ParseResult) -> Sequence[T]:
    """The first `limit` items; when there are more, the rest is recorded as not read."""
    if len(items) > limit:
        result.unreadable.append((where, f"{len(items)} {what}; only the first {limit} were "
                                  "read"))
    return items[:limit]


def files_matching(tree: RepoTree, pattern: re.Pattern[str], limit: int, what: str,
                   result: ParseResult) -> list[str]:
    """Up to `limit` tracked paths matching `pattern` (more are recorded as not read)."""
    found = [path for path in tree.paths() if pattern.search(path)]
    return list(cut(found, limit, found[limit - 1] if len(found) > limit else "", what, result))
