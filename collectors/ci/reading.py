"""Everything read from a repository's CI configuration, and what could not be read.

What was not read decides which negatives may be claimed.  A gap is either in
what CI runs (an unreadable file, configuration pulled in from elsewhere and not
read: any tool could hide there) or only in when it runs (a CI system read as
plain commands because it is not parsed: its tools count, but whether they run
before merge or after is not known).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from scanner.collectors.ci.model import OTHER, Job, ParseResult

CONTENT = "content"  # what CI runs there is not known
TIMING = "timing"  # what CI runs there is read; when it runs is not known


@dataclass(frozen=True)
class Gap:
    locator: str
    why: str
    scope: str = CONTENT


@dataclass
class CiReading:
    """Everything read from a repository's CI configuration."""

    results: list[ParseResult] = field(default_factory=list)
    external: list[tuple[str, str]] = field(default_factory=list)  # CI defined elsewhere
    extra_jobs: list[Job] = field(default_factory=list)
    only: Callable[[Job], bool] | None = None  # the jobs that concern one service
    # Commands the resolver did not follow, and why (locator, what).
    notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def jobs(self) -> list[Job]:
        jobs = [job for result in self.results for job in result.jobs] + self.extra_jobs
        return [job for job in jobs if self.only(job)] if self.only else jobs

    @property
    def files(self) -> list[str]:
        return [path for result in self.results for path in result.files]

    @property
    def systems(self) -> list[str]:
        return sorted({result.system for result in self.results if result.files})

    @property
    def untimed_files(self) -> frozenset[str]:
        """Files whose jobs run at times the repository does not say: CI systems read as
        plain commands, and systems whose triggers live outside the repository (Cloud
        Build, CodeBuild): their tools count, whether they run before merge does not."""
        plain = {path for result in self.results if result.plain for path in result.files}
        elsewhere = {job.file for result in self.results for job in result.jobs
                     if job.triggers and job.triggers <= {OTHER}}
        return frozenset(plain | elsewhere)

    def examined(self) -> list[str]:
        """What was looked at, for a negative finding to cite: each CI folder read as a
        whole (`.github/workflows/`), and single CI files."""
        places: list[str] = []
        for path in self.files:
            folder = posixpath.dirname(path)
            place = f"{folder}/" if folder in WHOLE_FOLDERS else path
            if place not in places:
                places.append(place)
        return places

    def gaps(self, unrecognised: Sequence[tuple[str, str]],
             recognised: frozenset[str] = frozenset()) -> list[Gap]:
        """Why some negatives cannot be trusted; configuration from elsewhere that the
        catalogue recognises at its call (`recognised` locators) is known, not a gap."""
        found = [Gap(path, f"CI file not read: {why}") for result in self.results
                 for path, why in result.unreadable]
        found += [Gap(path, f"{result.system} is not parsed by this scanner: its commands "
                            "were read as plain text, so when they run is not known", TIMING)
                  for result in self.results if result.plain for path in result.files]
        plain = {path for result in self.results if result.plain for path in result.files}
        found += [Gap(path, "its triggers are configured outside the repository, so when its "
                            "jobs run is not known", TIMING)
                  for path in sorted(self.untimed_files - plain)]
        found += [Gap(where, f"{what} is not read") for result in self.results
                  for where, what in result.external if where not in recognised]
        found += [Gap(where, why) for where, why in [*self.external, *unrecognised]]
        return found


#: Folders whose CI files are read as a whole, cited as the folder in negatives.
WHOLE_FOLDERS = frozenset({".github/workflows", ".circleci", ".buildkite", ".tekton",
                           ".woodpecker", ".gitlab/ci", ".azure-pipelines", ".pipelines"})
