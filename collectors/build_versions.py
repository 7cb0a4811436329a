"""Whether the build at a tree's root makes snapshot versions.

`mvn deploy` or `gradle publish` on every merge is common in Java projects, and
while the version in the build file ends in `-SNAPSHOT` what it publishes is a
development build in a snapshot repository, not a release users get. The
release is made by other means (`mvn release:perform`, a tag, a vote).
"""

from __future__ import annotations

from collections.abc import Callable

from scanner.collectors.ci.configured import pom
from scanner.lazy_patterns import lazy_compile

SNAPSHOT = "-SNAPSHOT"
# Maven CI-friendly versions: `${revision}${changelist}` with the parts as properties.
VERSION_PROPERTIES = ("revision", "changelist", "sha1")
_GRADLE_VERSION = lazy_compile(
    r"""(?m)^[ \t]*version[ \t]*[=:]?[ \t]*['"]?([\w.+-]{1,100})['"]?[ \t]*\r?$""")


def snapshot_version(read: Callable[[str], str | None]) -> str | None:
    """`file:line` where the root build declares a snapshot version, or None."""
    text = read("pom.xml")
    if text:
        try:
            project = pom.parse(text)
        except pom.PomError:
            project = None
        if project is not None:
            version = project.child("version")
            if version is not None and version.text.strip().endswith(SNAPSHOT):
                return f"pom.xml:{version.line}"
            properties = project.child("properties")
            for name in VERSION_PROPERTIES:
                element = properties.child(name) if properties is not None else None
                if element is not None and element.text.strip().endswith(SNAPSHOT):
                    return f"pom.xml:{element.line}"
    for path in ("gradle.properties", "build.gradle", "build.gradle.kts"):
        text = (read(path) or "")[:200_000]
        for match in _GRADLE_VERSION.finditer(text):
            if match[1].endswith(SNAPSHOT):
                line = text.count("\n", 0, match.start(1)) + 1
                return f"{path}:{line}"
    return None
