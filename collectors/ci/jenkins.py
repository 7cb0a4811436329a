"""Jenkins pipelines (`Jenkinsfile`) -> jobs.

Groovy is read at the level of tokens and statements, not as a language: a
tokenizer that knows Groovy's comments and string forms (so a step inside a
comment is never evidence, and `//` inside a quoted URL is not a comment),
then statements and `{ }` blocks.  Declarative pipelines (`pipeline { stages
{ stage('x') { when {...} steps {...} } } }`) and scripted ones (`node {
stage('x') { sh '...' } }`) give one job per stage.

`sh` / `bat` / `powershell` / `pwsh` scripts become command references, one
per script line, at the line the script text sits on.  Every other step
invocation (`dependencyCheck ...`, `withSonarQubeEnv(...)`, `junit ...`)
becomes a command reference of its own text, so the catalogue can match
Jenkins steps by pattern.  Shared libraries (`@Library`, `library`) are
configuration from outside the repository and are recorded, not read.

Triggers: a multibranch Jenkinsfile builds branch pushes, change requests
and (with tag discovery) tags; `when` conditions narrow that per stage, a
stage waiting for `input` (and every stage after it) is manual, and a
`cron` trigger adds scheduled builds.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from dataclasses import dataclass, field, replace

from scanner import patterns
from scanner.collectors.ci.github_actions import MAIN_LINE_BRANCH
from scanner.collectors.ci.model import (
    COMMAND,
    DEFAULT_BRANCH,
    IMAGE,
    MANUAL,
    OTHER,
    PULL_REQUEST,
    PUSH,
    SCHEDULE,
    TAG,
    Job,
    ParseResult,
    Reference,
    shell_lines,
)
from scanner.collectors.tree import RepoTree, SkippedFile

SYSTEM = "jenkins"
JENKINSFILE = re.compile(r"(^|/)Jenkinsfile(\.[\w-]+)?$")
# Not pipelines: documentation and backups of a Jenkinsfile.
NOT_A_PIPELINE = re.compile(r"(?i)\.(md|txt|rst|adoc|html|bak|orig|old|sample|example|disabled)$")
# Jenkinsfiles kept as examples, fixtures or documentation are not the repository's CI.
NOT_CI_FOLDER = re.compile(r"(?i)(^|/)(docs?|examples?|samples?|tests?|testdata|test-data|"
                           r"fixtures|__tests__|node_modules|vendor)/")
# A multibranch project builds every branch push and change request; tags when discovered.
MULTIBRANCH = frozenset({PUSH, DEFAULT_BRANCH, PULL_REQUEST, TAG})
EVERY_BRANCH = frozenset({PUSH, DEFAULT_BRANCH})
SCRIPT_STEPS = frozenset({"sh", "bat", "powershell", "pwsh"})
MAX_DEPTH = 32  # nested blocks walked (closures in loops in conditions nest deep)
MAX_NESTING = 128  # nested { } a file may have before it is refused
# Statement heads that are Groovy syntax or pipeline structure, not steps.
NOT_STEPS = frozenset({
    "def", "if", "else", "for", "while", "do", "try", "catch", "finally", "return", "switch",
    "case", "default", "break", "continue", "throw", "new", "import", "package", "class",
    "assert", "var", "final", "static", "void", "String", "int", "boolean", "Map", "List",
    "pipeline", "stages", "stage", "steps", "script", "parallel", "node", "post", "when",
    "matrix", "axes", "axis", "agent", "options", "environment", "triggers", "parameters",
    "tools", "input", "library", "libraries", "always", "success", "failure", "unstable",
    "changed", "fixed", "regression", "aborted", "cleanup", "unsuccessful",
    # Wrappers whose blocks are read; the wrapper itself is not evidence.
    "timeout", "retry", "dir", "ws", "withEnv", "timestamps", "ansiColor", "catchError",
    "warnError", "lock", "container", "withCredentials", "wrap", "sshagent", "waitUntil",
    # Steps that carry no tool evidence and would only add noise.
    "echo", "error", "print", "println", "sleep", "deleteDir", "cleanWs", "stash", "unstash",
    "checkout", "git", "properties", "readFile", "writeFile", "fileExists", "load",
    "currentBuild", "env", "params", "mail", "emailext", "slackSend", "milestone",
})
POST_CONDITIONS = frozenset({
    "always", "changed", "fixed", "regression", "aborted", "failure", "success", "unstable",
    "unsuccessful", "cleanup",
})
_CONTINUES_AFTER = frozenset({
    ",", ".", "?.", "*.", "=", "+", "-", "*", "/", "%", "&&", "||", "?", ":", "?:", "->", "==",
    "!=", "<<", "+=", "-=", "=~", "==~", "|", "&", "<", ">", "<=", ">=", "!", "(", "[",
})
_CONTINUES_BEFORE = frozenset({".", "?.", "*.", "&&", "||", "?", ":", "?:", "{"})
_SLASHY_AFTER = frozenset({
    "(", ",", ":", "=", "[", "{", ";", "!", "~", "==", "!=", "=~", "==~", "&&", "||", "?",
})
_OPERATORS = ("==~", "?.", "*.", "?:", "->", "==", "!=", "<=", ">=", "&&", "||", "=~", "<<",
              "+=", "-=", "++", "--", "**")
_PAIRS = {")": "(", "]": "["}
# `pipelineTriggers([cron('H 4 * * *')])`.  On RE2: in Python's `re` each
# `pipelineTriggers` scans to the end of the line, quadratic over a long one.
SCHEDULED = patterns.own(r"\bpipelineTriggers\b.*\bcron\(\s*['\"][^'\"]")
_ESCAPE = re.compile(r"\\([\\'\"$])")
_YAML_IMAGE = re.compile(r"^\s*(?:-\s*)?image:\s*['\"]?([^\s'\"#]+)")
_DOCKER_IMAGE = re.compile(r"\bdocker\.image\(\s*(['\"])([^'\"]+)\1")


class GroovyError(ValueError):
    """Text this reader cannot make sense of; the message names the line."""


@dataclass
class Tok:
    kind: str  # id, str, num, op, nl, block
    text: str  # identifier, operator, or a string's raw content (escapes kept)
    line: int
    quote: str = ""
    body: list[Stmt] | None = None  # a block's statements


@dataclass
class Stmt:
    toks: list[Tok]

    @property
    def line(self) -> int:
        return self.toks[0].line

    @property
    def head(self) -> str:
        """`sh`, `stage`, `docker.image`: the identifier (chain) the statement starts with."""
        toks = self.toks
        if not toks or toks[0].kind != "id":
            return ""
        name, index = toks[0].text, 1
        while index + 1 < len(toks) and toks[index].text in (".", "?.") and \
                toks[index + 1].kind == "id":
            name += "." + toks[index + 1].text
            index += 2
        return name

    @property
    def block(self) -> list[Stmt] | None:
        """The statements of a trailing `{ }` block (`stage('x') { ... }`)."""
        last = self.toks[-1]
        return last.body if last.kind == "block" else None


# --- Tokens -------------------------------------------------------------------------------


def tokenize(text: str) -> list[Tok]:
    """Groovy tokens; comments dropped, strings kept whole with their starting line."""
    newlines = [index for index, char in enumerate(text) if char == "\n"]

    def line_at(offset: int) -> int:
        return bisect.bisect_right(newlines, offset - 1) + 1

    toks: list[Tok] = []
    i, n = 0, len(text)
    if text.startswith("#!"):
        i = text.find("\n") if "\n" in text else n
    while i < n:
        char = text[i]
        if char == "\n":
            if toks and toks[-1].kind != "nl":
                toks.append(Tok("nl", "\n", line_at(i)))
            i += 1
        elif char in " \t\r\f\ufeff":
            i += 1
        elif char == "\\" and text.startswith("\n", i + 1):
            i += 2  # an explicit line continuation
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise GroovyError(f"unterminated comment starting at line {line_at(i)}")
            if "\n" in text[i:end] and toks and toks[-1].kind != "nl":
                toks.append(Tok("nl", "\n", line_at(i)))
            i = end + 2
        elif char in "'\"":
            quote = text[i:i + 3] if text.startswith(("'''", '"""'), i) else char
            end = _string_end(text, i + len(quote), quote)
            if end < 0:
                raise GroovyError(f"unterminated string starting at line {line_at(i)}")
            toks.append(Tok("str", text[i + len(quote):end], line_at(i), quote))
            i = end + len(quote)
        elif text.startswith("$/", i):
            end = text.find("/$", i + 2)
            if end < 0:
                raise GroovyError(f"unterminated string starting at line {line_at(i)}")
            toks.append(Tok("str", text[i + 2:end], line_at(i), "$/"))
            i = end + 2
        elif char == "/" and _slashy_allowed(toks) and _slashy_end(text, i) > 0:
            end = _slashy_end(text, i)
            toks.append(Tok("str", text[i + 1:end], line_at(i), "/"))
            i = end + 1
        elif char.isalpha() or char in "_$":
            start = i
            while i < n and (text[i].isalnum() or text[i] in "_$"):
                i += 1
            toks.append(Tok("id", text[start:i], line_at(start)))
        elif char.isdigit():
            start = i
            while i < n and (text[i].isalnum() or text[i] in "._"):
                i += 1
            toks.append(Tok("num", text[start:i], line_at(start)))
        else:
            operator = next((op for op in _OPERATORS if text.startswith(op, i)), char)
            toks.append(Tok("op", operator, line_at(i)))
            i += len(operator)
    return toks


