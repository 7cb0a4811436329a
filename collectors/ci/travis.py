"""Travis CI (`.travis.yml`) -> jobs.

A build runs the root job matrix (when the root sets a matrix dimension such as
`python:`, `node_js:` or a list of `env:` rows, or when there is no
`jobs.include`) and every `jobs.include` (alias `matrix.include`) entry; each
becomes one job whose phases (`before_install`, `install`, `before_script`,
`script`, `after_success`, `after_failure`, `after_script`) are its command
references.  An entry inherits the root phases it does not set.  The matrix is
not expanded: rows differ by versions and variables, not by what they run.
Where a job sets no `script`, the language's default script (`npm test` for
Node.js, `bundle exec rake` for Ruby, ...) is what Travis runs, and it is read
as a command at the `language:` line.

Each `deploy:` provider becomes a job of its own (`travis-deploy/<provider>`
named step, the `script` provider's commands, `before_deploy` /
`after_deploy`), needing the job it runs in.  Its environment is an
environment word in the deploy branch or the provider's app / environment
setting (`app: api-staging` -> staging).

Triggers: Travis builds branch pushes, pull requests and tags unless
`branches: only / except` or a build-level `if:` narrows that; stage and job
`if:` conditions narrow further.  Cron builds are set up in Travis's settings,
not in the file, so a job counts as scheduled only when a condition names
`type = cron`.  A deploy runs on the default branch unless `on:` says
otherwise (`branch`, `all_branches`, `tags: true`), and never for pull
requests.
"""

from __future__ import annotations

import re
from typing import Any

from scanner import patterns
from scanner.collectors.ci import conditions
from scanner.collectors.ci.conditions import Admits
from scanner.collectors.ci.model import (
    COMMAND,
    DEFAULT_BRANCH,
    NAMED_STEP,
    OTHER,
    PULL_REQUEST,
    PUSH,
    SCHEDULE,
    TAG,
    Job,
    ParseResult,
    Reference,
    read_yaml,
    scalar_text,
)
from scanner.collectors.ci.shapes import (
    Budget,
    as_list,
    branch_admits,
    branch_reach,
    commands,
    cut,
    environment_word,
    list_commands,
    main_line,
    scalar,
    texts,
)
from scanner.collectors.tree import RepoTree
from scanner.lazy_patterns import lazy_compile
from scanner.yaml_source import LineDict, LineList, stamp_file

SYSTEM = "travis"
CONFIG_FILES = (".travis.yml", ".travis.yaml")
DEPLOY_PREFIX = "travis-deploy/"
MAX_JOBS = 500
PHASES = ("before_install", "install", "before_script", "script", "before_cache",
          "after_success", "after_failure", "after_script")
USUAL = frozenset({PUSH, DEFAULT_BRANCH, PULL_REQUEST, TAG})
EVERYTHING = USUAL | {SCHEDULE, OTHER}
ON_MAIN_LINE = frozenset({DEFAULT_BRANCH})
# Root keys that expand into the root job matrix (beside `env` rows).
MATRIX_KEYS = frozenset({
    "os", "arch", "dist", "osx_image", "compiler", "jdk", "python", "node_js", "rvm",
    "ruby", "go", "php", "scala", "perl", "otp_release", "elixir", "rust", "julia", "r",
    "ghc", "haxe", "dart", "crystal", "d", "dotnet", "mono", "gemfile", "xcode_sdk",
    "xcode_scheme", "smalltalk", "lein", "nix", "solution",
})
DEFAULT_SCRIPTS = {
    "node_js": "npm test", "ruby": "bundle exec rake", "go": "go test -v ./...",
    "rust": "cargo test --verbose", "php": "phpunit", "scala": "sbt test",
    "clojure": "lein test", "elixir": "mix test", "haskell": "cabal test",
    "perl": "make test", "r": "R CMD check", "crystal": "crystal spec",
    "c": "make test", "cpp": "make test", "android": "./gradlew build connectedCheck",
}
SECRET_SETTING = lazy_compile(r"(?i)(key|token|password|secret|secure|credential)")
_TERM = lazy_compile(r"(?i)^(?P<lhs>[\w.()]+)\s*(?P<op>==|=~|!=|!~|=|is\s+not|is|not\s+in|in)"
                     r"\s*(?P<rhs>.*)$")
