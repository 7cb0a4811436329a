"""Policy as code: Kyverno, Gatekeeper, Kubewarden and Kubernetes admission policies, Rego
files (OPA) and Conftest configuration."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence

from scanner.collectors.base import Emitter
from scanner.collectors.files.delivery.found import VENDORED, Found, first_line
from scanner.collectors.files.index import Manifest, is_example
from scanner.collectors.files.kubernetes import Helm, group_is


def policy(manifests: Sequence[Manifest], paths: Sequence[str], helm: Helm,
            out: Emitter) -> None:
    found = Found()
    for m in manifests:
        if (m.group == "kyverno.io" and m.kind in ("ClusterPolicy", "Policy")) or \
                (m.group.endswith(".kyverno.io") and m.kind.endswith("Policy")):
            found.add("kyverno", m.locator)
        elif (m.group == "templates.gatekeeper.sh" and m.kind == "ConstraintTemplate") or \
                m.group in ("constraints.gatekeeper.sh", "mutations.gatekeeper.sh"):
            found.add("gatekeeper", m.locator)
        elif m.group == "policies.kubewarden.io" and "AdmissionPolicy" in m.kind:
            found.add("kubewarden", m.locator)
        elif m.kind in ("ValidatingAdmissionPolicy", "MutatingAdmissionPolicy") and \
                group_is(m, helm, "admissionregistration.k8s.io"):
            found.add("k8s-admission-policy", m.locator)
    for path in paths:
        if is_example(path) or VENDORED.search(path):
            continue
        if path.endswith(".rego") and not path.endswith("_test.rego"):
            where = first_line(helm.files, path, re.compile(r"^\s*package\s")) or f"{path}:1"
            found.add("opa", where)
            if path.startswith("policy/") or "/policy/" in path:
                found.add("conftest", where)  # conftest's default policy folder
        elif posixpath.basename(path) == "conftest.toml":
            found.add("conftest", f"{path}:1")
    found.emit(out, "policy.tools",
               "no Kyverno, Gatekeeper, Kubewarden or admission policies, Rego files or "
               "Conftest configuration")
