"""What CI really runs: one command resolver shared by every CI parser.

A CI step seldom names the tool that does the work.  `make ci`, `uv run bash
scripts/tests-start.sh` in `working-directory: backend`, `npm run
test:server:coverage`, `tox -e py`, `./make.ps1 test`, `docker compose run api
pytest` all hide it behind a wrapper.  The resolver follows each command into
the repository's own files (Makefiles with prerequisites, pattern rules and
recursive make; justfiles, Taskfiles, package.json and composer scripts, tox
environments, nox sessions, hatch and PDM scripts; shell and PowerShell scripts;
a Dockerfile's test stage, a compose service's command), tracking the folder each
command runs in (`working-directory`, `cd`, `pushd`, `make -C`, `npm --prefix`),
and gives every command it finds the locator of its own line and the chain of
places that led there.

Bounded: wrappers are followed at most MAX_DEPTH deep and each job yields at most
MAX_FOUND_PER_JOB commands; a file is read once per repository; cycles are cut;
files outside the tree, binary or too large are skipped with a note; nothing is
ever executed.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field, replace

from scanner.collectors.ci.model import COMMAND, Job, Reference
from scanner.collectors.ci.resolve import make, runners
from scanner.collectors.ci.resolve.words import (
    peel,
    pieces,
    segments,
    shell_c,
    strip_launchers,
    words,
)
from scanner.collectors.deadlines import check
from scanner.collectors.tree import RepoTree, SkippedFile

__all__ = ["JUSTFILES", "MAKEFILES", "Resolver", "segments", "strip_launchers"]

MAX_DEPTH = 6
MAX_FOUND_PER_JOB = 2000
MAX_LINES_PER_FILE = 1000
MAX_WORKSPACE_PACKAGES = 50
MAKEFILES = make.MAKEFILES
JUSTFILES = ("justfile", "Justfile", ".justfile")
TASKFILES = ("Taskfile.yml", "Taskfile.yaml", "taskfile.yml", "taskfile.yaml",
             "Taskfile.dist.yml", "Taskfile.dist.yaml")
COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")

_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh"})
_POWERSHELL = frozenset({"pwsh", "powershell", "powershell.exe", "pwsh.exe"})
_SCRIPT_SUFFIX = (".sh", ".bash", ".ps1", ".zsh")
_JS_MANAGERS = frozenset({"npm", "yarn", "pnpm", "bun"})
_JS_RECURSIVE = frozenset({"-r", "--recursive", "--workspaces", "-ws", "--all"})
_JS_PACKAGE_FOLDER = frozenset({"--prefix", "-C", "--dir", "--cwd"})
_JS_BUILTINS = frozenset({"install", "i", "ci", "add", "remove", "uninstall", "publish",
                          "pack", "audit", "outdated", "update", "upgrade", "link", "init",
                          "exec", "dlx", "x", "config", "set", "version", "login", "whoami",
                          "cache", "store", "import", "rebuild", "dedupe", "prune", "ls",
                          "list", "why", "info", "view", "create", "global", "workspaces",
                          "workspace", "help"})
_REPO_ROOT = re.compile(r"^\$\(\s*git\s+rev-parse\s+--show-toplevel\s*\)")


@dataclass(frozen=True)
class _Step:
    """One command line found in a file: its line, text and the folder it runs in."""

    line: int
    text: str
    path: str
    directory: str | None  # None: unknown (a `cd` to somewhere computed)


@dataclass
class _Walk:
    """One job's resolution: what was seen (cycles), how much was found (budget)."""

    seen: set[str] = field(default_factory=set)
    found: int = 0
    cut: bool = False


