"""What a CircleCI configuration declares for its workflows to use: orbs (from the
registry or written inline), executors, reusable commands, jobs and the pipeline's
parameters."""

from __future__ import annotations

from typing import Any

from scanner.collectors.ci.model import IMAGE, Reference, scalar_text
from scanner.yaml_source import LineDict, LineList


def section(data: Any, key: str) -> LineDict:
    """The mapping under `key` (empty when there is none)."""
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, LineDict) else LineDict()


class Declarations:
    """One configuration file's orbs, executors, commands, jobs and pipeline parameters."""

    def __init__(self, data: LineDict) -> None:
        self.orbs: dict[str, tuple[str, str]] = {}
        self.inline_orbs: dict[str, LineDict] = {}
        orbs = data.get("orbs")
        for alias, value in orbs.items() if isinstance(orbs, dict) else []:
            if isinstance(value, LineDict):
                self.inline_orbs[str(alias)] = value
            elif isinstance(value, str) and value:
                name, _, version = value.partition("@")
                self.orbs[str(alias)] = (name.strip().lower(), version.strip())
        self.commands = section(data, "commands")
        self.executors = section(data, "executors")
        self.jobs = section(data, "jobs")
        parameters = section(data, "parameters")
        self.pipeline_defaults = {
            str(k): v.get("default") for k, v in parameters.items() if isinstance(v, dict)}

    def orb(self, alias: str, name: str) -> tuple[str, str] | None:
        """`snyk/scan` -> ('snyk/snyk/scan', version) for an orb from the registry."""
        if alias not in self.orbs:
            return None
        orb_name, version = self.orbs[alias]
        return f"{orb_name}/{name}".lower(), version

    def images(self, body: LineDict, depth: int = 0) -> list[Reference]:
        """The Docker images a job (or an executor) runs in, its executor's included."""
        found: list[Reference] = []
        docker = body.get("docker")
        if isinstance(docker, LineList):
            for index, item in enumerate(docker):
                image = item.get("image") if isinstance(item, dict) else None
                if isinstance(image, str) and image:
                    found.append(Reference(IMAGE, image, docker.locate(index)))
        executor = body.get("executor")
        name = executor.get("name") if isinstance(executor, dict) else executor
        definition = self.executors.get(scalar_text(name)) if name else None
        if isinstance(definition, LineDict) and depth < 2:
            found += self.images(definition, depth + 1)
        return found
