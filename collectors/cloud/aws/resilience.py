"""Resiliency testing: fault-injection templates and the experiments run in the last 90
days (AWS FIS), and applications assessed by Resilience Hub."""

from __future__ import annotations

from datetime import datetime, timedelta

from scanner.collectors.cloud.aws.api import Api
from scanner.collectors.cloud.aws.context import Context
from scanner.collectors.cloud.aws.signals import Out, console

WINDOW = timedelta(days=90)
TEMPLATES = Api("fis", "list_experiment_templates", ("experimentTemplates[].id",),
                items="experimentTemplates")
# A summary has no start time (GetExperiment has): an experiment is created when it
# starts, so its creation time is when it ran.
EXPERIMENTS = Api("fis", "list_experiments", ("experiments[].id", "experiments[].creationTime"),
                  items="experiments")
# No paginator in botocore: the reader follows nextToken itself (100 apps a page).
APPS = Api("resiliencehub", "list_apps", ("appSummaries[].appArn",), items="appSummaries")


def observe(c: Context, out: Out) -> None:
    since = c.now - WINDOW
    templates, gaps = c.per_region(lambda region: [
        (region, t.get("id")) for t in c.reader.iterate(TEMPLATES, region)])
    found = [c.arn("fis", r, f"experiment-template/{i}") for v in templates.values()
             for r, i in v]
    out.count("aws.fis_templates", len(found), found, gaps, f"{len(found)} FIS experiment "
              "templates")

    def recent_runs(region: str) -> list[str]:
        found = []
        for experiment in c.reader.iterate(EXPERIMENTS, region):
            started = experiment.get("creationTime")
            if isinstance(started, datetime) and started >= since:
                found.append(c.arn("fis", region, f"experiment/{experiment.get('id')}"))
        return found

    runs, gaps = c.per_region(recent_runs)
    recent = [arn for v in runs.values() for arn in v]
    out.count("aws.fis_experiments_90d", len(recent),
              recent or [console(r, "fis/home") for r in c.regions], gaps,
              f"{len(recent)} FIS experiments started since {since:%Y-%m-%d}")
    apps, gaps = c.per_region(lambda region: [
        str(a.get("appArn")) for a in c.reader.iterate(APPS, region)])
    assessed = [arn for v in apps.values() for arn in v]
    out.count("aws.resilience_hub_apps", len(assessed),
              assessed or [console(r, "resiliencehub/home") for r in c.regions], gaps,
              f"{len(assessed)} applications in Resilience Hub")

