"""Every AWS call of a scan goes through here: one client per service and region,
pagination, a count of calls, and each failure turned into a short reason.

A call that is not answered raises `Unanswered`; the area that made it leaves its
signals out (no evidence) and says why, and the rest of the scan goes on. Each call is
declared once as an `Api` (its parameters and the keys read from its answer), which is
what the code may use and what the contract tests check against botocore's models.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from typing import Any

from scanner.collectors.bounds import Budget, RequestBudgetSpent
from scanner.collectors.cloud.aws.api import Api
from scanner.collectors.cloud.aws.session import Secrets, client_config
from scanner.collectors.cloud.aws.target import AccountTarget

READ_VERBS = ("Describe", "List", "Get", "BatchGet", "Lookup")

# IAM names the services' actions with a prefix that is not always boto3's client name.
IAM_PREFIXES = {"elbv2": "elasticloadbalancing", "resourcegroupstaggingapi": "tag",
                "logs": "logs"}
# S3 actions whose IAM name differs from the API operation.
S3_ACTIONS = {"ListBuckets": "ListAllMyBuckets",
              "GetBucketReplication": "GetReplicationConfiguration"}

DENIED = "denied"
UNSUPPORTED = "unsupported"
UNREACHABLE = "unreachable"
THROTTLED = "throttled"
REFUSED = "refused"  # any other error answer; its code says what (e.g. not subscribed)
SPENT = "spent"  # not asked: the account's request budget was used up
# A listing longer than this many pages is cut, with a note: a scan judges practice, it
# does not export an account (1,000 pages is 20,000 canaries or 50,000 tagged resources).
MAX_PAGES = 1000
# Page tokens of operations that botocore has no paginator for (Synthetics, Resilience Hub).
TOKENS = ("NextToken", "nextToken")

_DENIED_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
                 "AuthorizationError", "UnauthorizedException", "Forbidden"}
_UNSUPPORTED_CODES = {"404", "UnknownOperationException", "InvalidAction", "NotImplemented",
                      "501"}
_THROTTLED_CODES = {"Throttling", "ThrottlingException", "TooManyRequestsException",
                    "RequestLimitExceeded", "ProvisionedThroughputExceededException",
                    "SlowDown"}
_REGION_CODES = {"UnrecognizedClientException", "InvalidClientTokenId", "AuthFailure",
                 "OptInRequired"}


def iam_action(service: str, operation: str) -> str:
    """The IAM action that allows an API operation: ('elbv2', 'DescribeLoadBalancers') ->
    'elasticloadbalancing:DescribeLoadBalancers'."""
    if service == "s3":
        return f"s3:{S3_ACTIONS.get(operation, operation)}"
    return f"{IAM_PREFIXES.get(service, service)}:{operation}"


class Unanswered(Exception):
    def __init__(self, kind: str, service: str, region: str, operation: str, reason: str,
                 *, code: str = "") -> None:
        super().__init__(reason)
        self.kind, self.service, self.region = kind, service, region
        self.operation, self.reason, self.code = operation, reason, code

    @property
    def action(self) -> str:
        return iam_action(self.service, self.operation)

    def describe(self) -> str:
        where = f" in {self.region}" if self.region else ""
        if self.kind == DENIED:
            return (f"access denied to {self.action}{where}; allow it in the scanning role "
                    "(see the collector's iam-policy.json)")
        if self.kind == UNSUPPORTED:
            return f"{self.action} is not answered by the endpoint{where} ({self.reason})"
        if self.kind == THROTTLED:
            return f"{self.action} stayed throttled{where} after retries"
        if self.kind == SPENT:
            return (f"{self.action}{where} not asked: the account's budget of requests was "
                    "spent (max_requests on the account target raises it)")
        return f"{self.action} failed{where}: {self.reason}"


class Reader:
    """Read-only calls against one account, shared by the threads that scan it."""

    def __init__(self, session: Any, target: AccountTarget, secrets: Secrets) -> None:
        self._session = session
        self._target = target
        self._secrets = secrets
        self._config = client_config(target)
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self.calls = 0
        self.budget = Budget(target.max_requests)
        self.unreachable: dict[str, str] = {}
        self.notes: list[str] = []  # listings cut at MAX_PAGES

    def client(self, service: str, region: str) -> Any:
        with self._lock:  # boto3 sessions are not thread-safe; their clients are
            key = (service, region)
            if key not in self._clients:
                client = self._session.client(service, region_name=region,
                                              endpoint_url=self._target.endpoint_url,
                                              config=self._config)
                client.meta.events.register("before-call", self._count)
                self._clients[key] = client
            return self._clients[key]

    def _count(self, **_: Any) -> None:
        """Every HTTP call, pages included, passes here before it is sent: past the
        account's budget it is not sent at all."""
        self.budget.spend()
        with self._lock:
            self.calls += 1

    def call(self, api: Api, region: str, **params: Any) -> Mapping[str, Any]:
        client = self.client(api.service, region)
        name = client.meta.method_to_api_mapping.get(api.method, api.method)
        self._check_region(api.service, region, name)
        api.check(params)
        try:
            answer = getattr(client, api.method)(**params)
        except Exception as exc:
            raise self._unanswered(exc, api.service, region, name) from None
        return api.answer(answer)

    def pages(self, api: Api, region: str, **params: Any) -> list[Any]:
        """Every item of a listing across its pages."""
        return list(self.iterate(api, region, **params))

    def iterate(self, api: Api, region: str, **params: Any) -> Iterator[Any]:
        client = self.client(api.service, region)
        name = client.meta.method_to_api_mapping.get(api.method, api.method)
        self._check_region(api.service, region, name)
        api.check(params, listed=True)
        read = 0
        try:
            for page in self._pages(client, api, name, params):
                if read == MAX_PAGES:
                    with self._lock:
                        self.notes.append(f"{iam_action(api.service, name)} in {region} has "
                                          f"more than {MAX_PAGES} pages; only those were read, "
                                          "so what it counts is a floor")
                    return
                yield from api.items_of(page)
                read += 1
        except Exception as exc:
            raise self._unanswered(exc, api.service, region, name) from None

    @staticmethod
    def _pages(client: Any, api: Api, name: str, params: dict[str, Any]
               ) -> Iterator[Mapping[str, Any]]:
        if client.can_paginate(api.method):
            yield from client.get_paginator(api.method).paginate(**params)
            return
        model = client.meta.service_model.operation_model(name)
        inputs = model.input_shape.members if model.input_shape else {}
        token = next((t for t in TOKENS if t in model.output_shape.members and t in inputs),
                     None)
        seen: set[str] = set()
        while True:
            page = getattr(client, api.method)(**params)
            yield page
            if token is None:
                return
            following = page.get(token)
            if not following or following in seen:
                return
            seen.add(following)
            params = {**params, token: following}

    def _check_region(self, service: str, region: str, name: str) -> None:
        if region in self.unreachable:
            raise Unanswered(UNREACHABLE, service, region, name, self.unreachable[region])

    def _unanswered(self, exc: Exception, service: str, region: str,
                    name: str) -> Unanswered:
        from botocore.exceptions import (
            ClientError,
            ConnectionError,
            EndpointConnectionError,
            NoCredentialsError,
        )

        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code") or "")
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            message = _short(self._secrets.scrub(str(error.get("Message") or "")), status)
            if code in _DENIED_CODES or "not authorized" in message.lower():
                kind = DENIED
            elif code in _UNSUPPORTED_CODES or (status in (404, 501) and "NotFound" not in code
                                                and "NoSuch" not in code):
                kind = UNSUPPORTED
            elif code in _THROTTLED_CODES:
                kind = THROTTLED
            elif code in _REGION_CODES and region != self._session.region_name:
                reason = f"region {region} refuses the credentials ({code}); is it enabled?"
                self.unreachable.setdefault(region, reason)
                return Unanswered(UNREACHABLE, service, region, name, reason, code=code)
            else:
                kind = REFUSED
            return Unanswered(kind, service, region, name, f"{code}: {message}", code=code)
        if isinstance(exc, EndpointConnectionError | ConnectionError):
            reason = self._secrets.scrub(f"endpoint unreachable ({exc})")
            self.unreachable.setdefault(region, reason)
            return Unanswered(UNREACHABLE, service, region, name, reason)
        if isinstance(exc, NoCredentialsError):
            return Unanswered(REFUSED, service, region, name, "no credentials")
        if isinstance(exc, NotImplementedError):
            return Unanswered(UNSUPPORTED, service, region, name, "not implemented")
        if isinstance(exc, RequestBudgetSpent):
            return Unanswered(SPENT, service, region, name, str(exc))
        # Anything else (an unexpected answer shape, a parser error) costs this call only.
        return Unanswered(REFUSED, service, region, name,
                          self._secrets.scrub(f"{type(exc).__name__}: {exc}"))


def _short(message: str, status: Any) -> str:
    """An error message on one line; an HTML error page (a proxy, an emulator) as its
    HTTP status."""
    text = message.strip()
    if not text or text.startswith("<"):
        return f"HTTP {status}"
    return text.splitlines()[0][:200]
