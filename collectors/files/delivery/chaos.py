"""Chaos experiments: Litmus, Chaos Mesh, Chaos Toolkit and AWS FIS templates, and
whether one runs on a schedule."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Sequence
from typing import Any

from scanner.collectors.base import Emitter
from scanner.collectors.files.delivery.found import LOCKFILES, VENDORED, Found
from scanner.collectors.files.index import FileIndex, Manifest, is_example
from scanner.collectors.files.kubernetes import dig, mapping, sequence
from scanner.collectors.structured import load_json
from scanner.yaml_source import LineDict


def chaos(files: FileIndex, manifests: Sequence[Manifest], paths: Sequence[str],
          out: Emitter) -> None:
    found = Found()
    scheduled: list[str] = []
    for m in manifests:
        spec = mapping(m.body.get("spec"))
        if m.group == "litmuschaos.io" and m.kind in ("ChaosEngine", "ChaosExperiment",
                                                      "ChaosSchedule"):
            found.add("litmus", m.locator)
            if m.kind == "ChaosSchedule":
                scheduled.append(m.locator)
        elif m.group == "chaos-mesh.org" and (m.kind.endswith("Chaos") or m.kind in (
                "Schedule", "Workflow")):
            found.add("chaos-mesh", m.locator)
            if m.kind == "Schedule":
                scheduled.append(m.locator)
        elif m.group == "argoproj.io" and m.kind in ("Workflow", "CronWorkflow",
                                                     "WorkflowTemplate") and \
                "litmuschaos" in (files.text(m.path) or ""):
            found.add("litmus", m.locator)  # a Litmus chaos workflow (Argo Workflows)
            if m.kind == "CronWorkflow":
                scheduled.append(m.locator)
        elif m.kind == "CronJob" and m.group == "batch":
            tool = _chaos_job(m)
            if tool:
                found.add(tool, m.locator)
                scheduled.append(m.locator)
        if m.group in ("litmuschaos.io", "chaos-mesh.org") and spec is not None:
            key = next((k for k in ("scheduler", "schedule") if k in spec), None)
            if key is not None and m.kind not in ("ChaosSchedule", "Schedule"):
                scheduled.append(f"{m.path}:{spec.line_of(key)}")  # chaos with its own cron
    for path in paths:
        if is_example(path) or VENDORED.search(path) or \
                not path.endswith((".json", ".yaml", ".yml")) or \
                posixpath.basename(path) in LOCKFILES:
            continue
        text = files.text(path) or ""
        if "stopConditions" in text:
            where = _experiment(files, path, text, _fis_template)
            if where:
                found.add("aws-fis-template", where)
        if "method" in text and ("steady-state-hypothesis" in text or "provider" in text):
            where = _experiment(files, path, text, _chaos_toolkit)
            if where:
                found.add("chaos-toolkit", where)
    found.emit(out, "chaos.tools",
               "no Litmus, Chaos Mesh, Chaos Toolkit or AWS FIS experiments")
    out.emit("chaos.scheduled", bool(scheduled), scheduled[:1] or list(found.where.values()),
             None if scheduled else "no chaos schedule (Litmus ChaosSchedule, Chaos Mesh "
             "Schedule, chaos CronWorkflow or CronJob)")


def _chaos_job(manifest: Manifest) -> str | None:
    """A CronJob that runs chaos: a Chaos Toolkit or Litmus image, or `chaos run`."""
    pod = dig(manifest.body, "spec", "jobTemplate", "spec", "template", "spec")
    for container in sequence(dig(pod, "containers")) or []:
        image = str(dig(container, "image") or "")
        words = " ".join(str(w) for key in ("command", "args")
                         for w in sequence(dig(container, key)) or [])
        if "chaostoolkit" in image or re.search(r"\bchaos\s+run\b", words):
            return "chaos-toolkit"
        if "litmuschaos" in image:
            return "litmus"
    return None


def _experiment(files: FileIndex, path: str, text: str,
                shape: Callable[[Any], bool]) -> str | None:
    docs = files.yaml(path)
    if not docs and path.endswith(".json"):
        try:
            docs = [load_json(text)]
        except ValueError:
            return None
    for doc in docs:
        if shape(doc):
            return f"{path}:{doc.line}" if isinstance(doc, LineDict) else f"{path}:1"
    return None


def _fis_template(doc: Any) -> bool:
    """An AWS FIS experiment template: actions, targets and stop conditions at the top."""
    return isinstance(doc, dict) and isinstance(doc.get("actions"), dict) and \
        "targets" in doc and isinstance(doc.get("stopConditions"), list)


def _chaos_toolkit(doc: Any) -> bool:
    """A Chaos Toolkit experiment: a `method` of actions and probes, with a hypothesis or title."""
    if not isinstance(doc, dict) or not isinstance(doc.get("method"), list):
        return False
    steps = [s for s in doc["method"] if isinstance(s, dict)]
    return bool(steps) and all(s.get("type") in ("action", "probe") or "ref" in s
                               for s in steps) and \
        ("steady-state-hypothesis" in doc or "title" in doc)
