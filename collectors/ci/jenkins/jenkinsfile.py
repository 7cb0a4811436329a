"""What reading one Jenkinsfile has found so far: its stages, and what the file
declares that the steps of any stage may use (helper functions, string variables,
Docker images, triggers, shared libraries)."""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner.collectors.ci.jenkins.lexer import Stmt, Tok
from scanner.collectors.ci.model import ParseResult, Reference

SYSTEM = "jenkins"
MAX_DEPTH = 32  # nested blocks walked (closures in loops in conditions nest deep)


@dataclass
class Stage:
    """A stage as read so far; it becomes one job."""

    name: str
    line: int
    triggers: frozenset[str]
    parent: str | None = None
    needs: tuple[str, ...] = ()
    references: list[Reference] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    manual: bool = False
    outside: bool = False  # steps outside any stage


@dataclass
class Jenkinsfile:
    """One file being read: the modules that walk it share this, not a reader object."""

    path: str
    result: ParseResult
    stages: list[Stage] = field(default_factory=list)
    functions: dict[str, list[Stmt]] = field(default_factory=dict)
    strings: dict[str, Tok] = field(default_factory=dict)
    docker_images: dict[str, str] = field(default_factory=dict)
    schedule: bool = False
    upstream: bool = False
    libraries: int = 0
    scripts: int = 0  # sh / bat / powershell / pwsh steps read
    variables: dict[str, str] = field(default_factory=dict)

    def at(self, line: int) -> str:
        return f"{self.path}:{line}"

    def library(self, name: str, line: int) -> None:
        self.libraries += 1
        self.result.external.append((self.at(line), f"shared library {name}"))
