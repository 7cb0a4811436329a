"""The plugins a Maven build run by CI executes: signing, SBOMs, dependency and static
security checks, coverage, bound in the POMs to the phases the CI command reaches.

A plugin runs in `mvn verify` when an execution of it, in `<build><plugins>` of a POM
of the reactor or of a profile the command activates, is bound to a phase up to
`verify` (its own `<phase>`, or the goal's default phase); `mvn spotbugs:check` runs the
goal directly with the POM's configuration.  An execution can be switched off
(`<skip>true</skip>`, `-Dgpg.skip`), and a profile is active only when the command
activates it (`-P`, a property it names, `activeByDefault` when no other profile of its
POM is on, the release profiles of `mvn release:perform`).  A profile no CI command
activates is a build run elsewhere, by hand: see `release_signing` for that.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from scanner.collectors.ci.configured import pom
from scanner.collectors.ci.configured.context import Context, chained, commands, in_directory
from scanner.collectors.ci.model import ACTION, CONFIGURED, Job, Reference
from scanner.collectors.ci.resolve.words import words
from scanner.lazy_patterns import lazy_compile

MAVEN = frozenset({"mvn", "mvnw", "mvn.cmd", "mvnw.cmd", "mvnd"})
AZURE_TASK = "azure-task/maven"
MAX_POMS = 300
LIFECYCLES = (
    ("validate", "initialize", "generate-sources", "process-sources", "generate-resources",
     "process-resources", "compile", "process-classes", "generate-test-sources",
     "process-test-sources", "generate-test-resources", "process-test-resources",
     "test-compile", "process-test-classes", "test", "prepare-package", "package",
     "pre-integration-test", "integration-test", "post-integration-test", "verify",
     "install", "deploy"),
    ("pre-clean", "clean", "post-clean"),
    ("pre-site", "site", "post-site", "site-deploy"),
)
#: The phase each goal of a recognised plugin binds to when an execution names none.
DEFAULT_PHASES: dict[tuple[str, str], str] = {
    ("maven-gpg-plugin", "sign"): "verify",
    ("maven-jarsigner-plugin", "sign"): "package",
    ("maven-jarsigner-plugin", "verify"): "verify",
    ("pgpverify-maven-plugin", "check"): "validate",
    ("jacoco-maven-plugin", "prepare-agent"): "initialize",
    ("jacoco-maven-plugin", "prepare-agent-integration"): "pre-integration-test",
    ("jacoco-maven-plugin", "report"): "verify",
    ("jacoco-maven-plugin", "report-integration"): "verify",
    ("jacoco-maven-plugin", "report-aggregate"): "verify",
    ("jacoco-maven-plugin", "check"): "verify",
    ("dependency-check-maven", "check"): "verify",
    ("dependency-check-maven", "aggregate"): "verify",
    ("spotbugs-maven-plugin", "check"): "verify",
    ("cyclonedx-maven-plugin", "makeBom"): "package",
    ("cyclonedx-maven-plugin", "makeAggregateBom"): "package",
    ("cyclonedx-maven-plugin", "makePackageBom"): "package",
}
RECOGNISED = frozenset(artifact for artifact, _ in DEFAULT_PHASES)
PREFIXES = {"gpg": "maven-gpg-plugin", "jarsigner": "maven-jarsigner-plugin",
            "pgpverify": "pgpverify-maven-plugin", "jacoco": "jacoco-maven-plugin",
            "dependency-check": "dependency-check-maven", "spotbugs": "spotbugs-maven-plugin",
            "cyclonedx": "cyclonedx-maven-plugin"}
SKIP_PROPERTIES = {"maven-gpg-plugin": "gpg.skip", "jacoco-maven-plugin": "jacoco.skip",
                   "spotbugs-maven-plugin": "spotbugs.skip",
                   "dependency-check-maven": "dependency-check.skip",
                   "cyclonedx-maven-plugin": "cyclonedx.skip",
                   "maven-jarsigner-plugin": "jarsigner.skip"}
NEEDS_TESTS = frozenset({"jacoco-maven-plugin"})  # measures nothing when tests are skipped
TEST_SKIPS = ("skipTests", "maven.test.skip")
#: Analysers that run inside another plugin (SpotBugs' plugins).
INNER = {"spotbugs-maven-plugin": frozenset({"findsecbugs-plugin"})}
# Options of `mvn` that take a value as the next word.
VALUED = frozenset({"-P", "--activate-profiles", "-D", "--define", "-f", "--file", "-pl",
                    "--projects", "-rf", "--resume-from", "-s", "--settings", "-gs",
                    "--global-settings", "-t", "--toolchains", "-T", "--threads", "-b",
                    "--builder", "-l", "--log-file"})
_PROPERTY = lazy_compile(r"^\$\{([^}]{1,200})\}$")


@dataclass(frozen=True)
class Run:
    """One `mvn` command: where, what it reaches, which profiles and properties."""

    pom: str
    phases: frozenset[str]
    goals: tuple[tuple[str, str], ...]  # (plugin artifact, goal) invoked directly
    profiles_on: frozenset[str]
    profiles_off: frozenset[str]
    properties: dict[str, str]
    recursive: bool = True
    releasing: bool = False  # `release:perform`

    def reaches(self, phase: str) -> bool:
        for lifecycle in LIFECYCLES:
            if phase in lifecycle:
                index = lifecycle.index(phase)
                return any(p in lifecycle and lifecycle.index(p) >= index for p in self.phases)
        return False


@dataclass
class Plugin:
    artifact: str
    locator: str
    executions: list[tuple[str, tuple[str, ...], str]]  # (phase, goals, skip)
    skip: str
    inner: list[tuple[str, str]] = field(default_factory=list)  # (artifact, locator)


def plugins(context: Context, job: Job, reference: Reference,
            tools: frozenset[str]) -> list[Reference]:
    found: list[Reference] = []
    for run in _runs(reference):
        found += _running(context, run, reference)
    return found


# --- the command -------------------------------------------------------------------------

def _runs(reference: Reference) -> Iterator[Run]:
    if reference.kind == ACTION and reference.value == AZURE_TASK:
        pom_file = reference.input("mavenPomFile") or reference.input("mavenPOMFile")
        args = [*words(reference.input("goals") or "package"), *words(reference.input("options"))]
        if pom_file:
            args += ["-f", pom_file]
        yield _run(args, "")
        return
    if "mvn" not in reference.value:
        return
    for directory, command in commands(reference):
        if command[0].rsplit("/", 1)[-1] in MAVEN:
            yield _run(command[1:], directory)


def _run(args: list[str], directory: str) -> Run:
    phases: set[str] = set()
    goals: list[tuple[str, str]] = []
    on: set[str] = set()
    off: set[str] = set()
    properties: dict[str, str] = {}
    pom_path = "pom.xml"
    recursive, releasing = True, False
    for option, value in _options(args):
        if option in ("-P", "--activate-profiles"):
            for raw in value.split(","):
                name = raw.strip()
                if name[:1] in ("!", "-"):
                    off.add(name[1:])
                elif name.lstrip("+"):
                    on.add(name.lstrip("+"))
        elif option in ("-D", "--define"):
            key, _, val = value.partition("=")
            properties[key] = val if "=" in value else "true"
        elif option in ("-f", "--file"):
            pom_path = value if value.endswith(".xml") else posixpath.join(value, "pom.xml")
        elif option in ("-N", "--non-recursive"):
            recursive = False
        elif option == "":
            if value in (p for lifecycle in LIFECYCLES for p in lifecycle):
                phases.add(value)
            elif ":" in value:
                parts = value.split(":")
                artifact = PREFIXES.get(parts[0], parts[1] if len(parts) >= 3 else parts[0])
                goals.append((artifact, parts[-1].split("@", 1)[0]))
                releasing |= parts[0] == "release" and parts[-1] == "perform"
    full = in_directory(directory, pom_path)
    return Run(full or "pom.xml", frozenset(phases), tuple(goals), frozenset(on),
               frozenset(off), properties, recursive, releasing)


def _options(args: list[str]) -> Iterator[tuple[str, str]]:
    """(option, value) pairs; ("", word) for a phase or goal; `-Pa,b`, `-Dx=y` split."""
    pending = ""
    for arg in args:
        if pending:
            yield pending, arg
            pending = ""
        elif arg.startswith("--") and "=" in arg:
            option, _, value = arg.partition("=")
            yield option, value
        elif arg in VALUED:
            pending = arg
        elif arg[:2] in ("-P", "-D") and len(arg) > 2:
            yield arg[:2], arg[2:]
        elif arg.startswith("-"):
            yield arg, ""
        else:
            yield "", arg


# --- the POMs ------------------------------------------------------------------------------

def _read(context: Context, path: str) -> pom.Element | None:
    project = context.parsed(path, "a Maven POM", pom.parse)
    return project if isinstance(project, pom.Element) else None


def _reactor(context: Context, root: str, run: Run) -> list[tuple[str, pom.Element]]:
    """The POMs a build from `root` reads: the root and its modules, recursively."""
    found: list[tuple[str, pom.Element]] = []
    pending, seen = [root], set()
    while pending and len(found) < MAX_POMS:
        path = pending.pop(0)
        if path in seen:
            continue
        seen.add(path)
        project = _read(context, path)
        if project is None:
            continue
        found.append((path, project))
        if not run.recursive:
            break
        folder = posixpath.dirname(path)
        holders = [project, *_active_profiles(project, run, {})]
        for holder in holders:
            for module in holder.all("modules", "module"):
                target = in_directory(folder, module.text.strip())
                if target is not None:
                    pending.append(target if target.endswith(".xml")
                                   else posixpath.join(target, "pom.xml"))
    return found


def _properties(reactor: Sequence[tuple[str, pom.Element]], run: Run) -> dict[str, str]:
    """Properties the POMs define (the root's winning), then the command's `-D`."""
    found: dict[str, str] = {}
    for _, project in reversed(reactor):
        for holder in [project, *_active_profiles(project, run, {})]:
            for properties in holder.all("properties"):
                found.update({p.tag: p.text.strip() for p in properties.children})
    return {**found, **run.properties}


def _active_profiles(project: pom.Element, run: Run,
                     release_profiles: dict[str, bool]) -> list[pom.Element]:
    """The profiles of one POM the command activates."""
    profiles = project.all("profiles", "profile")
    active = [p for p in profiles if _activated(p, run, release_profiles)]
    if not active:
        active = [p for p in profiles if p.value("activation", "activeByDefault") == "true"
                  and p.value("id") not in run.profiles_off]
    return active


def _activated(profile: pom.Element, run: Run, release_profiles: dict[str, bool]) -> bool:
    name = profile.value("id")
    if name in run.profiles_off:
        return False
    if name in run.profiles_on or (run.releasing and name in release_profiles):
        return True
    wanted = profile.value("activation", "property", "name")
    if not wanted:
        return False
    expected = profile.value("activation", "property", "value")
    if wanted.startswith("!"):
        return wanted[1:] not in run.properties
    if wanted not in run.properties:
        return False
    if not expected:
        return True
    if expected.startswith("!"):
        return run.properties[wanted] != expected[1:]
    return run.properties[wanted] == expected


def _release_profiles(reactor: Sequence[tuple[str, pom.Element]]) -> dict[str, bool]:
    """The profiles `mvn release:perform` turns on (maven-release-plugin's
    `releaseProfiles`)."""
    names: dict[str, bool] = {}
    for _, project in reactor:
        for holder in (*project.all("build", "plugins", "plugin"),
                       *project.all("build", "pluginManagement", "plugins", "plugin")):
            if holder.value("artifactId") == "maven-release-plugin":
                value = holder.value("configuration", "releaseProfiles")
                names.update({n.strip(): True for n in value.split(",") if n.strip()})
    return names


def _declared(path: str, holder: pom.Element, *where: str) -> list[Plugin]:
    found = []
    for element in holder.all(*where):
        artifact = element.value("artifactId")
        if artifact not in RECOGNISED:
            continue
        line = (element.child("artifactId") or element).line
        executions = [(e.value("phase"), tuple(g.text.strip() for g in e.all("goals", "goal")),
                       e.value("configuration", "skip")) for e in element.all("executions",
                                                                             "execution")]
        inner = [(p.value("artifactId"), f"{path}:{(p.child('artifactId') or p).line}")
                 for p in element.all("configuration", "plugins", "plugin")
                 if p.value("artifactId") in INNER.get(artifact, ())]
        found.append(Plugin(artifact, f"{path}:{line}", executions,
                            element.value("configuration", "skip"), inner))
    return found


def _running(context: Context, run: Run, reference: Reference) -> list[Reference]:
    reactor = _reactor(context, run.pom, run)
    if not reactor:
        return []
    releases = _release_profiles(reactor) if run.releasing else {}
    if run.releasing:
        run = Run(run.pom, run.phases | {"deploy"}, run.goals, run.profiles_on,
                  run.profiles_off, run.properties, run.recursive, True)
    properties = _properties(reactor, run)
    managed: dict[str, Plugin] = {}
    used: list[Plugin] = []
    for path, project in reactor:
        holders = [project, *_active_profiles(project, run, releases)]
        for holder in holders:
            for plugin in _declared(path, holder, "build", "pluginManagement", "plugins",
                                    "plugin"):
                managed.setdefault(plugin.artifact, plugin)
            used += _declared(path, holder, "build", "plugins", "plugin")
    invoked = {artifact for artifact, _ in run.goals}
    used += [plugin for artifact, plugin in managed.items()
             if artifact in invoked and not any(p.artifact == artifact for p in used)]
    found: list[Reference] = []
    for plugin in used:
        base = managed.get(plugin.artifact)
        executions = plugin.executions or (base.executions if base else [])
        inner = plugin.inner or (base.inner if base else [])
        skip = plugin.skip or (base.skip if base else "")
        for goal in _goals_run(plugin.artifact, executions, skip, run, properties):
            found.append(_reference(plugin.artifact, goal, plugin.locator, reference))
            found += [_reference(name, goal, where, reference) for name, where in inner]
    return found


def _goals_run(artifact: str, executions: list[tuple[str, tuple[str, ...], str]], skip: str,
               run: Run, properties: dict[str, str]) -> list[str]:
    if _true(skip, properties) or _true(properties.get(SKIP_PROPERTIES.get(artifact, ""), ""),
                                        properties):
        return []
    if artifact in NEEDS_TESTS and any(_true(properties.get(name, ""), properties)
                                       for name in TEST_SKIPS):
        return []
    goals = [goal for plugin, goal in run.goals if plugin == artifact]
    for phase, names, execution_skip in executions:
        if _true(execution_skip, properties):
            continue
        goals += [goal for goal in names
                  if run.reaches(phase or DEFAULT_PHASES.get((artifact, goal), ""))]
    return list(dict.fromkeys(goals))


def _true(value: str, properties: dict[str, str]) -> bool:
    seen = 0
    while (found := _PROPERTY.match(value.strip())) and seen < 5:
        value, seen = properties.get(found.group(1), ""), seen + 1
    return value.strip().lower() == "true"


def _reference(artifact: str, goal: str, where: str, reference: Reference) -> Reference:
    return Reference(CONFIGURED, f"maven:{artifact}:{goal}", where, via=chained(reference),
                     label=f"{artifact}:{goal} run by the Maven build")