_EVENTS = {"push": frozenset({PUSH, DEFAULT_BRANCH, TAG}),
           "pull_request": frozenset({PULL_REQUEST}),
           "cron": frozenset({SCHEDULE}), "api": frozenset({OTHER})}


def _values(op: str, rhs: str) -> list[str]:
    if op.endswith("in"):
        return [conditions.unquote(v) for v in rhs.strip().strip("()").split(",") if v.strip()]
    return [conditions.unquote(rhs)]


def travis_atom(term: str) -> Admits | None:
    """What one Travis condition term says about the triggers."""
    match = _TERM.match(term.strip())
    if not match:
        return None
    lhs = match["lhs"].lower()
    op = " ".join(match["op"].lower().split())
    negated = op in ("!=", "!~", "not in", "is not")
    values = _values(op, match["rhs"])
    admits: Admits | None = None
    if lhs in ("type", "travis_event_type", "event_type"):
        if op in ("=~", "!~"):
            pattern = patterns.compiled_or_none(values[0][:200])
            events = [event for event in _EVENTS if pattern and pattern.search(event)]
        else:
            events = [value.lower() for value in values]
        chosen = frozenset().union(*(_EVENTS.get(e, frozenset()) for e in events))
        admits = Admits(chosen, chosen, chosen)
    elif lhs in ("branch", "travis_branch"):  # a pull request's base; a tag build's tag
        admits = branch_admits(values, op in ("=~", "!~"),
                               always=frozenset({PULL_REQUEST, SCHEDULE, OTHER}),
                               main=frozenset({DEFAULT_BRANCH}), other=frozenset({PUSH}))
    elif lhs in ("tag", "travis_tag") and op.startswith("is"):  # tag IS [NOT] present / blank
        state = values[0].lower()
        if state not in ("present", "blank"):
            return None
        tagged = Admits(frozenset({TAG}), frozenset({TAG}))
        return tagged if (state == "present") != negated else tagged.negated(EVERYTHING)
    elif lhs in ("tag", "travis_tag"):
        admits = Admits(frozenset({TAG}))
    elif lhs == "travis_pull_request" and values[0].lower() == "false":
        # `$TRAVIS_PULL_REQUEST` is "false" except on pull requests: != false means a PR
        admits = Admits(frozenset({PULL_REQUEST}), frozenset({PULL_REQUEST})).negated(EVERYTHING)
    if admits is None:
        return None
    return admits.negated(EVERYTHING) if negated else admits


def narrowed(condition: Any, current: frozenset[str]) -> frozenset[str]:
    """`current` narrowed by an `if:` condition (read as Travis conditions v1)."""
    if not isinstance(condition, str) or not condition.strip():
        return current
    return conditions.admitted(condition, travis_atom, EVERYTHING, current, words=True)


def branch_filter(branches: Any) -> frozenset[str]:
    """What `branches: only / except` (or a bare list, meaning only) lets build."""
    if isinstance(branches, list):
        branches = {"only": branches}
    if not isinstance(branches, dict):
        return USUAL
    reach = branch_reach(texts(branches.get("only")), texts(branches.get("except")))
    admitted = {DEFAULT_BRANCH, PULL_REQUEST} if reach.main else set()
    admitted |= {PUSH} if reach.other else set()
    admitted |= {TAG} if reach.tags else set()
    return frozenset(admitted)


