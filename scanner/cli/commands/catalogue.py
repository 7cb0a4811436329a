"""The commands that show what the scanner knows: `rules`, `signals` and `model`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from scanner.cli.commands import Command
from scanner.cli.common import STAGE_CHOICES, config_from, write_output
from scanner.errors import EXIT_OK, UserError


def rules_arguments(rules: argparse.ArgumentParser) -> None:
    rule_commands = rules.add_subparsers(dest="rules_command", metavar="ACTION",
                                         parser_class=type(rules), required=True)
    rules_list = rule_commands.add_parser("list", help="every rule, by cell")
    rules_list.add_argument("--config", type=Path)
    validate = rule_commands.add_parser("validate", help="check rule files")
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE")
    validate.add_argument("--model", type=Path)
    explain = rule_commands.add_parser("explain", help="what one rule checks")
    explain.add_argument("rule_id", metavar="RULE_ID")
    explain.add_argument("--config", type=Path)


def signals_arguments(signals: argparse.ArgumentParser) -> None:
    signals.add_argument("--format", choices=("table", "json"), default="table")


def model_arguments(model: argparse.ArgumentParser) -> None:
    model.add_argument("--model", type=Path, help="another model file")
    model.add_argument("--format", choices=("table", "json"), default="table")


def rules(args: argparse.Namespace) -> int:
    from scanner.collectors import registry
    from scanner.engine.loader import builtin_rule_files, load_rules
    from scanner.model import load_model

    if args.rules_command == "validate":
        model = load_model(args.model)
        catalogue = registry.catalogue()
        builtin = load_rules(builtin_rule_files(), model, catalogue)
        # Given files may use the built-in packs' thresholds, and may replace those packs.
        checked = load_rules(args.files, model, catalogue, thresholds=builtin.thresholds)
        print(f"{len(args.files)} file(s), {len(checked.rules)} rule(s): valid")
        return EXIT_OK
    from scanner.scan import load_engine

    config = config_from(args.config)
    engine = load_engine(config)
    if args.rules_command == "list":
        lines = []
        for sub in engine.model.all_subcompetencies():
            for stage in STAGE_CHOICES[1:]:
                for rule in engine.rules.for_cell(sub.full_id, stage):
                    lines.append(f"{rule.id:<62} {stage:<12} {rule.summary}")
        write_output("\n".join(lines) + "\n", None)
        return EXIT_OK
    explained = engine.rules.rules.get(args.rule_id)
    if explained is None:
        import difflib

        close = difflib.get_close_matches(args.rule_id, list(engine.rules.rules), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise UserError(f"no rule '{args.rule_id}'{hint}; `maturity rules list` shows them all")
    from scanner.reports.explain import explain_rule

    write_output(explain_rule(explained, engine), None)
    return EXIT_OK


def signals(args: argparse.Namespace) -> int:
    from scanner.collectors import registry
    from scanner.engine.loader import builtin_rule_files, load_rules
    from scanner.model import load_model

    catalogue = registry.catalogue()
    ruleset = load_rules(builtin_rule_files(), load_model(), catalogue)
    readers: dict[str, list[str]] = {}
    for rule in ruleset.rules.values():
        for signal in rule.signals():
            readers.setdefault(signal, []).append(rule.id)
    rows: list[dict[str, Any]] = []
    for name in catalogue.names():
        spec = catalogue.get(name)
        assert spec is not None
        sources = [s.id for s in catalogue.sources(name)]
        rows.append({"signal": name, "type": spec.type, "entities": list(spec.entity_kinds),
                     "description": spec.description, "collectors": sources,
                     "installed": any(s in registry.available() for s in sources),
                     "rules": readers.get(name, [])})
    if args.format == "json":
        write_output(json.dumps(rows, indent=2) + "\n", None)
        return EXIT_OK
    lines = []
    for row in rows:
        source = ",".join(row["collectors"]) + ("" if row["installed"] else " (planned)")
        lines.append(f"{row['signal']:<40} {row['type']:<6} {source:<20} "
                     f"{len(row['rules']):>2} rule(s)  {row['description']}")
    write_output("\n".join(lines) + "\n", None)
    return EXIT_OK


def model(args: argparse.Namespace) -> int:
    from scanner.model import STAGES, load_model

    model = load_model(args.model)
    if args.format == "json":
        data = {"name": model.name, "version": model.version, "source": model.source,
                "competencies": [{"id": c.id, "name": c.name, "subcompetencies": [
                    {"id": s.id, "name": s.name, "cells": s.cells} for s in c.subcompetencies]}
                    for c in model.competencies]}
        write_output(json.dumps(data, indent=2) + "\n", None)
        return EXIT_OK
    lines = [f"{model.name} {model.version}", f"source: {model.source.get('title', '')}", ""]
    for competency in model.competencies:
        lines.append(f"{competency.name} ({competency.id})")
        for sub in competency.subcompetencies:
            lines.append(f"  {sub.name} ({sub.full_id})")
            for stage in STAGES:
                lines.append(f"    {stage:<12} {sub.cells[stage]}")
        lines.append("")
    write_output("\n".join(lines), None)
    return EXIT_OK


COMMANDS = {
    "rules": Command(rules_arguments, rules),
    "signals": Command(signals_arguments, signals),
    "model": Command(model_arguments, model),
}
