"""What the files and CI together say: whether the code runs as a service, ships an
application or is deployable at all, and how much of its infrastructure as code CI
applies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from scanner.collectors.base import Emitter

APPLICATION_KINDS_SHIPPED = frozenset({"cli", "desktop", "mobile", "web", "web-archive",
                                       "container"})
# Artifacts that run a service by themselves; a Dockerfile alone may only build tooling.
RUNTIME_ARTIFACTS = frozenset({"helm", "serverless", "procfile", "fly", "codedeploy", "compose",
                               "kubernetes", "app-engine", "gitops"})


def iac_applied(iac: dict[str, str], applied: Sequence[str] | None, out: Emitter) -> None:
    """`iac.applied_share`, once CI's automatic applies are known."""
    if not iac or applied is None:
        return
    kinds = sorted(iac)
    done = [kind for kind in kinds if kind in applied]
    out.emit("iac.applied_share", round(len(done) / len(kinds), 2),
             [iac[kind] for kind in kinds if kind not in applied] or [iac[k] for k in kinds],
             f"applied after merge: {', '.join(done) or 'none'}; "
             f"not applied: {', '.join(k for k in kinds if k not in done) or 'none'}")


class CiFacts(Protocol):
    """What classification needs from CI (`ci.signals.CiSummary` provides it)."""

    @property
    def deploys(self) -> bool | None: ...

    @property
    def deploys_service(self) -> bool | None: ...

    @property
    def pushes_images(self) -> bool: ...

    @property
    def deploy_places(self) -> tuple[str, ...]: ...


def classify(service_artifacts: Sequence[tuple[str, str]], app_kinds: Sequence[str] | None,
             ci: CiFacts, out: Emitter, decided: Emitter | None = None) -> None:
    """Whether the code runs as a service, ships an application, is deployable at all.

    A Dockerfile counts as a service when its image serves on a port or CI publishes
    images; a documentation site deployed by CI makes a library deployable, not an
    application.  Unknown stays unknown: a CI configuration that could not be read
    leaves a `False` unsaid.  `decided`, when given, emits the decisions with places
    seen from the repository root (a service's files are read from its folder).
    """
    kinds = [kind for kind, _ in service_artifacts]
    out.emit("service.artifacts", kinds, [path for _, path in service_artifacts],
             None if kinds else "no Dockerfile, Kubernetes workload, Helm chart or similar")
    runtime = [path for kind, path in service_artifacts if kind in RUNTIME_ARTIFACTS or (
        kind == "container" and (ci.pushes_images or "container" in (app_kinds or ())))]
    shipped = sorted(set(app_kinds or ()) & APPLICATION_KINDS_SHIPPED)
    if decided is not None:  # CI's places are the repository's; the files' are the folder's
        runtime = [out.locator_prefix + path for path in runtime]
        out = decided
    _decide(out, "runs_as_service", bool(runtime) or ci.deploys_service,
            [*runtime, *ci.deploy_places], "no service artifacts that run, and no deploy jobs")
    looked = app_kinds is not None  # the detector of application kinds did its work
    _decide(out, "application", bool(runtime or shipped) or (
        ci.deploys_service if looked else ci.deploys_service or None),
            [*runtime, *ci.deploy_places],
            "no runnable application: a library or a collection of files",
            note=f"ships: {', '.join(shipped)}" if shipped else None)
    _decide(out, "deployable", bool(runtime or shipped) or (
        ci.deploys if looked else ci.deploys or None),
            [*runtime, *ci.deploy_places], "nothing runs, ships or is deployed")


def _decide(out: Emitter, signal: str, known: bool | None, places: Sequence[str],
            absent: str, *, note: str | None = None) -> None:
    """True with where it shows; False only when nothing unread could make it true."""
    if known:
        out.emit(signal, True, places, note)
    elif known is False:
        out.emit(signal, False, (), absent)