class Resolver:
    """Follows a repository's wrapper commands; one per repository (files are cached)."""

    def __init__(self, tree: RepoTree) -> None:
        self.tree = tree
        self.notes: list[tuple[str, str]] = []  # (locator, what was not followed and why)
        self._texts: dict[str, str | None] = {}
        self._makefiles: dict[str, make.Makefile | None] = {}
        self._paths: list[str] | None = None
        self._folders: dict[str, bool] = {}

    # --- public ------------------------------------------------------------------------

    def expand_job(self, job: Job) -> Job:
        """The job with every command its steps reach through wrappers appended, each
        after the step that reaches it."""
        check()
        walk = _Walk()
        references: list[Reference] = []
        for reference in job.references:
            references.append(reference)
            if reference.kind == COMMAND:
                references.extend(self._resolve(reference, 0, walk))
        if walk.cut:
            self.notes.append((job.locator, f"the commands this job runs were followed only "
                                            f"up to {MAX_FOUND_PER_JOB}; the rest were not "
                                            "read"))
        if len(references) == len(job.references):
            return job
        return replace(job, references=tuple(references))

    def resolve(self, reference: Reference) -> list[Reference]:
        """Every command one command reaches through wrappers."""
        return self._resolve(reference, 0, _Walk())

    # --- following ---------------------------------------------------------------------

    def _resolve(self, reference: Reference, depth: int, walk: _Walk) -> list[Reference]:
        if depth >= MAX_DEPTH or walk.cut:
            return []
        found: list[Reference] = []
        directory: str | None = self._in_tree(reference.directory)
        stack: list[str | None] = []
        for command in _commands(reference.value):
            head = command[0] if command else ""
            if head in ("cd", "pushd"):
                if head == "pushd":
                    stack.append(directory)
                directory = self._in_tree(_changed(directory, command[1:],
                                                   _folder(reference.locator)))
                continue
            if head == "popd":
                directory = stack.pop() if stack else reference.directory
                continue
            for step in self._follow(command, directory, walk):
                if walk.found >= MAX_FOUND_PER_JOB:
                    walk.cut = True
                    return found
                walk.found += 1
                child = Reference(COMMAND, step.text, f"{step.path}:{step.line}",
                                  label=reference.label, directory=step.directory or "",
                                  via=(*reference.via, reference.locator))
                found.append(child)
                found.extend(self._resolve(child, depth + 1, walk))
        return found

    def _follow(self, raw: list[str], directory: str | None, walk: _Walk) -> list[_Step]:
        """The command lines one simple command runs from the repository's files."""
        scripts = self._runner_scripts(raw, directory, walk)
        if scripts is not None:
            return scripts
        command = peel(raw)
        if not command:
            return self._compose_service(raw, directory, walk)
        head = command[0].rsplit("/", 1)[-1]
        if head in ("make", "gmake"):
            return self._make(command[1:], directory, walk)
        if head == "just":
            return self._just(command[1:], directory, walk)
        if head in ("task", "go-task"):
            return self._task(command[1:], directory, walk)
        if head in _JS_MANAGERS or head in ("lerna", "turbo", "nx"):
            return self._package_script(head, command[1:], directory, walk)
        if head == "node" and "--run" in command:  # Node 22's own script runner
            after = command[command.index("--run") + 1:]
            return self._package_script("npm", ["run", *after[:1]], directory, walk)
        if head == "composer":
            return self._composer(command[1:], directory, walk)
        if head == "tox":
            return self._tox(command[1:], directory, walk)
        if head == "nox":
            return self._nox(command[1:], directory, walk)
        if head in ("docker", "podman") and "build" in command[1:3]:
            return self._docker_build(command, directory, walk)
        return self._script(command, directory, walk)

    def _runner_scripts(self, raw: list[str], directory: str | None,
                        walk: _Walk) -> list[_Step] | None:
        """`hatch run NAME` / `pdm run NAME` naming a script of pyproject.toml (or
        hatch.toml); None when the command is no such script."""
        bare = [w for w in raw if not w.startswith("-")]
        if len(bare) < 3 or bare[0] not in ("hatch", "pdm") or bare[1] != "run":
            return None
        for name in ("hatch.toml", "pyproject.toml") if bare[0] == "hatch" else \
                ("pyproject.toml",):
            path = _join(directory, name)
            key = f"{path}#{bare[0]}:{bare[2]}"
            text = self._text(path) if key not in walk.seen else None
            commands = runners.pyproject_scripts(text, bare[0], bare[2]) if text else []
            if commands:
                walk.seen.add(key)
                return [_Step(line, command, path, directory) for line, command in commands]
        return None

    def _make(self, args: list[str], directory: str | None, walk: _Walk) -> list[_Step]:
        folder, name, targets = directory or "", None, []
        rest = list(args)
        while rest:
            word = rest.pop(0)
            if word in ("-C", "--directory") and rest:
                folder = _join(folder, rest.pop(0))
            elif word.startswith("-C") and len(word) > 2:
                folder = _join(folder, word[2:])
            elif word in ("-f", "--file", "--makefile") and rest:
                name = rest.pop(0)
            elif word.startswith("-") or "=" in word:
                continue
            else:
                targets.append(word)
        makefile = self._makefile(folder, name)
        if makefile is None:
            return []
        pending = [t for name in targets for t in makefile.targets_for(name)]
        if not targets and makefile.default_target:
            pending = [makefile.default_target]
        # `make build-${target}` matching no explicit target may match a pattern rule.
        pending += [name for name in targets if "$" in makefile.expand(name)
                    and not makefile.targets_for(name)]
        steps: list[_Step] = []
        overrides: dict[str, str] = {}
        while pending:
            target = pending.pop(0)
            key = f"{makefile.path}#{target}"
            if key in walk.seen:
                continue
            walk.seen.add(key)
            if target in makefile.recipes or target in makefile.prerequisites:
                for requisite in makefile.prerequisites.get(target, []):
                    pending.extend(makefile.targets_for(requisite) or [requisite])
                lines = makefile.recipes.get(target, [])
                stem = None
            else:
                pattern = makefile.pattern_for(target)
                if pattern is None:
                    continue
                lines, stem = makefile.patterns[pattern[0]], pattern[1]
                for requisite in makefile.pattern_prerequisites.get(pattern[0], []):
                    pending.append(requisite.replace("%", pattern[1]))
            for line in lines:
                evaluated = make.EVAL.match(line.text)
                if evaluated:
                    overrides[evaluated[1]] = evaluated[2].strip()
                    continue
                text = makefile.expand(line.text, overrides).strip()
                if stem is not None:
                    text = text.replace("$*", stem).replace("$@", target)
                steps.append(_Step(line.number, text, line.path, makefile.folder))
        return steps

    def _makefile(self, folder: str, name: str | None) -> make.Makefile | None:
        path = make.find_makefile(self.tree.has, folder, name)
        if path is None:
            return None
        if path not in self._makefiles:
            self._makefiles[path] = make.parse(path, folder, make.Files(
                self._text, self.tree.has, self._all_paths))
        return self._makefiles[path]

    def _just(self, args: list[str], directory: str | None, walk: _Walk) -> list[_Step]:
        path = next((p for name in JUSTFILES if self.tree.has(p := _join(directory, name))),
                    None)
        recipes = [a for a in args if not a.startswith("-") and "=" not in a][:1]
        if path is None or not recipes:
            return []
        text = self._text(path) or ""
        steps: list[_Step] = []
        while recipes:
            recipe = recipes.pop(0)
            if f"{path}#{recipe}" in walk.seen:
                continue
            walk.seen.add(f"{path}#{recipe}")
            commands, dependencies = runners.just_recipe(text, recipe)
            recipes += dependencies
            steps += [_Step(line, command, path, directory) for line, command in commands]
        return steps

    def _task(self, args: list[str], directory: str | None, walk: _Walk) -> list[_Step]:
        path = next((p for name in TASKFILES if self.tree.has(p := _join(directory, name))),
                    None)
        tasks = [a for a in args if not a.startswith("-") and "=" not in a] or ["default"]
        if path is None:
            return []
        text = self._text(path) or ""
        steps: list[_Step] = []
        while tasks:
            task = tasks.pop(0)
            if f"{path}#{task}" in walk.seen:
                continue
            walk.seen.add(f"{path}#{task}")
            commands, called, folder = runners.taskfile_task(text, task)
            tasks += called
            where = _join(directory, folder) if folder else directory
            steps += [_Step(line, command, path, where) for line, command in commands]
        return steps

    def _package_script(self, head: str, args: list[str], directory: str | None,
                        walk: _Walk) -> list[_Step]:
        """npm / yarn / pnpm / bun scripts, in one package or across a workspace
        (`-r`, `--workspaces`, `--filter`, lerna, turbo, nx)."""
        folder = directory
        recursive = head in ("lerna", "turbo", "nx")
        names: list[str] = []
        rest = list(args)
        while rest:
            word = rest.pop(0)
            option, _, inline = word.partition("=")
            if option in _JS_PACKAGE_FOLDER and (inline or rest):
                folder = _join(directory, inline or rest.pop(0))
            elif option in _JS_RECURSIVE or option in ("--filter", "-F", "--workspace", "-w",
                                                       "--scope"):
                recursive = True
                if option not in _JS_RECURSIVE and not inline and rest:
                    rest.pop(0)
            elif option in ("-t", "--target", "--targets") and (inline or rest):
                names += (inline or rest.pop(0)).split(",")
            elif word == "--":
                break
            elif not word.startswith("-"):
                names.append(word)
        names = _script_names(head, names)
        if not names:
            return []
        packages = self._all_package_files() if recursive else [_join(folder, "package.json")]
        steps: list[_Step] = []
        for path in packages:
            scripts = runners.package_scripts(self._text(path) or "") \
                if self.tree.has(path) else {}
            package_folder = posixpath.dirname(path)
            for name in names:
                for hook in (f"pre{name}", name, f"post{name}"):
                    key = f"{path}#{hook}"
                    if hook in scripts and key not in walk.seen:
                        walk.seen.add(key)
                        line, command = scripts[hook]
                        steps.append(_Step(line, command, path, package_folder))
        return steps

    def _all_package_files(self) -> list[str]:
        found = [p for p in self._all_paths() if p.rsplit("/", 1)[-1] == "package.json"
                 and "node_modules/" not in p]
        return sorted(found, key=lambda p: (p.count("/"), p))[:MAX_WORKSPACE_PACKAGES]

    def _composer(self, args: list[str], directory: str | None, walk: _Walk) -> list[_Step]:
        bare = [a for a in args if not a.startswith("-")]
        if bare[:1] in (["run-script"], ["run"]):
            bare = bare[1:]
        path = _join(directory, "composer.json")
        if not bare or not self.tree.has(path):
            return []
        scripts = runners.package_scripts(self._text(path) or "")
        key = f"{path}#{bare[0]}"
        if bare[0] not in scripts or key in walk.seen:
            return []
        walk.seen.add(key)
        line, command = scripts[bare[0]]
        return [_Step(line, part.strip().lstrip("@"), path, directory)
                for part in command.split(" && ") if part.strip()]

    def _tox(self, args: list[str], directory: str | None, walk: _Walk) -> list[_Step]:
        environments = list(runners.words_after(args, ("-e", "--env", "-f", "--factor")))
        for name in ("tox.ini", "tox.toml"):
            path = _join(directory, name)
            key = f"{path}#{','.join(environments)}"
            if not self.tree.has(path) or key in walk.seen:
                continue
            walk.seen.add(key)
            text = self._text(path) or ""
            commands = runners.tox_commands(text, environments) if name == "tox.ini" \
                else runners.tox_toml_commands(text, environments)
            return [_Step(line, _tox_placeholders(command), path, directory)
                    for line, command in commands]
        return []

    def _nox(self, args: list[str], directory: str | None, walk: _Walk) -> list[_Step]:
        sessions = list(runners.words_after(args, ("-s", "--session", "--sessions", "-e")))
        path = _join(directory, "noxfile.py")
        key = f"{path}#{','.join(sessions)}"
        if not self.tree.has(path) or key in walk.seen:
            return []
        walk.seen.add(key)
        return [_Step(line, command, path, directory)
                for line, command in runners.nox_sessions(self._text(path) or "", sessions)]

    def _docker_build(self, command: list[str], directory: str | None,
                      walk: _Walk) -> list[_Step]:
        """`docker build --target test` (or a test Dockerfile): the stage's RUN lines."""
        args = command[command.index("build") + 1:]
        target = next(iter(runners.words_after(args, ("--target",))), None)
        dockerfile = next(iter(runners.words_after(args, ("-f", "--file"))), None)
        context = next((a for a in _positional(args, _DOCKER_BUILD_VALUED)), ".")
        if dockerfile is None:
            path = _join(_join(directory, context), "Dockerfile")
        else:
            path = _join(directory, dockerfile)
        named_for_tests = "test" in posixpath.basename(path).lower()
        if not (target and "test" in target.lower()) and not named_for_tests:
            return []
        key = f"{path}#{target}"
        if not self.tree.has(path) or key in walk.seen:
            return []
        walk.seen.add(key)
        return [_Step(line, run, path, directory)
                for line, run in runners.dockerfile_stage(self._text(path) or "", target)]

    def _compose_service(self, raw: list[str], directory: str | None,
                         walk: _Walk) -> list[_Step]:
        """`docker compose run SERVICE` with no command: the service's own command."""
        command = [w for w in raw if w]
        if "run" not in command or not command[0].endswith(("docker", "compose")):
            return []
        after = command[command.index("run") + 1:]
        service = next(iter(_positional(after, _COMPOSE_RUN_VALUED)), None)
        files = list(runners.words_after(command, ("-f", "--file"))) or list(COMPOSE_FILES)
        for name in files:
            path = _join(directory, name)
            if service and self.tree.has(path) and f"{path}#{service}" not in walk.seen:
                walk.seen.add(f"{path}#{service}")
                return [_Step(line, text, path, directory)
                        for line, text in runners.compose_command(self._text(path) or "",
                                                                  service)]
        return []

    def _script(self, command: list[str], directory: str | None, walk: _Walk) -> list[_Step]:
        """A shell or PowerShell script of the repository, run by path or through an
        interpreter (`bash -e x.sh`, `source x.sh`, `. x.sh`, `pwsh -File x.ps1`)."""
        head = command[0].rsplit("/", 1)[-1]
        word = command[0]
        if head in _SHELLS or head in _POWERSHELL or head in ("source", "."):
            args = [w for w in command[1:] if not w.startswith("-")]
            word = args[0] if args else ""
        if not word or word.startswith(("$", "-")) or "://" in word:
            return []
        path = self._script_path(word, directory)
        if path is None or path in walk.seen:
            return []
        walk.seen.add(path)
        text = self._text(path)
        if text is None:
            return []
        if not path.endswith(_SCRIPT_SUFFIX) and not _shell_shebang(text):
            return []  # a program of another language: not read as commands
        lines = runners.script_lines(text)
        if len(lines) > MAX_LINES_PER_FILE:
            self.notes.append((path, f"only the first {MAX_LINES_PER_FILE} of {len(lines)} "
                                     "command lines of this script were read"))
            lines = lines[:MAX_LINES_PER_FILE]
        return self._in_sequence(path, lines, directory)

    def _in_sequence(self, path: str, lines: list[tuple[int, str]],
                     directory: str | None) -> list[_Step]:
        """A script's lines, each with the folder it runs in after the `cd`s before it."""
        steps: list[_Step] = []
        for number, line in lines:
            steps.append(_Step(number, line, path, directory))
            for command in _commands(line):
                if command and command[0] in ("cd", "pushd"):
                    directory = _changed(directory, command[1:], posixpath.dirname(path))
        return steps

    def _script_path(self, word: str, directory: str | None) -> str | None:
        """The tracked file a script word names, tried from the folder the command runs
        in, then from the repository root; never outside the tree."""
        if word.startswith("/"):
            return None
        candidates = [_join(directory, word), posixpath.normpath(word)]
        for candidate in candidates:
            if candidate.startswith("..") or candidate == ".":
                continue
            if self.tree.has(candidate):
                is_script = candidate.endswith(_SCRIPT_SUFFIX) or "/" in word or \
                    word.startswith("./")
                return candidate if is_script else None
        return None

    def _in_tree(self, directory: str | None) -> str | None:
        """A folder CI names that the repository does not have (`/workspace/src/app`, a clone
        path of Cloud Build's `dir`) is where the checkout sits: read from the root."""
        if not directory:
            return directory
        if directory not in self._folders:
            prefix = directory + "/"
            self._folders[directory] = any(p.startswith(prefix) for p in self._all_paths())
        return directory if self._folders[directory] else None

    # --- files -------------------------------------------------------------------------

    def _text(self, path: str) -> str | None:
        if path not in self._texts:
            try:
                self._texts[path] = self.tree.read_text(path)
            except SkippedFile as skipped:
                self.notes.append((path, f"a file CI runs or reads was not read: {skipped}"))
                self._texts[path] = None
        return self._texts[path]

    def _all_paths(self) -> list[str]:
        if self._paths is None:
            self._paths = list(self.tree.paths())
        return self._paths


