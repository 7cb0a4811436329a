"""Reaching one account: a profile or an assumed role, its identity, its enabled regions.

Credentials come from boto3's own chain (environment, profiles, SSO, instance roles);
nothing secret is read from the config. What went wrong is said in one line, and the
credentials in use are scrubbed from anything that is said.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scanner import credentials
from scanner.collectors.cloud.aws.api import Api
from scanner.collectors.cloud.aws.target import AccountTarget

SESSION_NAME = "maturity-scanner"
ENABLED = ("opt-in-not-required", "opted-in")
ASSUME_ROLE = Api("sts", "assume_role",
                  ("Credentials.AccessKeyId", "Credentials.SecretAccessKey",
                   "Credentials.SessionToken"),
                  ("RoleArn", "RoleSessionName", "DurationSeconds", "ExternalId"))
WHO_AM_I = Api("sts", "get_caller_identity", ("Account", "Arn"))
REGIONS = Api("ec2", "describe_regions", ("Regions[].RegionName", "Regions[].OptInStatus"))


class SetupFailed(Exception):
    """The account cannot be read at all (bad profile, role, credentials)."""


@dataclass(frozen=True)
class Account:
    id: str
    partition: str
    regions: tuple[str, ...]
    home: str
    notes: tuple[str, ...] = ()

    @property
    def entity(self) -> str:
        return f"aws:{self.id}"


@dataclass(frozen=True)
class Secrets:
    """The credential strings in use, to scrub from any message (and, once known, from
    everything else the process says)."""

    values: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        credentials.remember(*self.values)

    def scrub(self, message: str) -> str:
        return credentials.redact(message)


def client_config(target: AccountTarget) -> Any:
    from botocore.config import Config

    # Adaptive retries back off on throttling and pace later calls client-side.
    return Config(retries={"mode": "adaptive", "max_attempts": 5},
                  connect_timeout=5, read_timeout=30,
                  max_pool_connections=max(10, target.workers * 2),
                  user_agent_extra=SESSION_NAME)


def open_session(target: AccountTarget) -> tuple[Any, Secrets]:
    """A boto3 session with the account's credentials (after assuming the role)."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, ProfileNotFound

    home = target.regions[0] if target.regions else None
    try:
        base = boto3.session.Session(profile_name=target.profile, region_name=home)
    except ProfileNotFound:
        raise SetupFailed(f"AWS profile '{target.profile}' is not configured (see "
                          "~/.aws/config or AWS_CONFIG_FILE)") from None
    region = base.region_name or "us-east-1"
    if not target.role_arn:
        return base, _secrets(base)
    secrets = _secrets(base)
    sts = base.client("sts", region_name=region, endpoint_url=target.endpoint_url,
                      config=client_config(target))
    request: dict[str, Any] = {"RoleArn": target.role_arn, "RoleSessionName": SESSION_NAME,
                               "DurationSeconds": 3600}
    if target.external_id:
        request["ExternalId"] = target.external_id
    try:
        answer = ASSUME_ROLE.run(sts, **request)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise SetupFailed(secrets.scrub(
            f"role {target.role_arn} cannot be assumed ({error.get('Code')}: "
            f"{error.get('Message')})")) from None
    except BotoCoreError as exc:
        raise SetupFailed(secrets.scrub(
            f"role {target.role_arn} cannot be assumed: {exc}")) from None
    credentials = answer["Credentials"]
    session = boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"], region_name=region)
    return session, Secrets((*secrets.values, credentials["AccessKeyId"],
                             credentials["SecretAccessKey"], credentials["SessionToken"]))


def _secrets(session: Any) -> Secrets:
    found = session.get_credentials()
    if found is None:
        return Secrets()
    frozen = found.get_frozen_credentials()
    return Secrets(tuple(v for v in (frozen.access_key, frozen.secret_key, frozen.token) if v))


def identify(session: Any, target: AccountTarget, secrets: Secrets) -> Account:
    """Who the credentials are, and which of the wanted regions the account has enabled."""
    from botocore.exceptions import BotoCoreError, ClientError

    home = session.region_name or "us-east-1"
    config = client_config(target)
    try:
        identity = WHO_AM_I.run(session.client("sts", region_name=home,
                                               endpoint_url=target.endpoint_url, config=config))
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise SetupFailed(secrets.scrub(f"the credentials were refused ({error.get('Code')}: "
                                        f"{error.get('Message')})")) from None
    except BotoCoreError as exc:
        raise SetupFailed(secrets.scrub(f"no usable AWS credentials: {exc}")) from None
    account_id = str(identity["Account"])
    partition = str(identity.get("Arn", "arn:aws:")).split(":")[1] or "aws"
    notes: list[str] = []
    try:
        listed = REGIONS.run(session.client("ec2", region_name=home,
                                            endpoint_url=target.endpoint_url,
                                            config=config))["Regions"]
        enabled = [r["RegionName"] for r in listed
                   if r.get("OptInStatus", "opt-in-not-required") in ENABLED]
    except (ClientError, BotoCoreError) as exc:
        if not target.regions:
            raise SetupFailed(secrets.scrub(
                f"the enabled regions cannot be listed ({_reason(exc)}); name the regions "
                "in the config, or allow ec2:DescribeRegions")) from None
        enabled = list(target.regions)
        notes.append(f"enabled regions not listed ({_reason(exc)}); reading the configured "
                     "ones")
    if target.regions:
        regions = [r for r in target.regions if r in enabled]
        for region in target.regions:
            if region not in enabled:
                notes.append(f"region {region} is not enabled in account {account_id}; "
                             "skipped")
    else:
        regions = sorted(enabled)
    return Account(account_id, partition, tuple(regions), home, tuple(notes))


def _reason(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code") or exc)
    return str(exc)
