"""Jenkins pipelines (`Jenkinsfile`) -> jobs.

Groovy is read at the level of tokens and statements, not as a language
(`lexer`, `syntax`).  Declarative pipelines (`pipeline { stages { stage('x')
{ when {...} steps {...} } } }`, `declarative`) and scripted ones (`node {
stage('x') { sh '...' } }`, `scripted`) give one job per stage (`pipeline`).

`sh` / `bat` / `powershell` / `pwsh` scripts become command references, one
per script line, at the line the script text sits on.  Every other step
invocation (`dependencyCheck ...`, `withSonarQubeEnv(...)`, `junit ...`)
becomes a command reference of its own text, so the catalogue can match
Jenkins steps by pattern (`steps`).  Shared libraries (`@Library`, `library`)
are configuration from outside the repository and are recorded, not read.

Triggers (`triggers`): a multibranch Jenkinsfile builds branch pushes, change
requests and (with tag discovery) tags; `when` conditions narrow that per stage,
a stage waiting for `input` (and every stage after it) is manual, and a `cron`
trigger adds scheduled builds.
"""

from __future__ import annotations

from scanner.collectors.ci.jenkins.jenkinsfile import SYSTEM, Jenkinsfile
from scanner.collectors.ci.jenkins.lexer import GroovyError, statements, tokenize
from scanner.collectors.ci.jenkins.pipeline import read
from scanner.collectors.ci.jenkins.triggers import SCHEDULED
from scanner.collectors.ci.model import ParseResult
from scanner.collectors.tree import RepoTree, SkippedFile
from scanner.lazy_patterns import lazy_compile

__all__ = ["SCHEDULED", "SYSTEM", "ParseResult", "jenkinsfiles", "parse"]

JENKINSFILE = lazy_compile(r"(^|/)Jenkinsfile(\.[\w-]+)?$")
# Not pipelines: documentation and backups of a Jenkinsfile.
NOT_A_PIPELINE = lazy_compile(r"(?i)\.(md|txt|rst|adoc|html|bak|orig|old|sample|example|disabled)$")
# Jenkinsfiles kept as examples, fixtures or documentation are not the repository's CI.
NOT_CI_FOLDER = lazy_compile(r"(?i)(^|/)(docs?|examples?|samples?|tests?|testdata|test-data|"
                             r"fixtures|__tests__|node_modules|vendor)/")


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
            result.jobs += read(Jenkinsfile(path, result), top)
        except RecursionError:
            result.unreadable.append((path, "nesting too deep"))
    return result