_DOCKER_BUILD_VALUED = frozenset({"-f", "--file", "-t", "--tag", "--target", "--build-arg",
                                  "--platform", "--cache-from", "--cache-to", "--secret",
                                  "--ssh", "--label", "--output", "-o", "--network",
                                  "--progress", "--build-context", "--iidfile"})
_COMPOSE_RUN_VALUED = frozenset({"-e", "--env", "-l", "--label", "--name", "-p", "--publish",
                                 "-u", "--user", "-v", "--volume", "-w", "--workdir",
                                 "--entrypoint"})


def _commands(line: str) -> list[list[str]]:
    """The simple commands of a line as words, launchers not yet peeled; the script of
    `sh -c '…'` gives its own commands."""
    found: list[list[str]] = []
    for part in pieces(line):
        raw = words(part)
        inner = shell_c(peel(raw))
        if inner is not None:
            found += [words(piece) for piece in pieces(inner)]
        elif raw:
            found.append(raw)
    return found


def _script_names(head: str, names: list[str]) -> list[str]:
    """The script names a JS package manager command runs (`npm test`, `yarn lint`,
    `pnpm run a b`, `turbo run test`); builtins such as `npm ci` run none."""
    if not names:
        return []
    if head in ("lerna", "turbo") and names[0] == "run":
        return names[1:2]
    if head == "nx":
        if names[0] in ("run-many", "affected"):
            return names[1:2] if len(names) > 1 else []
        return [names[0].rsplit(":", 1)[-1]] if ":" in names[0] else []
    if head == "yarn" and names[:2] in (["workspaces", "run"], ["workspaces", "foreach"]):
        rest = [n for n in names[2:] if n != "run"]
        return rest[:1]
    if names[0] in ("run", "run-script"):
        return names[1:2]
    if names[0] in ("t", "tst"):
        return ["test"]
    if names[0] in ("test", "start", "stop", "restart"):
        return names[:1]
    if head == "npm" or names[0] in _JS_BUILTINS:
        return []
    return names[:1]  # `yarn lint`, `pnpm build`, `bun run` without the word


