"""The commands of one Groovy statement: the script lines of `sh` / `bat` /
`powershell` / `pwsh` steps, a Docker image it names, and any other step invocation
(`dependencyCheck ...`, `junit ...`) as a command of its own text, so the catalogue
can match Jenkins steps by pattern."""

from __future__ import annotations

from scanner.collectors.ci.jenkins.jenkinsfile import Jenkinsfile
from scanner.collectors.ci.jenkins.lexer import Stmt, Tok
from scanner.collectors.ci.jenkins.syntax import (
    arguments,
    first_string,
    invokes,
    named_argument,
    positional_arguments,
    render,
    unescape,
)
from scanner.collectors.ci.model import COMMAND, IMAGE, Reference, shell_lines
from scanner.lazy_patterns import lazy_compile

SCRIPT_STEPS = frozenset({"sh", "bat", "powershell", "pwsh"})
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
_DOCKER_IMAGE = lazy_compile(r"\bdocker\.image\(\s*(['\"])([^'\"]+)\1")


def statement_references(jenkinsfile: Jenkinsfile, stmt: Stmt) -> list[Reference]:
    """Script lines, step invocations and images in one statement (not its blocks)."""
    found: list[Reference] = []
    toks = stmt.toks
    for position, tok in enumerate(toks):
        if tok.kind == "id" and tok.text in SCRIPT_STEPS and \
                not (position > 0 and toks[position - 1].text in (".", "?.")):
            found += script_lines(jenkinsfile, toks, position)
    text = render(toks)
    for match in _DOCKER_IMAGE.finditer(text):
        found.append(Reference(IMAGE, match.group(2), jenkinsfile.at(stmt.line)))
    step = step_text(jenkinsfile, stmt)
    if step:
        found.append(Reference(COMMAND, step, jenkinsfile.at(stmt.line)))
    return found


def step_text(jenkinsfile: Jenkinsfile, stmt: Stmt) -> str:
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
            head in jenkinsfile.functions:
        return ""
    if not invokes(header):
        return ""  # `foo bar baz` is not a step invocation
    text = render(header)
    receiver, _, method = head.partition(".")
    if method in ("push", "tag") and receiver in jenkinsfile.docker_images:
        text = jenkinsfile.docker_images[receiver] + text[len(receiver):]
    return text


def script_lines(jenkinsfile: Jenkinsfile, toks: list[Tok], position: int) -> list[Reference]:
    """Command references for the script of the `sh`-like step at `toks[position]`."""
    following = toks[position + 1] if position + 1 < len(toks) else None
    if following is None or (following.kind == "op" and following.text != "("):
        return []
    args = arguments(toks, position + 1)
    value = named_argument(args, "script")
    if value is None:
        positional = positional_arguments(args)
        value = positional[0] if positional else []
    strings = [t for t in value if t.kind == "str"]
    if not strings and len(value) == 1 and value[0].text in jenkinsfile.strings:
        strings = [jenkinsfile.strings[value[0].text]]
        value = strings
    if not strings:
        jenkinsfile.result.notes.append((jenkinsfile.at(toks[position].line), (
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
    text = "\n".join(unescape(line) for line in script.split("\n"))
    label = first_string(named_argument(args, "label"))
    jenkinsfile.scripts += 1
    return [Reference(COMMAND, command, jenkinsfile.at(strings[0].line + offset),
                      label=label.text if label else "")
            for offset, command in shell_lines(text)]
