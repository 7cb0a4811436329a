"""Release signing a repository's build files configure, whether or not CI runs it.

Many libraries sign their releases by hand: a maintainer runs `mvn release:perform`,
which turns on a release profile whose maven-gpg-plugin signs every artifact.  No CI
job shows that, so `ci.signing.tools` cannot; the POM does.  This reports each signing
execution (maven-gpg-plugin, maven-jarsigner-plugin) in the main build or in a profile,
saying how the profile is turned on, and signing inherited from a well-known parent POM
that is not in the repository (the Apache parent's `apache-release` profile), as
inferred from the parent's name.  What CI itself runs is `ci.signing.tools`.
"""

from __future__ import annotations

import posixpath
import re

from scanner.collectors.base import Emitter
from scanner.collectors.ci.configured import pom
from scanner.collectors.files import Detector
from scanner.collectors.files.index import FileIndex
from scanner.lazy_patterns import lazy_compile
from scanner.signals import SignalSpec

SIGNALS: tuple[SignalSpec, ...] = (
    SignalSpec("build.signing.configured", "list",
               "Artifact signing configured in the repository's build files for its releases, "
               "run by CI or by hand (maven-gpg-plugin, maven-jarsigner-plugin in the build, "
               "in a profile, or from a well-known parent POM); the note says which profile "
               "and how it is turned on", ("repo", "service")),
)

MAX_POMS = 300
# POMs that are test fixtures, examples or vendored code, not the repository's build.
NOT_BUILD = lazy_compile(r"(?i)(^|/)(src/it|src/test|test-?data|fixtures?|examples?|samples?|"
                         r"archetype-resources|vendor|third[-_]?party|node_modules|target)/")
SIGNERS = {"maven-gpg-plugin": frozenset({"sign", "sign-and-deploy-file"}),
           "maven-jarsigner-plugin": frozenset({"sign"})}
# Parent POMs from outside the repository whose release profile signs with GPG:
# (groupId pattern, artifactId pattern, profile).
KNOWN_PARENTS = (
    (re.compile(r"^org\.apache(\.[\w.-]+)?$"), re.compile(r"^(apache|[\w.-]+-parent)$"),
     "apache-release"),
    (re.compile(r"^org\.sonatype\.oss$"), re.compile(r"^oss-parent$"), "release-sign-artifacts"),
)


def detect(files: FileIndex, out: Emitter) -> None:
    paths = [p for p in files.paths()
             if posixpath.basename(p) == "pom.xml" and not NOT_BUILD.search(p)][:MAX_POMS]
    projects: list[tuple[str, pom.Element]] = []
    for path in paths:
        text = files.text(path)
        if text is None:
            continue
        try:
            projects.append((path, pom.parse(text)))
        except pom.PomError as exc:
            files.skipped[path] = f"not read as a Maven POM: {exc}"
    release_profiles = {name.strip() for _, project in projects
                        for plugin in _plugins(project, "build")
                        if plugin.value("artifactId") == "maven-release-plugin"
                        for name in plugin.value("configuration", "releaseProfiles").split(",")
                        if name.strip()}
    own = {(project.value("groupId") or project.value("parent", "groupId"),
            project.value("artifactId")) for _, project in projects}
    found: list[tuple[str, str, str]] = []  # (tool, locator, how)
    for path, project in projects:
        for holder, profile in [(project, None), *((p, p) for p in
                                                    project.all("profiles", "profile"))]:
            for plugin in holder.all("build", "plugins", "plugin"):
                tool = plugin.value("artifactId")
                goals = {g.text.strip() for g in plugin.all("executions", "execution", "goals",
                                                            "goal")}
                if tool in SIGNERS and goals & SIGNERS[tool]:
                    line = (plugin.child("artifactId") or plugin).line
                    found.append((tool, f"{path}:{line}",
                                  _how(profile, release_profiles)))
        found += _inherited(path, project, own)
    tools = sorted({tool for tool, _, _ in found})
    if found:
        notes = list(dict.fromkeys(f"{where}: {how}" for _, where, how in found))
        out.emit("build.signing.configured", tools, [where for _, where, _ in found],
                 "; ".join(notes[:5]) + (f" (and {len(notes) - 5} more)" if len(notes) > 5
                                         else ""))
    else:
        out.emit("build.signing.configured", [], (),
                 f"no signing configured in {len(projects)} Maven POM(s)" if projects
                 else "no build file that configures signing (no Maven POM)")


def _plugins(project: pom.Element, *where: str) -> list[pom.Element]:
    return [*project.all(*where, "plugins", "plugin"),
            *project.all(*where, "pluginManagement", "plugins", "plugin")]


def _how(profile: pom.Element | None, release_profiles: set[str]) -> str:
    if profile is None:
        return "signs in every build that reaches its phase"
    name = profile.value("id")
    ways = []
    if name in release_profiles:
        ways.append("maven-release-plugin's releaseProfiles (a release made with "
                    "`mvn release:perform`)")
    if profile.value("activation", "activeByDefault") == "true":
        ways.append("activeByDefault")
    wanted = profile.value("activation", "property", "name")
    if wanted:
        expected = profile.value("activation", "property", "value")
        ways.append(f"property {wanted}" + (f"={expected}" if expected else ""))
    ways.append(f"-P {name}")
    return f"signs in profile '{name}', turned on by " + " or ".join(ways)


def _inherited(path: str, project: pom.Element,
               own: set[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """Signing from a well-known parent POM that is not part of this repository."""
    group, artifact = project.value("parent", "groupId"), project.value("parent", "artifactId")
    if (group, artifact) in own:
        return []
    for group_pattern, artifact_pattern, profile in KNOWN_PARENTS:
        if group_pattern.match(group) and artifact_pattern.match(artifact):
            parent = project.child("parent")
            line = (parent.child("artifactId") or parent).line if parent else 1
            return [("maven-gpg-plugin", f"{path}:{line}",
                     f"inherits the '{profile}' profile of the parent POM {group}:{artifact}, "
                     "which signs with maven-gpg-plugin (inferred from the parent's name; "
                     "the parent is not in this repository)")]
    return []


DETECTOR = Detector("release_signing", SIGNALS, detect)
