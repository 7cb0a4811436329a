"""One `targets: aws:` entry of the config, checked: which account, how to reach it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from scanner import validate as v
from scanner.lazy_patterns import lazy_compile

ROLE_ARN = lazy_compile(r"^arn:aws[\w-]*:iam::(\d{12}):role/[\w+=,.@/-]+$")
REGION = lazy_compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
KEYS = ("profile", "role_arn", "external_id", "regions", "endpoint_url", "iac_tags",
        "required_tags", "window_days", "workers", "max_requests")
DEFAULT_REQUIRED_TAGS = ("service", "env", "team")


@dataclass(frozen=True)
class AccountTarget:
    """How to read one account. `regions` empty means every region enabled in it."""

    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    regions: tuple[str, ...] = ()
    endpoint_url: str | None = None
    # "key" or "key=value": a tag that marks a resource as made by infrastructure code.
    iac_tags: tuple[str, ...] = ()
    required_tags: tuple[str, ...] = DEFAULT_REQUIRED_TAGS
    window_days: int = 90
    workers: int = 8
    # API calls one scan of the account may make: a listing of a hundred thousand tables
    # would otherwise become as many describe calls.
    max_requests: int = 20_000

    @property
    def label(self) -> str:
        if self.role_arn:
            match = ROLE_ARN.match(self.role_arn)
            role = self.role_arn.rsplit("/", 1)[-1]
            return f"aws/{match.group(1) if match else '?'}/{role}"
        return f"aws/{self.profile or 'default'}"

    def to_options(self) -> dict[str, Any]:
        return {"profile": self.profile, "role_arn": self.role_arn,
                "external_id": self.external_id, "regions": list(self.regions),
                "endpoint_url": self.endpoint_url, "iac_tags": list(self.iac_tags),
                "required_tags": list(self.required_tags), "window_days": self.window_days,
                "workers": self.workers, "max_requests": self.max_requests}

    @classmethod
    def from_options(cls, options: Any) -> AccountTarget:
        return cls(profile=options.get("profile"), role_arn=options.get("role_arn"),
                   external_id=options.get("external_id"),
                   regions=tuple(options.get("regions") or ()),
                   endpoint_url=options.get("endpoint_url"),
                   iac_tags=tuple(options.get("iac_tags") or ()),
                   required_tags=tuple(options.get("required_tags") or ()),
                   window_days=int(options.get("window_days", 90)),
                   workers=int(options.get("workers", 8)),
                   max_requests=int(options.get("max_requests", 20_000)))


def parse_target(raw: Any, where: v.Where) -> AccountTarget:
    entry = v.mapping(raw, where, "a mapping with profile: or role_arn:")
    v.keys(entry, where, optional=KEYS)
    profile = v.text(entry["profile"], where.at("profile")) if "profile" in entry else None
    role_arn = v.text(entry["role_arn"], where.at("role_arn")) if "role_arn" in entry else None
    if role_arn is not None and not ROLE_ARN.match(role_arn):
        raise where.at("role_arn").problem(
            f"'{role_arn}' is not an IAM role ARN (arn:aws:iam::123456789012:role/name)")
    regions = entry.get("regions", "all")
    if regions == "all":
        chosen: tuple[str, ...] = ()
    else:
        chosen = tuple(dict.fromkeys(v.texts(regions, where.at("regions"))))
        for region in chosen:
            if not REGION.match(region):
                raise where.at("regions").problem(
                    f"'{region}' is not a region name (e.g. eu-west-1), nor 'all'")
        if not chosen:
            raise where.at("regions").problem("name at least one region, or write 'all'")
    endpoint = v.text(entry["endpoint_url"], where.at("endpoint_url")) \
        if "endpoint_url" in entry else None
    if endpoint is not None and not re.match(r"^https?://", endpoint):
        raise where.at("endpoint_url").problem("must be an http(s) URL, e.g. "
                                               "http://127.0.0.1:5000")
    required = tuple(v.texts(entry["required_tags"], where.at("required_tags"))) \
        if "required_tags" in entry else DEFAULT_REQUIRED_TAGS
    return AccountTarget(
        profile=profile, role_arn=role_arn,
        external_id=v.text(entry["external_id"], where.at("external_id"))
        if "external_id" in entry else None,
        regions=chosen, endpoint_url=endpoint,
        iac_tags=tuple(v.texts(entry.get("iac_tags"), where.at("iac_tags"))),
        required_tags=required,
        window_days=v.integer(entry.get("window_days", 90), where.at("window_days"),
                              minimum=7, maximum=730),
        workers=v.integer(entry.get("workers", 8), where.at("workers"), minimum=1,
                          maximum=32),
        max_requests=v.integer(entry.get("max_requests", 20_000), where.at("max_requests"),
                               minimum=10, maximum=10_000_000),
    )
