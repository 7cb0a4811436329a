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

The walk is `resolver`; the followers it hands each command to are
`task_runners`, `packages`, `containers` and `scripts`, which read the
repository through `files` (and the formats through `make` and `runners`); shell
words are `words`, folders `folders`.
"""

from __future__ import annotations

from scanner.collectors.ci.resolve.make import MAKEFILES
from scanner.collectors.ci.resolve.resolver import Resolver
from scanner.collectors.ci.resolve.task_runners import JUSTFILES
from scanner.collectors.ci.resolve.words import segments, strip_launchers

__all__ = ["JUSTFILES", "MAKEFILES", "Resolver", "segments", "strip_launchers"]
