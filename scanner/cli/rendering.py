"""A scan's document rendered in the format asked for."""

from __future__ import annotations

import json
from typing import Any

from scanner.errors import UserError

# Earlier scans shown in the HTML report's trend chart.
TREND_SCANS = 12


def render_report(document: dict[str, Any], fmt: str, store: Any = None, *,
                  detail: bool = False, explain: bool = False) -> str:
    if fmt == "html":  # the store, when there is one, gives the trend chart
        return html_report(document, store, explain=explain)
    if fmt == "json":
        return json.dumps(document, indent=2, default=str) + "\n"
    if fmt == "markdown":
        from scanner.reports.markdown import render_markdown

        return render_markdown(document, explain=explain)
    from scanner.reports.table import render_table

    return render_table(document, detail=detail, explain=explain)


def html_report(document: dict[str, Any], store: Any, *, explain: bool = False) -> str:
    """The scan's HTML report, with a trend chart when the store holds earlier scans of the
    same configuration; rule and signal ids only with `explain`."""
    from datetime import datetime

    from scanner.reports.html.page import Trend, render_scan_html
    from scanner.reports.html.svg import Series
    from scanner.reports.html.trend import OVERALL as OVERALL_LINE
    from scanner.store.history import OVERALL, load_history

    if store is None:
        return render_scan_html(document, explain=explain)
    try:
        history = load_history(store, document["scan"]["config_fingerprint"],
                               limit=TREND_SCANS)
    except UserError:  # nothing stored for this configuration yet
        return render_scan_html(document, explain=explain)
    if len(history.scans) < 2:
        return render_scan_html(document, explain=explain)
    names = {c["id"]: c["name"] for c in document["competencies"]}
    lines = tuple(Series("Overall" if item == OVERALL else names.get(item, item),
                         OVERALL_LINE if item == OVERALL else "competency",
                         tuple(point.score if (point := history.point(scan.id, item)) else None
                               for scan in history.scans))
                  for item in history.items)
    times = tuple(datetime.fromisoformat(scan.started_at) for scan in history.scans)
    return render_scan_html(document, Trend(times, lines), explain=explain)
