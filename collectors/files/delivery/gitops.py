"""GitOps: Argo CD and Flux definitions, and whether the controller deploys only what
passes a signature check."""

from __future__ import annotations

from collections.abc import Sequence

from scanner.collectors.base import Emitter
from scanner.collectors.files.index import Manifest
from scanner.collectors.files.kubernetes import dig, mapping, sequence

# The GitOps definitions that say what is deployed from where come first when cited: Flux
# Kustomizations and Argo CD Applications; then what they reconcile; the files `flux
# bootstrap` writes into flux-system/ last.
_GITOPS_RANK = {("flux", "Kustomization"): 0, ("argocd", "Application"): 0,
                ("argocd", "ApplicationSet"): 0}


def gitops(manifests: Sequence[Manifest], out: Emitter) -> None:
    found: dict[str, list[tuple[int, str]]] = {}
    for m in manifests:
        tool = None
        if m.group == "argoproj.io" and m.kind in ("Application", "ApplicationSet",
                                                   "AppProject"):
            tool = "argocd"
        elif m.group.endswith("toolkit.fluxcd.io") and m.kind in (
                "Kustomization", "HelmRelease", "GitRepository", "OCIRepository"):
            tool = "flux"
        if tool:
            rank = 2 if "/flux-system/" in f"/{m.path}" else _GITOPS_RANK.get((tool, m.kind), 1)
            found.setdefault(tool, []).append((rank, m.locator))
    tools = sorted(found)
    places = [locator for tool in tools for _, locator in sorted(found[tool])]
    out.emit("deploy.gitops.tools", tools, places, None if tools else
             "no Argo CD Application/ApplicationSet/AppProject or Flux "
             "Kustomization/HelmRelease/GitRepository/OCIRepository")
    if tools:
        checked = [m.locator for m in manifests if _verifies(m)]
        out.emit("deploy.gitops.verified", bool(checked), checked or places[:1],
                 None if checked else "no Flux source verifies signatures and no Argo CD "
                 "project requires signed commits")


def _verifies(m: Manifest) -> bool:
    """A Flux source that verifies what it fetches, or an Argo CD project that only syncs
    signed commits."""
    if m.group == "source.toolkit.fluxcd.io":
        return bool(mapping(dig(m.body, "spec", "verify")))
    if m.group == "argoproj.io" and m.kind == "AppProject":
        return bool(sequence(dig(m.body, "spec", "signatureKeys")))
    return False