def _positional(args: list[str], valued: frozenset[str]) -> list[str]:
    found: list[str] = []
    rest = list(args)
    while rest:
        word = rest.pop(0)
        if word.startswith("-"):
            if word in valued and rest:
                rest.pop(0)
            continue
        found.append(word)
    return found


def _tox_placeholders(command: str) -> str:
    """`{envpython} -m pytest {posargs}` -> `python -m pytest`."""
    command = re.sub(r"\{env(?:python|bindir)\}[/\\]?", "python ", command)
    return re.sub(r"\{[^{}]*\}", "", command).strip()


def _join(directory: str | None, path: str) -> str:
    joined = posixpath.normpath(posixpath.join(directory or "", path))
    return "" if joined == "." else joined


def _folder(locator: str) -> str:
    """The folder of the file a locator points into (`ci/run.sh:3` -> `ci`)."""
    return posixpath.dirname(locator.rsplit(":", 1)[0])


def _shell_shebang(text: str) -> bool:
    """Whether a file starts with `#!` naming a POSIX shell (directly or through env)."""
    first = text[:256].split("\n", 1)[0]
    if not first.startswith("#!"):
        return False
    words = first[2:].split()
    names = [w.rsplit("/", 1)[-1] for w in words[:3] if not w.startswith("-")]
    if names[:1] == ["env"]:
        names = names[1:]
    return bool(names) and names[0] in _SHELLS


def _changed(directory: str | None, args: list[str], script_folder: str) -> str | None:
    """The folder after `cd ARGS`: None when it cannot be known (computed, absolute)."""
    target = next((a for a in args if not a.startswith("-")), "")
    if not target or target == "~" or target.startswith("/"):
        return None
    if _REPO_ROOT.match(target):
        return _join("", target[target.index(")") + 1:].lstrip("/"))
    if (target.startswith("$(dirname") and ("$0" in target or "BASH_SOURCE" in target)
            and ")" in target) or target.startswith("${0%/*}"):
        return _join(script_folder, target[target.index(")" if target.startswith("$(") else
                                                        "}") + 1:].lstrip("/"))
    if "$" in target or "`" in target:
        return None
    joined = _join(directory, target)
    return None if joined.startswith("..") else joined