def deploy_triggers(on: Any) -> frozenset[str]:
    """When a deploy provider runs, by its `on:` conditions (pull requests never deploy)."""
    if isinstance(on, str):
        on = {"branch": on}
    if not isinstance(on, dict):
        return ON_MAIN_LINE
    if on.get("tags") is True:
        return frozenset({TAG})
    if on.get("all_branches") is True:
        admitted = {PUSH, DEFAULT_BRANCH}
    elif "branch" in on:
        reach = branch_reach(texts(on.get("branch")))
        admitted = ({DEFAULT_BRANCH} if reach.main else set()) | ({PUSH} if reach.other else set())
    else:
        admitted = {DEFAULT_BRANCH}
    condition = scalar_text(on.get("condition"))
    if "TRAVIS_TAG" in condition and not re.search(r"-z\s+\"?\$TRAVIS_TAG", condition):
        return frozenset({TAG})
    branch = re.search(r"\$TRAVIS_BRANCH\"?\s*(?:==?|=~)\s*\"?\^?([\w./-]+)", condition)
    if branch:
        admitted &= {DEFAULT_BRANCH} if main_line(branch[1]) else {PUSH}
    return frozenset(admitted)


class _Reader:
    def __init__(self, tree: RepoTree, path: str, data: LineDict, result: ParseResult) -> None:
        self.tree = tree
        self.path = path
        self.data = data
        self.result = result
        self.budget = Budget(path, result)
        self.build = narrowed(data.get("if"), frozenset(branch_filter(data.get("branches"))
                                                        & USUAL))
        self.stage_conditions: dict[str, Any] = {}
        for stage in as_list(data.get("stages")):
            if isinstance(stage, dict) and scalar(stage.get("name")):
                self.stage_conditions[scalar(stage["name"]).lower()] = stage.get("if")

    def jobs(self) -> list[Job]:
        section = self.data.get("jobs", self.data.get("matrix"))
        include = section.get("include") if isinstance(section, LineDict) else None
        entries = include if isinstance(include, LineList) else LineList()
        found: list[Job] = []
        if not entries or any(key in self.data for key in MATRIX_KEYS) or _env_rows(self.data):
            found += self.job("build", "test", self.data,
                              self.data.locate(self._anchor(self.data)), root=True)
        stage = "test"
        for index, entry in enumerate(cut(entries, MAX_JOBS, entries.locate(MAX_JOBS),
                                          "jobs in jobs.include", self.result)):
            if not isinstance(entry, LineDict):
                self.result.notes.append((entries.locate(index), "matrix entry is not a mapping; "
                                          "skipped"))
                continue
            stage = scalar(entry.get("stage")) or stage
            name = scalar(entry.get("name")) or f"job {index + 1} ({stage})"
            found += self.job(name, stage, entry, entries.locate(index), root=False)
        return found

    def _anchor(self, container: LineDict) -> str:
        return next((k for k in ("language", *PHASES, "deploy") if k in container),
                    next(iter(container), ""))

    def job(self, name: str, stage: str, entry: LineDict, where: str, *,
            root: bool) -> list[Job]:
        """The job an entry (or the root matrix) runs, and its deploy providers."""
        if self.budget.spent:
            return []
        triggers = narrowed(self.stage_conditions.get(stage.lower()), self.build)
        if not root:  # the root's own `if:` is the build's condition, already applied
            triggers = narrowed(entry.get("if"), triggers)
        references: list[Reference] = []
        for phase in PHASES:
            container = entry if phase in entry else self.data
            references += _phase(container, phase)
        if "script" not in entry and "script" not in self.data:
            references += self.default_script(entry)
        jobs = [Job(SYSTEM, self.path, name, where, triggers, self.budget.take(references),
                    stage=stage,
                    variables=_variables(entry if "env" in entry else self.data))]
        container = entry if "deploy" in entry else self.data
        deploy = container.get("deploy")
        providers: list[tuple[Any, str]] = [(deploy, container.locate("deploy"))]
        if isinstance(deploy, LineList):
            providers = [(item, deploy.locate(index)) for index, item in enumerate(deploy)]
        jobs += [self.deploy(name, stage, entry, provider, where=at, triggers=triggers)
                 for provider, at in providers if isinstance(provider, LineDict)]
        return jobs

    def default_script(self, entry: LineDict) -> list[Reference]:
        container = entry if "language" in entry else self.data
        language = scalar(container.get("language")).lower() or "ruby"  # Travis's default
        script = DEFAULT_SCRIPTS.get(language)
        if language in ("java", "jvm"):
            script = "./gradlew check" if self.tree.has("gradlew") else \
                "gradle check" if self.tree.has("build.gradle") else \
                "mvn test -B" if self.tree.has("pom.xml") else "ant test"
        elif language == "go" and self.tree.has("Makefile"):
            script = "make"
        elif language == "node_js" and self.tree.has("yarn.lock"):
            script = "yarn test"
        if not script:
            return []
        return [Reference(COMMAND, script, container.locate("language"),
                          label=f"default script for {language}")]

    def deploy(self, job_name: str, stage: str, entry: LineDict, provider: LineDict, *,
               where: str, triggers: frozenset[str]) -> Job:
        name = scalar(provider.get("provider")).lower() or "script"
        references: list[Reference] = []
        references += _phase(entry if "before_deploy" in entry else self.data, "before_deploy")
        settings = tuple((str(k), scalar_text(v)) for k, v in provider.items()
                         if not isinstance(v, dict | list) and not SECRET_SETTING.search(str(k)))
        references.append(Reference(NAMED_STEP, DEPLOY_PREFIX + name, where, settings))
        if name == "script":
            references += commands(provider, "script", label="deploy script")
        references += _phase(entry if "after_deploy" in entry else self.data, "after_deploy")
        on = provider.get("on")
        branch = texts(on.get("branch")) if isinstance(on, dict) else [scalar_text(on)]
        environment = environment_word(*[scalar_text(provider.get(k)) for k in
                                         ("environment", "env", "app", "space", "project")],
                                       *branch)
        admitted = (triggers & deploy_triggers(on)) - {PULL_REQUEST}
        return Job(SYSTEM, self.path, f"{job_name} deploy ({name})", where, frozenset(admitted),
                   self.budget.take(references), environment=environment, stage=stage,
                   needs=(job_name,))