def _string_end(text: str, i: int, quote: str) -> int:
    """Index of the closing quote of a string whose content starts at `i`, or -1."""
    n = len(text)
    interpolating = quote in ('"', '"""')
    while i < n:
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if text.startswith(quote, i):
            return i
        if char == "\n" and len(quote) == 1:
            return -1
        if interpolating and text.startswith("${", i):
            i = _interpolation_end(text, i + 2)
            continue
        i += 1
    return -1


def _interpolation_end(text: str, i: int) -> int:
    """Index just after the `}` closing a `${` whose content starts at `i`."""
    depth, n = 1, len(text)
    while i < n:
        char = text[i]
        if char in "'\"":
            quote = text[i:i + 3] if text.startswith(("'''", '"""'), i) else char
            end = _string_end(text, i + len(quote), quote)
            if end < 0:
                break
            i = end + len(quote)
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise GroovyError("unterminated ${...} in a string")


def _slashy_allowed(toks: list[Tok]) -> bool:
    if not toks:
        return True
    last = toks[-1]
    return last.kind == "nl" or (last.kind == "op" and last.text in _SLASHY_AFTER) or \
        (last.kind == "id" and last.text == "return")


def _slashy_end(text: str, i: int) -> int:
    """Closing `/` of a slashy string on the same line, or -1 (then `/` is division)."""
    j = i + 1
    if j < len(text) and text[j] in "/*":
        return -1
    while j < len(text) and text[j] != "\n":
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == "/":
            return j if j > i + 1 else -1
        j += 1
    return -1


