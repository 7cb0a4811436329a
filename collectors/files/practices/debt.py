"""The debt rates: markers and suppressions in comments per 1,000 non-blank source lines."""

from __future__ import annotations

from scanner.collectors.base import Emitter
from scanner.collectors.files.practices.source_scan import SourceScan


def debt_rates(scan: SourceScan, out: Emitter) -> None:
    if scan.lines == 0:
        return  # no source code: nothing to rate
    read = f"{scan.lines:,} non-blank lines of {scan.files:,} source files"
    caveats = []
    if scan.capped:
        caveats.append(f"capped: {scan.most:,} of {scan.candidates:,} source files "
                       "read, spread evenly over the tree")
    if scan.skipped:
        caveats.append(f"{scan.skipped:,} unreadable, over 1 MB, generated or minified "
                       "files skipped")
    tail = "".join(f"; {c}" for c in caveats)
    for signal, count, where, what in (
            ("debt.markers_per_kloc", scan.markers, scan.marker_files,
             "TODO/FIXME/HACK/XXX markers in comments"),
            ("debt.suppressions_per_kloc", scan.suppressions, scan.suppression_files,
             "lint/type suppression comments")):
        top = [locator for _, locator in sorted(where, key=lambda item: (-item[0], item[1]))]
        out.emit(signal, round(count * 1000 / scan.lines, 2), top[:5],
                 f"{count:,} {what} in {read}{tail}")
