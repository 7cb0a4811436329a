"""The leaders' commands: `survey`, `compare` and `plan`.

Exit codes are those of every command: 0 done, 1 a gate failed (`compare --fail-over`),
2 bad input.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.cli.commands import Command
from scanner.cli.common import config_from, open_store, write_output
from scanner.errors import EXIT_GATE_FAILED, EXIT_OK, UserError
from scanner.logs import emit

if TYPE_CHECKING:
    from scanner.model import Model
    from scanner.survey.combine import SelfAssessment

SURVEY_FORMATS = ("table", "markdown", "json")
REPORT_FORMATS = ("table", "markdown", "json", "html")
# Configurations named when refusing to guess between them; the rest are counted.
MAX_CONFIGURATIONS = 4


def survey_arguments(survey: argparse.ArgumentParser) -> None:
    survey.add_argument("files", nargs="*", type=Path, metavar="ANSWERS",
                        help="answers files (one per team or person) to check and combine")
    survey.add_argument("--answers", type=Path, metavar="FILE",
                        help="ask in the terminal, saving each answer to FILE; run again to "
                             "resume where it stopped")
    survey.add_argument("--template", type=Path, metavar="FILE",
                        help="write an answers file to fill in by hand, every question in it")
    survey.add_argument("--respondent", metavar="NAME",
                        help="the team or person answering (default: the file's name)")
    survey.add_argument("--model", type=Path, help="another maturity model file")
    survey.add_argument("--format", choices=SURVEY_FORMATS, default="table")
    survey.add_argument("--output", type=Path, metavar="FILE", help="write the summary here")


def compare_arguments(compare: argparse.ArgumentParser) -> None:
    compare.add_argument("--self", dest="answers", nargs="+", type=Path, required=True,
                         metavar="ANSWERS", help="answers files (from `maturity survey`)")
    compare.add_argument("--fail-over", type=int, metavar="N",
                         help="exit 1 if more than N sub-competencies are over-rated")
    scan_options(compare)


def plan_arguments(plan: argparse.ArgumentParser) -> None:
    plan.add_argument("--targets", type=Path, required=True, metavar="FILE",
                      help="targets per competency: stage, owner, due quarter")
    scan_options(plan)


def scan_options(parser: argparse.ArgumentParser) -> None:
    """Which stored scan to read, and how to write the result."""
    parser.add_argument("--scan", metavar="ID", help="scan id or unique prefix (default: "
                        "the latest, when the store holds scans of one configuration)")
    parser.add_argument("--db", metavar="PATH_OR_URL",
                        help="the store (default: the config's, else $MATURITY_DB, else the "
                             "user data folder)")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="read the latest scan made with this configuration (and its "
                             "store)")
    parser.add_argument("--model", type=Path, help="another maturity model file")
    parser.add_argument("--format", choices=REPORT_FORMATS, default="table")
    parser.add_argument("--output", type=Path, metavar="FILE", help="write the report here")
    parser.add_argument("--explain", action="store_true",
                        help="show the rule ids behind each finding (HTML)")


def survey(args: argparse.Namespace) -> int:
    from scanner.model import load_model
    from scanner.survey.answers import Answers, load_answers, write_answers

    model = load_model(args.model)
    given = [args.answers is not None, args.template is not None, bool(args.files)]
    if sum(given) != 1:
        raise UserError("survey takes one of: ANSWERS files to combine, --answers FILE to "
                        "ask in the terminal, --template FILE to write a blank one")
    if args.template is not None:
        if args.template.exists():
            raise UserError(f"{args.template}: exists already; the template would overwrite "
                            "its answers")
        write_answers(args.template, Answers(args.respondent or args.template.stem, {},
                                             str(args.template)), model)
        emit(logging.INFO, "answers_template_written",
             f"answers file written to {args.template}", path=str(args.template))
        return EXIT_OK
    if args.answers is not None:
        from scanner.survey.questions import questions
        from scanner.survey.terminal import run_survey

        path: Path = args.answers
        start = load_answers(path, model) if path.exists() else \
            Answers(args.respondent or path.stem, {}, str(path))
        if args.respondent:
            from dataclasses import replace

            start = replace(start, respondent=args.respondent)
        run_survey(questions(model), start, lambda a: write_answers(path, a, model),
                   sys.stdin, sys.stdout)
        return EXIT_OK
    write_output(_render_survey(self_assessment(args.files, model), model, args.format),
                 args.output)
    return EXIT_OK


def self_assessment(files: list[Path], model: Model) -> SelfAssessment:
    from scanner.survey.answers import load_answers
    from scanner.survey.combine import combine

    answers = [load_answers(path, model) for path in files]
    names = [a.respondent for a in answers]
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice is not None:
        raise UserError(f"respondent '{twice}' answers in more than one file; give each file "
                        "its own `respondent:`")
    return combine(answers, model)


def _render_survey(assessment: SelfAssessment, model: Model, fmt: str) -> str:
    from scanner.reports.survey import (
        render_survey_markdown,
        render_survey_table,
        survey_document,
    )

    document = survey_document(assessment, model)
    if fmt == "json":
        return json.dumps(document, indent=2) + "\n"
    return render_survey_markdown(document) if fmt == "markdown" \
        else render_survey_table(document)


def stored_scan(args: argparse.Namespace) -> tuple[dict[str, Any], str | None]:
    """The scan to read, and the configuration file it was made with, when known.

    `--scan` names one; `--config` takes its configuration's latest; with neither, the
    latest scan is only taken when every stored scan shares one configuration, since a
    plan read from another team's scan would look just as plausible.
    """
    from scanner.store.history import scan_records
    from scanner.store.store import describe_url

    config = config_from(args.config)
    store = open_store(args.db, config)
    if args.scan:
        scan_id = store.resolve_id(args.scan)
    elif args.config is not None:
        latest = scan_records(store, config.fingerprint, limit=1)
        if not latest:
            raise UserError(f"no scan made with {args.config} (configuration "
                            f"{config.fingerprint}) in {describe_url(store.url)}; run "
                            f"`maturity scan --config {args.config}` first, or pick a scan "
                            "with --scan ID")
        scan_id = latest[-1].id
    else:
        scan_id = _only_configuration(store, args.command)
    document: dict[str, Any] = store.document(scan_id)
    made_with = args.config is not None and \
        document["scan"]["config_fingerprint"] == config.fingerprint
    return document, str(args.config) if made_with else None


def _only_configuration(store: Any, command: str) -> str:
    """The latest scan, when the store holds scans of one configuration only."""
    from scanner.reports.leaders import moment
    from scanner.store.configurations import configurations
    from scanner.store.store import describe_url

    found = configurations(store)
    if len(found) <= 1:
        return str(store.resolve_id(None))  # None found: says to run a scan first
    named = [f"{c.fingerprint} ({_targets(c.targets)}; latest scan {c.latest_scan}, "
             f"{moment(c.latest_finished_at)})" for c in found[:MAX_CONFIGURATIONS]]
    if len(found) > MAX_CONFIGURATIONS:
        named.append(f"and {len(found) - MAX_CONFIGURATIONS} more")
    raise UserError(f"{describe_url(store.url)} holds scans of {len(found)} configurations, "
                    f"so {command} will not guess which to read: {', '.join(named)}; choose "
                    "one with --scan ID or --config FILE")


def _targets(targets: tuple[str, ...]) -> str:
    shown = ", ".join(targets[:2]) or "nothing"
    return shown + (f" and {len(targets) - 2} more" if len(targets) > 2 else "")


def compare(args: argparse.Namespace) -> int:
    from scanner.compare import OVER, compare
    from scanner.model import load_model
    from scanner.reports.compare import (
        compare_document,
        render_compare_markdown,
        render_compare_table,
    )
    from scanner.reports.html.page import render_compare_html

    if args.fail_over is not None and args.fail_over < 0:
        raise UserError("--fail-over needs a number of at least 0")
    claimed = self_assessment(args.answers, load_model(args.model))
    scan, config_file = stored_scan(args)
    comparison = compare(scan, claimed)
    document = compare_document(comparison, claimed, scan, config_file)
    render: dict[str, Callable[[dict[str, Any]], str]] = {
        "json": lambda d: json.dumps(d, indent=2) + "\n",
        "markdown": render_compare_markdown, "table": render_compare_table,
        "html": lambda d: render_compare_html(d, scan, explain=args.explain)}
    write_output(render[args.format](document), args.output)
    over = comparison.count(OVER)
    if args.fail_over is not None and over > args.fail_over:
        emit(logging.ERROR, "gate_failed", f"maturity: gate failed: {over} sub-competencies "
             f"are over-rated, more than --fail-over {args.fail_over}")
        return EXIT_GATE_FAILED
    return EXIT_OK


def plan(args: argparse.Namespace) -> int:
    from scanner.model import load_model
    from scanner.plan import BELOW_OBSERVED, make_plan
    from scanner.reports.html.page import render_plan_html
    from scanner.reports.plan import plan_document, render_plan_markdown, render_plan_table
    from scanner.targets import load_targets

    targets = load_targets(args.targets, load_model(args.model))
    scan, config_file = stored_scan(args)
    document = plan_document(make_plan(scan, targets), scan, config_file)
    for target in document["targets"]:
        if target["status"] == BELOW_OBSERVED:
            emit(logging.WARNING, "target_below_observed", f"maturity: note: {target['note']}")
    render: dict[str, Callable[[dict[str, Any]], str]] = {
        "json": lambda d: json.dumps(d, indent=2) + "\n",
        "markdown": render_plan_markdown, "table": render_plan_table,
        "html": lambda d: render_plan_html(d, scan, explain=args.explain)}
    write_output(render[args.format](document), args.output)
    return EXIT_OK


COMMANDS = {
    "survey": Command(survey_arguments, survey),
    "compare": Command(compare_arguments, compare),
    "plan": Command(plan_arguments, plan),
}