# --- Statements ---------------------------------------------------------------------------


def statements(toks: list[Tok]) -> list[Stmt]:
    """Statements and nested `{ }` blocks; raises GroovyError when brackets do not balance."""
    found, index = _statements(toks, 0, None, 0)
    if index < len(toks):
        raise GroovyError(f"unexpected '}}' at line {toks[index].line}")
    return found


def _statements(toks: list[Tok], i: int, opened: Tok | None,
                depth: int) -> tuple[list[Stmt], int]:
    if depth > MAX_NESTING:
        raise GroovyError(f"blocks nest more than {MAX_NESTING} deep at line {toks[i - 1].line}")
    found: list[Stmt] = []
    current: list[Tok] = []
    stack: list[Tok] = []
    while i < len(toks):
        tok = toks[i]
        if tok.kind == "op" and tok.text == "{":
            body, i = _statements(toks, i + 1, tok, depth + 1)
            current.append(Tok("block", "{", tok.line, body=body))
            following = toks[i] if i < len(toks) else None
            if not stack and following is not None and following.kind == "id" and \
                    following.text not in ("else", "catch", "finally"):
                found.append(Stmt(current))  # `when { ... } steps { ... }` on one line
                current = []
            continue
        if tok.kind == "op" and tok.text == "}":
            if stack:
                raise GroovyError(f"'{stack[-1].text}' at line {stack[-1].line} is not closed")
            if opened is None:
                raise GroovyError(f"unexpected '}}' at line {tok.line}")
            if current:
                found.append(Stmt(current))
            return found, i + 1
        if tok.kind == "op" and tok.text in "([":
            stack.append(tok)
        elif tok.kind == "op" and tok.text in ")]":
            if not stack or stack[-1].text != _PAIRS[tok.text]:
                raise GroovyError(f"unbalanced '{tok.text}' at line {tok.line}")
            stack.pop()
        elif tok.kind == "nl" or (tok.kind == "op" and tok.text == ";" and not stack):
            if not stack and current and not _continues(current, toks, i):
                found.append(Stmt(current))
                current = []
            i += 1
            continue
        current.append(tok)
        i += 1
    if stack:
        raise GroovyError(f"'{stack[-1].text}' at line {stack[-1].line} is not closed")
    if opened is not None:
        raise GroovyError(f"'{{' at line {opened.line} is not closed")
    if current:
        found.append(Stmt(current))
    return found, i


def _continues(current: list[Tok], toks: list[Tok], i: int) -> bool:
    """Whether the statement goes on past the newline at `toks[i]`."""
    last = current[-1]
    if last.kind == "op" and last.text in _CONTINUES_AFTER:
        return True
    ahead = i + 1
    while ahead < len(toks) and toks[ahead].kind == "nl":
        ahead += 1
    if ahead >= len(toks):
        return False
    following = toks[ahead]
    if following.kind == "op" and following.text in _CONTINUES_BEFORE:
        return True
    return following.kind == "id" and following.text in ("else", "catch", "finally") and \
        last.kind == "block"


# --- Reading statements -------------------------------------------------------------------


def render(toks: list[Tok]) -> str:
    """A statement as one line of text (strings keep their quotes, whitespace collapsed)."""
    out: list[str] = []
    previous: Tok | None = None
    for tok in toks:
        if tok.kind == "str":
            closing = "/$" if tok.quote == "$/" else tok.quote
            piece = tok.quote + " ".join(tok.text.split()) + closing
        elif tok.kind == "block":
            piece = "{…}"
        else:
            piece = tok.text
        if previous is not None and _spaced(previous, tok):
            out.append(" ")
        out.append(piece)
        previous = tok
    return "".join(out)


def _spaced(previous: Tok, tok: Tok) -> bool:
    if tok.kind == "op" and tok.text in (")", "]", ",", ".", "?.", ":", "*."):
        return False
    if previous.kind == "op" and previous.text in ("(", "[", ".", "?.", "*.", "@", "!"):
        return False
    opens = tok.kind == "op" and tok.text in ("(", "[")
    return not (opens and (previous.kind in ("id", "str") or previous.text in (")", "]")))


def _arguments(toks: list[Tok], start: int) -> list[list[Tok]]:
    """Comma-separated arguments from `toks[start]` (`(...)` or a command expression)."""
    if start < len(toks) and toks[start].kind == "op" and toks[start].text == "(":
        end, depth = start, 0
        for end in range(start, len(toks)):
            if toks[end].text in ("(", "[") and toks[end].kind == "op":
                depth += 1
            elif toks[end].text in (")", "]") and toks[end].kind == "op":
                depth -= 1
                if depth == 0:
                    break
        inner = toks[start + 1:end]
    else:
        inner = toks[start:-1] if toks and toks[-1].kind == "block" else toks[start:]
    args: list[list[Tok]] = [[]]
    depth = 0
    for tok in inner:
        if tok.kind == "op" and tok.text in ("(", "["):
            depth += 1
        elif tok.kind == "op" and tok.text in (")", "]"):
            depth -= 1
        if tok.kind == "op" and tok.text == "," and depth == 0:
            args.append([])
            continue
        args[-1].append(tok)
    return [arg for arg in args if arg]