def _phase(container: LineDict, phase: str) -> list[Reference]:
    value = container.get(phase)
    if isinstance(value, str) and value.strip() in ("skip", "true", ":"):
        return []
    if isinstance(value, LineList):
        return [ref for ref in list_commands(value, label=phase)
                if ref.value not in ("skip", "true")]
    return commands(container, phase, label=phase)


def _env_rows(data: LineDict) -> bool:
    env = data.get("env")
    return isinstance(env, list) or (isinstance(env, dict) and ("jobs" in env or "matrix" in env))


def _variables(container: LineDict) -> tuple[tuple[str, str], ...]:
    env = container.get("env")
    rows = env.get("global") if isinstance(env, dict) else env
    found: list[tuple[str, str]] = []
    for row in as_list(rows):
        if isinstance(row, str):
            for assignment in row.split():
                key, equals, value = assignment.partition("=")
                if equals:
                    found.append((key, value.strip("\"'")))
        elif isinstance(row, dict) and "secure" not in row:
            found += [(str(k), scalar_text(v)) for k, v in row.items()
                      if not isinstance(v, dict | list)]
    return tuple(found)


def parse(tree: RepoTree) -> ParseResult:
    result = ParseResult(SYSTEM)
    path = next((p for p in CONFIG_FILES if tree.has(p)), None)
    if path is None:
        return result
    read, data = read_yaml(tree, path, result)
    if not read:
        return result
    if data is None:  # Travis runs its default (Ruby) build for an empty file
        data = LineDict()
        data.line = 1
    if not isinstance(data, LineDict):
        result.unreadable.append((path, "not a Travis CI configuration: not a mapping"))
        return result
    result.files.append(path)
    stamp_file(data, path)
    for item in as_list(data.get("import")):
        source = scalar_text(item.get("source")) if isinstance(item, dict) else scalar_text(item)
        if source:
            result.external.append((data.locate("import"), f"imported configuration {source}"))
    try:
        result.jobs += _Reader(tree, path, data, result).jobs()
    except RecursionError:
        result.unreadable.append((path, "nesting too deep"))
    return result
