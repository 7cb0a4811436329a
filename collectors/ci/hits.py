"""Tools recognised in CI jobs: by the catalogue, by a job's or step's plain name, or by
the name of a reusable workflow from another repository; ranked for citing.

Every hit keeps the line that runs the tool and the chain CI reached it through.
Places are cited strongest first: release and main-line jobs before others, and the
repository's own pipeline before tests, examples and fixtures.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from scanner import patterns
from scanner.collectors.ci.model import (
    AFTER_MERGE,
    BEFORE_MERGE,
    COMMAND,
    DEFAULT_BRANCH,
    GITLAB_COMPONENT,
    GITLAB_INCLUDE,
    MANUAL,
    PULL_REQUEST,
    PUSH,
    RELEASE,
    REUSABLE_WORKFLOW,
    SCHEDULE,
    TAG,
    Job,
)
from scanner.collectors.ci.tools import Catalogue, Hit
from scanner.collectors.program_tests import ProgramSuite
from scanner.lazy_patterns import lazy_compile

UNIDENTIFIED = "unidentified"  # a test run seen by its name or its published results
MAX_LABEL = 200  # longer names are not read as names

# Jobs that exercise signing, publishing or deploying as a test (e2e on a kind
# cluster, a throwaway registry) are not evidence of how releases are built.
TEST_JOB = lazy_compile(r"(?i)(^|[-_./ ])(e2e|tests?|testing|kind|smoke|conformance|integration)"
                        r"([-_./ ]|$)")
RELEASE_JOB = lazy_compile(r"(?i)(release|publish|push|build)")  # "Build / Test" is the main job
RELEASE_CATEGORIES = frozenset({"signing", "provenance", "verification", "sbom", "packaging",
                                "deploy"})
E2E_NAME = lazy_compile(r"(?i)(^|[^a-z])(e2e|end[-_ ]?to[-_ ]?end|smoke|acceptance|conformance|"
                        r"system[-_ ]tests?|browser[-_ ]tests?)([^a-z]|$)")
# A step, job, stage or make target that plainly runs tests: "Run tests", "unit-tests",
# "test (3.12)", "Backend tests".
TEST_RUN_NAME = lazy_compile(
    r"(?i)^(?:run|running|execute)?[\s_-]*(?:the[\s_-]+)?(?:[a-z0-9.+#]{1,20}[\s_-]+)?"
    r"(?:unit[\s_-]*|integration[\s_-]*)?tests?(?:[\s_-]+suite)?[\s_-]*(?:\(.{0,80}\))?$")
# CodeQL's older language names, as the languages it analyses today.
CODEQL_ALIASES = {"javascript": "javascript-typescript", "typescript": "javascript-typescript",
                  "c": "c-cpp", "cpp": "c-cpp", "java": "java-kotlin",
                  "kotlin": "java-kotlin"}
# Flags a release script is given so that it builds without publishing.
HELD_BACK = lazy_compile(r"(?i)\s--?(no-push|dry-run|dryrun|no-publish|skip-publish|"
                         r"skip-push|no-upload)(\s|=|$)")
# A job or stage whose whole name says it publishes: "Publish", "release-images".
PUBLISH_NAME = lazy_compile(r"(?i)^(?:publish|release|push)(?:[\s_-]+(?:the[\s_-]+)?"
                            r"(?:images?|artifacts?|packages?|binaries|release|containers?))?$")
INTEGRATION = lazy_compile(r"(?i)(^|[^a-z])(integration|integ|it|api[-_ ]?tests?|functional|"
                           r"component[-_ ]tests?)([^a-z]|$)")
WEAK_PLACE = patterns.own(r"(?i)(^|/)(tests?|testing|testdata|test-data|fixtures?|examples?|"
                          r"samples?|docs?|e2e|hack|__tests__|spec)(/|$)|(^|/)[^/]*test[^/]*\.mk:")
# Reusable workflows and components from other repositories, recognised by their file name
# when their content cannot be read: name words -> category.
WORKFLOW_NAME_HINTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)codeql|code[-_]?scan|sast|semgrep|sonar|static[-_]analysis"), "sast"),
    (re.compile(r"(?i)dependency[-_]review|dependency[-_]scan|osv|snyk|audit|sca\b"), "sca"),
    (re.compile(r"(?i)secret[-_]?scan|gitleaks|trufflehog|secrets?[-_]detect"), "secrets"),
    (re.compile(r"(?i)container[-_]scan|image[-_]scan|trivy|grype"), "container_scan"),
    (re.compile(r"(?i)slsa|provenance|attest"), "provenance"),
    (re.compile(r"(?i)(^|[-_/])sign(ing)?([-_.]|$)|cosign"), "signing"),
    (re.compile(r"(?i)sbom"), "sbom"),
    (re.compile(r"(?i)(^|[-_/])(e2e|smoke|end[-_]to[-_]end)([-_.]|$)"), "e2e"),
    (re.compile(r"(?i)(^|[-_/])(unit[-_])?tests?([-_.]|$)"), "tests"),
    (re.compile(r"(?i)(^|[-_/])deploy"), "deploy"),
    (re.compile(r"(?i)(^|[-_/])(release|publish)"), "packaging"),
    (re.compile(r"(?i)(^|[-_/])lint"), "lint"),
)
# Reusable workflows whose name says they cannot run a build, test or scan tool.
HOUSEKEEPING = lazy_compile(r"(?i)(label|stale|greet|welcome|lock|close|triage|assign|"
                            r"automerge|auto-merge|changelog|release-drafter|backport|"
                            r"notify|slack|comment|cla|issue|pr-automation|first-time|"
                            r"scorecard|semantic-pr|pr-title|conventional|size|rebase)")


def find_hits(jobs: Sequence[Job], catalogue: Catalogue) -> list[Hit]:
    """Every tool the catalogue recognises in the jobs; a named test run of an
    unidentified tool only where the job shows no identified one.  Signing, publishing
    or deploying done by a test job or from a test or example folder (a throwaway key, a
    local registry) is testing those steps, not how releases are made; so is publishing
    from a script told not to (`release.sh --no-push`) and publishing only for pull
    requests (the images CI itself builds on, previews)."""
    hits = [hit for job in jobs for hit in catalogue.match_job(job)
            if not (hit.category in RELEASE_CATEGORIES and
                    (is_a_test_job(job) or _in_weak_place(hit) or _held_back(hit)))
            and not (hit.category == "packaging" and job.triggers == {PULL_REQUEST})]
    identified = {id(h.job) for h in hits if h.category == "tests" and h.tool != UNIDENTIFIED}
    return [h for h in hits if not (h.tool == UNIDENTIFIED and id(h.job) in identified)]


def workflows_only(hits: list[Hit], languages: frozenset[str] | None) -> list[Hit]:
    """CodeQL that finds no product source in a language it reads (a shell project whose
    only JavaScript is a test fixture) analyses only the workflow files: a scan of CI
    configuration, like zizmor, not SAST of the code.  The languages are the ones its init
    step names, else those the files outside tests show."""
    def read(hit: Hit) -> Hit:
        if hit.tool != "codeql" or hit.category != "sast" or hit.job is None:
            return hit
        analysed = _codeql_languages(hit.job, languages)
        if analysed is None or analysed - {"actions"}:
            return hit
        return replace(hit, category="iac_scan",
                       note="CodeQL finds no source outside tests in a language it "
                            "analyses here, so it scans only the workflow files")
    return [read(hit) for hit in hits]


def _codeql_languages(job: Job, present: frozenset[str] | None) -> frozenset[str] | None:
    """What CodeQL analyses in this job; None when that cannot be told."""
    init = next((r for r in job.references
                 if r.value.startswith("github/codeql-action/init")), None)
    named = init.input("languages").strip() if init is not None else ""
    if "${{" in named:
        return None
    if named:
        return frozenset(CODEQL_ALIASES.get(word, word)
                         for word in re.split(r"[\s,'\"\[\]]+", named.lower()) if word)
    return present


def _held_back(hit: Hit) -> bool:
    """A publishing step inside a script the job runs with a dry-run or no-push flag."""
    if not hit.via or hit.job is None:
        return False
    outermost = next((r for r in hit.job.references if r.locator == hit.via[0]
                      and r.kind == COMMAND and not r.via), None)
    return outermost is not None and bool(HELD_BACK.search(outermost.value[:2000]))


def inferred_from_names(jobs: Sequence[Job], catalogue: Catalogue
                        ) -> tuple[list[Hit], list[tuple[str, str]]]:
    """Hits for unknown reusable workflows and components whose name tells what they do,
    and the ones whose content stays unknown (locator, why)."""
    hits: list[Hit] = []
    unknown: list[tuple[str, str]] = []
    for job in jobs:
        for ref in job.references:
            if ref.kind not in (REUSABLE_WORKFLOW, GITLAB_COMPONENT, GITLAB_INCLUDE) or \
                    ref.resolved or catalogue.match_reference(ref):
                continue
            name = posixpath.basename(ref.value.rstrip("/"))
            # A release drafter or a changelog is housekeeping, whatever else its name says.
            categories = [] if HOUSEKEEPING.search(name) else [
                category for pattern, category in WORKFLOW_NAME_HINTS if pattern.search(name)]
            for category in categories:
                hits.append(Hit(f"{name} (reusable)", category, ref.locator, job,
                                note=f"inferred from the name of {ref.value}; its jobs "
                                     "were not read"))
            if not categories and not HOUSEKEEPING.search(name):
                unknown.append((ref.locator, f"{ref.value} (not a known tool; its jobs are "
                                             "not read)"))
    return hits, unknown


def jobs_with(hits: Iterable[Hit], *categories: str) -> set[int]:
    """The identities of the jobs holding a hit of these categories. Jobs are told apart by
    identity (two jobs may be equal field by field), and a set keeps the look-up per job
    constant, so a file of thousands of jobs costs linear time."""
    return {id(h.job) for h in hits if h.job is not None and h.category in categories}


def hits_by_job(hits: Iterable[Hit]) -> dict[int, list[Hit]]:
    """Each job's hits, keyed by the job's identity."""
    grouped: dict[int, list[Hit]] = {}
    for hit in hits:
        if hit.job is not None:
            grouped.setdefault(id(hit.job), []).append(hit)
    return grouped


def e2e_by_name(jobs: Sequence[Job], hits: Sequence[Hit]) -> list[Hit]:
    """Jobs and steps named e2e / smoke / acceptance that run commands are end-to-end tests,
    unless a tool in them is already recognised as one."""
    found: list[Hit] = []
    recognised = jobs_with(hits, "e2e")
    for job in jobs:
        if id(job) in recognised:
            continue
        commands = [r for r in job.references if r.kind == COMMAND]
        if commands and (E2E_NAME.search(job.name[:MAX_LABEL]) or
                         E2E_NAME.search(job.file.rsplit("/", 1)[-1])):
            telling = next((r for r in commands if E2E_NAME.search(r.value[:MAX_LABEL])),
                           commands[0])
            found.append(Hit(f"'{job.name}' job", "e2e", telling.locator, job, (),
                             telling.via))
            continue
        named = next((r for r in commands if r.label and E2E_NAME.search(r.label[:MAX_LABEL])),
                     None)
        if named:
            found.append(Hit(f"'{named.label}' step", "e2e", named.locator, job, (), named.via))
            continue
        # a script CI reaches whose own name says it (scripts/acceptance.sh, e2e.sh)
        script = next((r for r in commands if r.via and E2E_NAME.search(
            posixpath.basename(r.locator.rsplit(":", 1)[0])[:MAX_LABEL])), None)
        if script:
            name = posixpath.basename(script.locator.rsplit(":", 1)[0])
            found.append(Hit(f"'{name}' script", "e2e", script.locator, job, (), script.via))
    return found


def tests_by_name(jobs: Sequence[Job], hits: Sequence[Hit]) -> list[Hit]:
    """A job, stage or step plainly named as a test run that runs commands counts as tests
    of an unidentified tool, where no test tool was recognised in it: absence is never
    claimed where a test run is visible."""
    found: list[Hit] = []
    recognised = jobs_with(hits, "tests")
    for job in jobs:
        if id(job) in recognised:
            continue
        commands = [r for r in job.references if r.kind == COMMAND and not r.via]
        if not commands:
            continue
        named = next((r for r in commands if _plain_test_name(r.label)), None)
        if named is None and (_plain_test_name(job.name.rsplit("/", 1)[-1])
                              or _plain_test_name(job.stage or "")):
            named = commands[0]
        if named is not None:
            found.append(Hit(UNIDENTIFIED, "tests", named.locator, job,
                             note="a test run recognised by its name"))
    return found


def publishing_by_name(jobs: Sequence[Job], hits: Sequence[Hit]) -> list[Hit]:
    """A job or stage plainly named for publishing ("Publish", "Release images") that runs
    commands only for tags or releases publishes what it builds, whatever tool or script
    does it: `docker buildx bake` whose `--push` hides in a variable is still a release."""
    found: list[Hit] = []
    recognised = jobs_with(hits, "packaging", "deploy")
    for job in jobs:
        if not job.triggers & {TAG, RELEASE} or job.triggers - {TAG, RELEASE, MANUAL} or \
                id(job) in recognised:
            continue
        commands = [r for r in job.references if r.kind == COMMAND and not r.via]
        named = any(PUBLISH_NAME.match(name[:MAX_LABEL].strip())
                    for name in (job.name.rsplit("/", 1)[-1], job.stage or "") if name)
        if commands and named:
            found.append(Hit(UNIDENTIFIED, "packaging", commands[0].locator, job,
                             note="a publishing step recognised by its name and its "
                                  "tag or release trigger"))
    return found


def suites_run(hits: Sequence[Hit], suites: Sequence[ProgramSuite]) -> list[Hit]:
    """Where CI runs a test tool whose suite the files show exercising the built program
    or real containers (`cargo test` over tests/*.rs that start the binary), that run is
    also those tests."""
    found: list[Hit] = []
    for suite in suites:
        category = "e2e" if suite.regime == "e2e" else "tests"
        found += [Hit(suite.name, category, hit.locator, hit.job, via=hit.via,
                      note=f"{hit.tool} runs them (see {suite.locator})", regime=suite.regime)
                  for hit in hits if hit.category == "tests" and hit.tool in suite.runners]
    return found


def _plain_test_name(label: str) -> bool:
    return bool(label) and len(label) <= MAX_LABEL and bool(TEST_RUN_NAME.match(label.strip()))


_DRAFT_RELEASE = lazy_compile(r"\b(gh\s+release\s+create|hub\s+release\s+create)\b.*\s--draft\b")
_DRAFT_ACTIONS = ("softprops/action-gh-release", "ncipollo/release-action")


def drafted(jobs: Sequence[Job]) -> frozenset[str]:
    """Files whose jobs publish into a draft release: a person publishes it after them, so
    what they upload does not reach users automatically."""
    found: set[str] = set()
    for job in jobs:
        for ref in job.references:
            if (ref.kind == COMMAND and _DRAFT_RELEASE.search(ref.value[:2000])) or (
                    ref.value.startswith(_DRAFT_ACTIONS) and
                    ref.input("draft").strip().lower() == "true") or (
                    # Release Drafter keeps the next release as a draft unless told to publish
                    ref.value.startswith("release-drafter/release-drafter") and
                    ref.input("publish").strip().lower() != "true"):
                found.add(job.file)
    return frozenset(found)


def is_a_test_job(job: Job) -> bool:
    name = job.name if TEST_JOB.search(job.name[:MAX_LABEL]) else job.file.rsplit("/", 1)[-1]
    return bool(TEST_JOB.search(name[:MAX_LABEL])) and not RELEASE_JOB.search(job.name)


# --- citing ------------------------------------------------------------------------------

def _in_weak_place(hit: Hit) -> bool:
    return any(WEAK_PLACE.search(place[:500]) for place in (*hit.via, hit.locator)
               if not place.startswith((".github/", ".gitlab", ".circleci/", "Jenkinsfile")))


def strength(hit: Hit) -> tuple[int, int, int]:
    """Lower is stronger: the repository's own pipeline before tests, examples and
    fixtures; for release work, jobs that run on tags, releases or the main line first;
    shorter chains first."""
    weak_place = any(WEAK_PLACE.search(place[:500]) for place in (*hit.via, hit.locator))
    triggers = hit.job.triggers if hit.job else frozenset()
    releasing = bool(triggers & {TAG, RELEASE, DEFAULT_BRANCH})
    if hit.category in RELEASE_CATEGORIES:
        timing = 0 if releasing else 1
    else:
        timing = 0 if triggers & (BEFORE_MERGE | AFTER_MERGE) else 1
    return int(weak_place), timing, len(hit.via)


def places(hits: Iterable[Hit]) -> list[str]:
    """Where to check the hits, strongest first: the strongest place of each tool, then
    the other places in order of strength."""
    ordered = sorted(hits, key=strength)
    first: dict[str, str] = {}
    by_file: dict[str, str] = {}
    for hit in ordered:
        first.setdefault(hit.tool, hit.trail)
        by_file.setdefault(hit.trail.split(":", 1)[0], hit.trail)
    return list(dict.fromkeys([*first.values(), *by_file.values(),
                               *(hit.trail for hit in ordered)]))


# --- test regimes and the points they run at --------------------------------------------

REGIMES = ("unit", "integration", "e2e", "performance", "contract")
# Test tools that always work against real systems (infrastructure applied in a test account).
INTEGRATION_TOOLS = frozenset({"infrastructure-tests"})
POINTS = ("change", "merge", "release", "schedule")


def test_regimes(hits: Sequence[Hit]) -> dict[str, list[Hit]]:
    """Kinds of automated tests, each with the hits that show it."""
    found: dict[str, list[Hit]] = {}
    for hit in hits:
        regime = _regime(hit)
        if regime:
            found.setdefault(regime, []).append(hit)
    return {regime: found[regime] for regime in REGIMES if regime in found}


def _regime(hit: Hit) -> str | None:
    if hit.regime:
        return hit.regime
    if hit.tool in INTEGRATION_TOOLS:
        return "integration"
    if hit.category == "load_test":
        return "performance"
    if hit.category == "e2e":
        return "contract" if "pact" in hit.tool.lower() else "e2e"
    if hit.category != "tests":
        return None
    job_names = [hit.job.name, hit.job.stage or ""] if hit.job else []
    named = " ".join([hit.locator, *hit.via, *job_names, *_labels_at(hit)])
    return "integration" if INTEGRATION.search(named[:2000]) else "unit"


def _labels_at(hit: Hit) -> list[str]:
    if hit.job is None:
        return []
    return [f"{r.label} {r.value}"[:MAX_LABEL] for r in hit.job.references
            if r.locator == hit.locator and r.kind == COMMAND]


def test_points(hits: Sequence[Hit], deploy_jobs: Sequence[Job]) -> dict[str, list[Hit]]:
    """Points of the lifecycle where tests run automatically: on a change before merge,
    after merge on the main line, on a release or with a deployment, on a schedule."""
    deploying = {id(job) for job in deploy_jobs}
    found: dict[str, list[Hit]] = {}
    for hit in hits:
        if hit.category not in ("tests", "e2e", "load_test") or hit.job is None:
            continue
        triggers = hit.job.triggers
        points = {"change"} if triggers & BEFORE_MERGE else set()
        points |= {"merge"} if triggers & {DEFAULT_BRANCH} else set()
        # A release point is deliberate: a job run for tags or releases only (not every
        # push, which includes tags), or one that deploys.
        release_only = bool(triggers & {TAG, RELEASE}) and not triggers & {PUSH}
        points |= {"release"} if release_only or id(hit.job) in deploying else set()
        points |= {"schedule"} if SCHEDULE in triggers else set()
        for point in points:
            found.setdefault(point, []).append(hit)
    return {point: found[point] for point in POINTS if point in found}