def _named(args: list[list[Tok]], name: str) -> list[Tok] | None:
    for arg in args:
        if len(arg) > 2 and arg[0].kind in ("id", "str") and arg[0].text == name and \
                arg[1].kind == "op" and arg[1].text == ":":
            return arg[2:]
    return None


def _positional(args: list[list[Tok]]) -> list[list[Tok]]:
    return [arg for arg in args
            if not (len(arg) > 1 and arg[0].kind in ("id", "str") and arg[1].text == ":"
                    and arg[1].kind == "op")]


def _first_string(toks: list[Tok] | None) -> Tok | None:
    return next((t for t in toks or [] if t.kind == "str"), None)


def _string_of(stmt: Stmt, name: str = "") -> str:
    """The statement's first string argument (or the named one)."""
    args = _arguments(stmt.toks, _after_head(stmt))
    chosen = _named(args, name) if name else None
    if chosen is None:
        positional = _positional(args)
        chosen = positional[0] if positional else None
    tok = _first_string(chosen)
    return tok.text if tok else ""


def _after_head(stmt: Stmt) -> int:
    index = 1
    toks = stmt.toks
    while index + 1 < len(toks) and toks[index].text in (".", "?.") and \
            toks[index + 1].kind == "id":
        index += 2
    return index


def _blocks(toks: list[Tok]) -> list[list[Stmt]]:
    return [t.body for t in toks if t.kind == "block" and t.body is not None]


def _unescape(line: str) -> str:
    return _ESCAPE.sub(r"\1", line)


# --- Triggers -----------------------------------------------------------------------------


def branch_triggers(pattern: str, regex: bool = False) -> frozenset[str]:
    """What a branch name pattern (glob, or regex) selects among branch builds."""
    text = pattern.strip()
    if regex:
        text = text.removeprefix("^").removesuffix("$")
        if text in ("", ".*", ".+"):
            return EVERY_BRANCH
        if text.startswith("(") and text.endswith(")"):
            text = text[1:-1]
        alternatives = [part.replace("\\", "") for part in text.split("|")]
    else:
        if text in ("", "*", "**"):
            return EVERY_BRANCH
        braces = re.fullmatch(r"\{([^{}]*)\}", text)
        alternatives = braces.group(1).split(",") if braces else [text]
    if all(alt.upper().startswith("PR-") for alt in alternatives):
        return frozenset({PULL_REQUEST})  # multibranch names change requests PR-<n>
    if all(MAIN_LINE_BRANCH.match(alt.strip()) for alt in alternatives):
        return frozenset({DEFAULT_BRANCH})
    return frozenset({PUSH})


_BRANCH_EQUALS = re.compile(
    r"\b(?:env\.)?(?:BRANCH_NAME|GIT_BRANCH)\s*==\s*(['\"])([^'\"]+)\1"
    r"|(['\"])([^'\"]+)\3\s*==\s*(?:env\.)?(?:BRANCH_NAME|GIT_BRANCH)\b")
_BRANCH_MATCHES = re.compile(r"\b(?:env\.)?BRANCH_NAME\s*==?~\s*/([^/]+)/")
_BRANCH_STARTS = re.compile(r"\b(?:env\.)?BRANCH_NAME\??\.startsWith\(\s*(['\"])([^'\"]+)\1")
_NO_CHANGE = re.compile(r"!\s*(?:env\.)?CHANGE_ID\b|\b(?:env\.)?CHANGE_ID\s*==\s*null\b")
_CHANGE = re.compile(r"\b(?:env\.)?CHANGE_(?:ID|TARGET|BRANCH)\b")
_TAG = re.compile(r"\b(?:env\.)?TAG_NAME\b|\bbuildingTag\(\)")


def expression_triggers(text: str, base: frozenset[str]) -> frozenset[str] | None:
    """Triggers a Groovy condition admits, read conservatively (None: it says nothing)."""
    if "||" in text:
        return None
    atoms: list[frozenset[str]] = []
    for match in _BRANCH_EQUALS.finditer(text):
        name = match.group(2) or match.group(4)
        before = text[:match.start()].rstrip()
        if not before.endswith("!"):
            atoms.append(branch_triggers(name))
    atoms += [branch_triggers(m.group(1), regex=True) for m in _BRANCH_MATCHES.finditer(text)]
    atoms += [branch_triggers(m.group(2) + "*") for m in _BRANCH_STARTS.finditer(text)]
    if _NO_CHANGE.search(text):
        atoms.append(base - {PULL_REQUEST})
    elif _CHANGE.search(text):
        atoms.append(frozenset({PULL_REQUEST}))
    if _TAG.search(text) and "!" not in text:
        atoms.append(frozenset({TAG}))
    if not atoms:
        return None
    admitted = set(base)
    for atom in atoms:
        admitted &= atom
    return frozenset(admitted)


