"""Feature flags: feature-flag and experimentation SDKs among the dependencies."""

from __future__ import annotations

import re
from collections.abc import Sequence

from scanner.collectors.base import Emitter
from scanner.collectors.files.delivery.found import VENDORED, Found
from scanner.collectors.files.dependency_names import ManifestReading, manifest_reader
from scanner.collectors.files.index import FileIndex, is_example

FEATURE_FLAG_TOOLS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("configcat", re.compile(r"configcat")),
    ("devcycle", re.compile(r"devcycle")),
    ("flagsmith", re.compile(r"flagsmith")),
    ("flipt", re.compile(r"(?<![a-z0-9])flipt(?![a-z0-9])")),
    ("growthbook", re.compile(r"growthbook")),
    ("harness-ff", re.compile(r"(?<![a-z0-9])ff-[a-z0-9]+-(server|client)-sdk|"
                              r"harness-featureflags")),
    ("launchdarkly", re.compile(r"launchdarkly")),
    ("openfeature", re.compile(r"open-?feature")),
    ("optimizely", re.compile(r"optimizely")),
    ("posthog", re.compile(r"posthog")),
    ("split", re.compile(r"splitio|splitsoftware|(^|[/:])io\.split\.client|splitclient-rb")),
    ("statsig", re.compile(r"statsig")),
    ("unleash", re.compile(r"unleash")),
)

READING = ManifestReading(npm_sections=("dependencies", "devDependencies"),
                          joined_before=r"\w.-", eggs=True)


def feature_flags(files: FileIndex, paths: Sequence[str], out: Emitter) -> None:
    found = Found()
    looked: list[str] = []
    for path in paths:
        if is_example(path) or VENDORED.search(path):
            continue
        manifest = manifest_reader(path, READING)
        if manifest is None:
            continue
        _, reader = manifest
        looked.append(path)
        text = files.text(path)
        if text is None:
            continue
        try:
            names = list(reader(text))
        except (ValueError, TypeError, AttributeError, RecursionError):
            continue  # a manifest this reader cannot parse
        for name, line in names:
            lowered = name.lower()
            for tool, pattern in FEATURE_FLAG_TOOLS:
                if pattern.search(lowered):
                    found.add(tool, f"{path}:{line}")
    found.emit(out, "featureflags.tools",
               "no feature-flag SDK among the dependencies" if looked
               else "no dependency manifests")