def _gated(triggers: frozenset[str], gate: frozenset[str] | None) -> frozenset[str]:
    """A stage after a manual one runs, where the gate applies, only once a person approves."""
    if gate is None or not triggers & gate:
        return triggers
    return frozenset((triggers - gate) | {MANUAL})


# --- Jobs ---------------------------------------------------------------------------------


@dataclass
class _Stage:
    name: str
    line: int
    triggers: frozenset[str]
    parent: str | None = None
    needs: tuple[str, ...] = ()
    references: list[Reference] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    manual: bool = False
    outside: bool = False  # steps outside any stage


class _Reader:
    """Reads one Jenkinsfile's statements into stages."""

    def __init__(self, path: str, result: ParseResult) -> None:
        self.path = path
        self.result = result
        self.stages: list[_Stage] = []
        self.functions: dict[str, list[Stmt]] = {}
        self.strings: dict[str, Tok] = {}
        self.docker_images: dict[str, str] = {}
        self.schedule = False
        self.upstream = False
        self.libraries = 0
        self.scripts = 0  # sh / bat / powershell / pwsh steps read
        self.variables: dict[str, str] = {}

    def at(self, line: int) -> str:
        return f"{self.path}:{line}"

    # The file as a whole.

    def read(self, top: list[Stmt]) -> list[Job]:
        self.index(top, 0)
        outside = _Stage("(no stage)", top[0].line if top else 1, MULTIBRANCH, outside=True)
        pipeline = [stmt for stmt in top if stmt.head == "pipeline" and stmt.block is not None]
        rest = [stmt for stmt in top if stmt not in pipeline and not self.annotation(stmt)
                and not self.function_definition(stmt)]
        if pipeline:
            self.declarative(pipeline[0])
        self.scripted(rest, outside, MULTIBRANCH, 0)
        stages = list(self.stages)
        if outside.references:
            stages.insert(0, outside)
        if not stages:
            reason = "pipeline { } has no stages" if pipeline else \
                "no pipeline { }, node { } or stage found"
            self.result.unreadable.append((self.path, reason))
            return []
        if not self.stages and self.libraries == 0 and self.scripts == 0:
            steps = sorted({ref.value.split("(")[0].split()[0] for ref in outside.references
                            if ref.kind == COMMAND})
            self.result.external.append((self.at(outside.line), (
                "pipeline made of steps from a shared library or plugin configured outside "
                f"the repository: {', '.join(steps)}")))
        return [self.job(stage) for stage in stages]

    def job(self, stage: _Stage) -> Job:
        triggers = stage.triggers
        if stage.manual:
            triggers = frozenset({MANUAL})
        if triggers and triggers != {MANUAL}:
            if self.schedule:
                triggers |= {SCHEDULE}
            if self.upstream:
                triggers |= {OTHER}
        variables = dict(self.variables)
        variables.update(stage.variables)
        return Job(system=SYSTEM, file=self.path, name=stage.name, locator=self.at(stage.line),
                   triggers=frozenset(triggers), references=tuple(stage.references),
                   stage=stage.parent, variables=tuple(variables.items()), needs=stage.needs)

    def index(self, stmts: list[Stmt], depth: int) -> None:
        """Remember string variables, Docker images and `pipelineTriggers` anywhere."""
        for stmt in stmts:
            toks = stmt.toks
            for position, tok in enumerate(toks[1:-1], start=1):
                if tok.kind == "op" and tok.text == "=" and toks[position - 1].kind == "id":
                    name, value = toks[position - 1].text, toks[position + 1:]
                    if value[0].kind == "str":
                        self.strings.setdefault(name, value[0])
                    rendered = render(value)
                    if re.match(r"docker\.(build|image)\(", rendered):
                        self.docker_images[name] = rendered.split(" {")[0]
            if SCHEDULED.search(render(toks)):
                self.schedule = True
            if depth < MAX_DEPTH:
                for body in _blocks(toks):
                    self.index(body, depth + 1)

    def annotation(self, stmt: Stmt) -> bool:
        """`@Library('lib@1.0') _`: a shared library, recorded as external."""
        toks = stmt.toks
        if not (toks[0].kind == "op" and toks[0].text == "@"):
            return False
        if len(toks) > 1 and toks[1].text == "Library":
            for tok in toks[2:]:
                if tok.kind == "str":
                    self.library(tok.text, tok.line)
        return True

    def library(self, name: str, line: int) -> None:
        self.libraries += 1
        self.result.external.append((self.at(line), f"shared library {name}"))

    def function_definition(self, stmt: Stmt) -> bool:
        toks = stmt.toks
        if len(toks) < 4 or toks[-1].kind != "block" or toks[0].kind != "id":
            return False
        offset = 1 if toks[0].text in ("def", "void", "String", "boolean", "Object", "Map",
                                       "List", "static", "private") else 0
        if offset == 0 or toks[offset].kind != "id" or toks[offset + 1].text != "(":
            return False
        if toks[offset].text in ("if", "for", "while", "switch", "catch"):
            return False
        body = toks[-1].body
        self.functions[toks[offset].text] = body or []
        return True

    # Declarative pipelines.

    def declarative(self, pipeline: Stmt) -> None:
        body = pipeline.block or []
        images: list[tuple[str, int]] = []
        stages: Stmt | None = None
        post: Stmt | None = None
        for stmt in body:
            head = stmt.head
            if head == "agent":
                images = self.agent_images(stmt)
            elif head == "triggers":
                for trigger in stmt.block or []:
                    text = render(trigger.toks)
                    if trigger.head in ("cron", "parameterizedCron") and \
                            re.search(r"\(\s*['\"][^'\"]", text):
                        self.schedule = True
                    elif trigger.head == "upstream":
                        self.upstream = True
            elif head == "libraries":
                for lib in stmt.block or []:
                    tok = _first_string(lib.toks)
                    if tok is not None:
                        self.library(tok.text, tok.line)
            elif head == "environment":
                self.variables.update(self.environment(stmt))
            elif head == "stages":
                stages = stmt
            elif head == "post":
                post = stmt
        if stages is not None:
            self.stage_list(stages.block or [], MULTIBRANCH, None, (), images, sequential=True)
        if post is not None:
            stage = _Stage("post", post.line, MULTIBRANCH,
                           needs=(self.stages[-1].name,) if self.stages else ())
            self.post(post, stage)
            if stage.references:
                self.stages.append(stage)

    def stage_list(self, stmts: list[Stmt], triggers: frozenset[str], parent: str | None,
                   needs: tuple[str, ...], images: list[tuple[str, int]], *,
                   sequential: bool) -> None:
        previous = needs
        gate: frozenset[str] | None = None
        for stmt in stmts:
            if stmt.head != "stage":
                continue
            stage = self.declarative_stage(stmt, triggers, parent, previous, images, gate=gate)
            if sequential:
                previous = (stage.name,)
                if stage.manual:
                    gate = stage.triggers if gate is None else gate | stage.triggers

    def declarative_stage(self, stmt: Stmt, inherited: frozenset[str], parent: str | None,
                          needs: tuple[str, ...], images: list[tuple[str, int]], *,
                          gate: frozenset[str] | None) -> _Stage:
        name = _string_of(stmt, "name") or f"stage at line {stmt.line}"
        stage = _Stage(name, stmt.line, inherited, parent, needs)
        self.stages.append(stage)
        body = stmt.block or []
        parts = {part.head: part for part in body}
        own_images = self.agent_images(parts["agent"]) if "agent" in parts else images
        triggers = inherited
        when = parts.get("when")
        if when is not None:
            triggers = self.when(when.block or [], inherited)
            if any(cond.head == "beforeInput" and "true" in render(cond.toks)
                   for cond in when.block or []):
                stage.manual = True
        stage.triggers = _gated(triggers, gate)
        if "input" in parts and parts["input"].block is not None:
            stage.manual = True
        if "environment" in parts:
            stage.variables.update(self.environment(parts["environment"]))
        if "steps" in parts:
            stage.references += [Reference(IMAGE, image, self.at(line))
                                 for image, line in own_images]
            self.scripted(parts["steps"].block or [], stage, stage.triggers, 0)
        if "post" in parts:
            self.post(parts["post"], stage)
        final = frozenset({MANUAL}) if stage.manual else stage.triggers
        for key, sequential in (("stages", True), ("parallel", False), ("matrix", True)):
            if key not in parts:
                continue
            children = parts[key].block or []
            if key == "matrix":
                children = next((c.block or [] for c in children if c.head == "stages"), [])
            self.stage_list(children, final, name, needs, own_images, sequential=sequential)
        return stage

    def when(self, conditions: list[Stmt], base: frozenset[str]) -> frozenset[str]:
        admitted = set(base)
        for cond in conditions:
            atom = self.condition(cond, base)
            if atom is not None:
                # `triggeredBy 'TimerTrigger'` names builds the branch triggers do not cover.
                admitted = admitted & atom if admitted & atom or atom <= base else set(atom)
        return frozenset(admitted)

    def condition(self, cond: Stmt, base: frozenset[str]) -> frozenset[str] | None:
        head = cond.head
        args = _arguments(cond.toks, _after_head(cond))
        if head == "branch":
            pattern = _first_string(_named(args, "pattern"))
            if pattern is None:
                pattern = _first_string(next(iter(_positional(args)), None))
            comparator = _first_string(_named(args, "comparator"))
            if pattern is None:
                return None
            return branch_triggers(pattern.text, regex=bool(
                comparator and comparator.text == "REGEXP") or pattern.quote == "/")
        if head == "changeRequest":
            return frozenset({PULL_REQUEST})
        if head in ("buildingTag", "tag"):
            return frozenset({TAG})
        if head == "triggeredBy":
            cause = render(cond.toks)
            if "TimerTrigger" in cause:
                return frozenset({SCHEDULE})
            if "UserIdCause" in cause:
                return frozenset({MANUAL})
            if "UpstreamCause" in cause:
                return frozenset({OTHER})
            return None
        if head == "environment":
            variable = _first_string(_named(args, "name"))
            value = _first_string(_named(args, "value"))
            if variable and value and variable.text in ("BRANCH_NAME", "GIT_BRANCH"):
                return branch_triggers(value.text)
            return None
        if head == "expression":
            return expression_triggers(" ".join(render(s.toks) for s in cond.block or []),
                                       base)
        inner = [self.condition(c, base) for c in cond.block or []]
        known = [atom for atom in inner if atom is not None]
        if head == "not" and len(inner) == 1 and known:
            return frozenset(base - known[0]) if known[0] != base else None
        if head == "allOf" and known:
            admitted = set(base)
            for atom in known:
                admitted &= atom
            return frozenset(admitted)
        if head == "anyOf" and known and len(known) == len(inner):
            return frozenset(set().union(*known))
        return None

    def post(self, post: Stmt, stage: _Stage) -> None:
        for condition in post.block or []:
            if condition.head in POST_CONDITIONS:
                self.scripted(condition.block or [], stage, stage.triggers, 0)

    def environment(self, stmt: Stmt) -> dict[str, str]:
        found: dict[str, str] = {}
        for assignment in stmt.block or []:
            toks = assignment.toks
            if len(toks) == 3 and toks[0].kind == "id" and toks[1].text == "=" and \
                    toks[2].kind == "str":
                found[toks[0].text] = toks[2].text
        return found

    def agent_images(self, agent: Stmt) -> list[tuple[str, int]]:
        found: list[tuple[str, int]] = []
        for stmt in agent.block or []:
            if stmt.head == "docker":
                image = _string_of(stmt)
                if image:
                    found.append((image, stmt.line))
                for inner in stmt.block or []:
                    tok = _first_string(inner.toks) if inner.head == "image" else None
                    if tok is not None:
                        found.append((tok.text, tok.line))
            elif stmt.head == "kubernetes":
                for inner in stmt.block or []:
                    tok = _first_string(inner.toks) if inner.head == "yaml" else None
                    for offset, line in enumerate(tok.text.split("\n") if tok else []):
                        match = _YAML_IMAGE.match(line)
                        if match and tok is not None:
                            found.append((match.group(1), tok.line + offset))
        return found

    # Scripted code, and the steps of declarative stages.

    def scripted(self, stmts: list[Stmt], owner: _Stage, triggers: frozenset[str],
                 depth: int) -> bool:
        """Walk statements; `owner` gets the references of steps outside a nested stage.

        Returns whether an `input` outside any stage paused the run, which makes the
        stages after it manual.
        """
        current = owner
        previous: tuple[str, ...] = ()
        gate: frozenset[str] | None = None
        paused = False
        for stmt in stmts:
            head = stmt.head
            if head == "stage":
                stage = self.scripted_stage(stmt, owner, _gated(triggers, gate), previous, depth)
                previous = (stage.name,)
                # `stage 'Build'` without a block: the steps that follow belong to it.
                current = stage if stmt.block is None else owner
                if stage.manual:
                    gate = stage.triggers if gate is None else gate | stage.triggers
                continue
            if _waits_for_input(stmt):
                if current.outside:
                    gate, paused = triggers if gate is None else gate | triggers, True
                current.manual = not current.outside
                continue
            if head == "if":
                paused |= self.conditional(stmt, current, triggers, depth)
                continue
            if head in self.functions and depth < MAX_DEPTH:
                # The function's own steps; a closure passed to it (`withNode('x') { … }`)
                # is read below like any block, since the function usually calls it.
                paused |= self.scripted(self.functions[head], current, triggers, depth + 1)
            if head == "library":
                tok = _first_string(stmt.toks)
                if tok is not None:
                    self.library(tok.text, tok.line)
                continue
            current.references += self.references(stmt)
            first = len(current.references)
            for body in _blocks(stmt.toks) if depth < MAX_DEPTH else []:
                if self.scripted(body, current, _gated(triggers, gate), depth + 1):
                    gate, paused = triggers if gate is None else gate | triggers, True
            folder = _dir_argument(stmt) if head == "dir" else None
            if folder:
                current.references[first:] = [
                    replace(ref, directory=_inside(folder, ref.directory))
                    if ref.kind == COMMAND else ref for ref in current.references[first:]]
        return paused

    def scripted_stage(self, stmt: Stmt, owner: _Stage, triggers: frozenset[str],
                       needs: tuple[str, ...], depth: int) -> _Stage:
        name = _string_of(stmt, "name") or f"stage at line {stmt.line}"
        parent = None if owner.outside else owner.name
        stage = _Stage(name, stmt.line, triggers, parent, needs)
        self.stages.append(stage)
        if stmt.block is not None and depth < MAX_DEPTH:
            self.scripted(stmt.block, stage, triggers, depth + 1)
        return stage

    def conditional(self, stmt: Stmt, current: _Stage, triggers: frozenset[str],
                    depth: int) -> bool:
        toks = stmt.toks
        close = next((i for i, t in enumerate(toks) if t.kind == "block"), len(toks))
        narrowed = expression_triggers(render(toks[1:close]), triggers)
        paused = False
        for position, body in enumerate(_blocks(toks) if depth < MAX_DEPTH else []):
            chosen = narrowed if position == 0 and narrowed is not None else triggers
            paused |= self.scripted(body, current, chosen, depth + 1)
        return paused

    def references(self, stmt: Stmt) -> list[Reference]:
        """Script lines, step invocations and images in one statement (not its blocks)."""
        found: list[Reference] = []
        toks = stmt.toks
        for position, tok in enumerate(toks):
            if tok.kind == "id" and tok.text in SCRIPT_STEPS and \
                    not (position > 0 and toks[position - 1].text in (".", "?.")):
                found += self.script(toks, position)
        text = render(toks)
        for match in _DOCKER_IMAGE.finditer(text):
            found.append(Reference(IMAGE, match.group(2), self.at(stmt.line)))
        step = self.step_text(stmt)
        if step:
            found.append(Reference(COMMAND, step, self.at(stmt.line)))
        return found

    def step_text(self, stmt: Stmt) -> str:
        toks = stmt.toks
        head = stmt.head
        header = toks[:-1] if toks[-1].kind == "block" else toks
        assignment = next((i for i, t in enumerate(header)
                           if t.kind == "op" and t.text in ("=", "+=")), None)
        if assignment is not None:
            value = header[assignment + 1:]
            if not value or value[0].kind != "id":
                return ""
            head = Stmt(value).head
            header = value
        if not head or head.split(".")[0] in NOT_STEPS or head in SCRIPT_STEPS or \
                head in self.functions:
            return ""
        if not _invokes(header):
            return ""  # `foo bar baz` is not a step invocation
        text = render(header)
        receiver, _, method = head.partition(".")
        if method in ("push", "tag") and receiver in self.docker_images:
            text = self.docker_images[receiver] + text[len(receiver):]
        return text

    def script(self, toks: list[Tok], position: int) -> list[Reference]:
        """Command references for the script of the `sh`-like step at `toks[position]`."""
        following = toks[position + 1] if position + 1 < len(toks) else None
        if following is None or (following.kind == "op" and following.text != "("):
            return []
        args = _arguments(toks, position + 1)
        value = _named(args, "script")
        if value is None:
            positional = _positional(args)
            value = positional[0] if positional else []
        strings = [t for t in value if t.kind == "str"]
        if not strings and len(value) == 1 and value[0].text in self.strings:
            strings = [self.strings[value[0].text]]
            value = strings
        if not strings:
            self.result.notes.append((self.at(toks[position].line), (
                f"'{toks[position].text}' runs a script built at run time; not read")))
            return []
        if len(strings) == 1:
            script = strings[0].text
        else:  # 'mvn ' + goals + ' -B': literal parts, variables as ${name}
            script = "".join(
                t.text if t.kind == "str" else "${" + t.text + "}"
                for index, t in enumerate(value)
                if t.kind == "str" or (t.kind == "id" and (index == 0 or value[index - 1].text
                                                           not in (".", "?."))))
        text = "\n".join(_unescape(line) for line in script.split("\n"))
        label = _first_string(_named(args, "label"))
        self.scripts += 1
        return [Reference(COMMAND, command, self.at(strings[0].line + offset),
                          label=label.text if label else "")
                for offset, command in shell_lines(text)]


def _invokes(toks: list[Tok]) -> bool:
    """`step(...)`, `step 'text'`, `step key: value`, `a.b(...)`: the shape of a step call."""
    index = _after_head(Stmt(toks))
    if index >= len(toks):
        return False
    following = toks[index]
    return following.kind == "str" or following.text == "(" or (
        following.kind == "id" and index + 1 < len(toks) and toks[index + 1].text == ":")


def _waits_for_input(stmt: Stmt) -> bool:
    """An `input` step (`input 'Deploy?'`, `def ok = input(message: ...)`)."""
    toks = stmt.toks
    for position, tok in enumerate(toks[:-1]):
        if tok.kind == "id" and tok.text == "input" and \
                not (position > 0 and toks[position - 1].text in (".", "?.")) and \
                (toks[position + 1].kind in ("str", "id") or toks[position + 1].text == "("):
            return True
    return False


def _dir_argument(stmt: Stmt) -> str | None:
    """The folder of `dir('path') { … }` (a literal path only)."""
    positional = _positional(_arguments(stmt.toks, _after_head(stmt)))
    tok = _first_string(positional[0]) if positional else None
    if tok is None or "$" in tok.text:
        return None
    return tok.text


def _inside(folder: str, directory: str) -> str:
    """`directory` (relative to `folder`) as a repository folder; "" outside the tree."""
    joined = posixpath.normpath(posixpath.join(folder.lstrip("/"), directory))
    return "" if joined in (".", "") or joined.startswith("..") else joined


def jenkinsfiles(tree: RepoTree) -> list[str]:
    """The Jenkinsfiles a Jenkins controller could build, outside example and test folders."""
    return [path for path in tree.paths()
            if JENKINSFILE.search(path) and not NOT_A_PIPELINE.search(path)
            and not NOT_CI_FOLDER.search(path)]


def parse(tree: RepoTree) -> ParseResult:
    result = ParseResult(SYSTEM)
    for path in jenkinsfiles(tree):
        try:
            text = tree.read_text(path)
        except SkippedFile as skipped:
            result.unreadable.append((path, str(skipped)))
            continue
        try:
            top = statements(tokenize(text))
        except GroovyError as exc:
            result.unreadable.append((path, f"not Groovy this reader understands ({exc})"))
            continue
        except RecursionError:
            result.unreadable.append((path, "nesting too deep"))
            continue
        result.files.append(path)
        try:
            result.jobs += _Reader(path, result).read(top)
        except RecursionError:
            result.unreadable.append((path, "nesting too deep"))
    return result
