"""Every AWS call the collector makes, held against botocore's service models: the
operation exists, each parameter passed is in its input shape, each key read is in its
output shape, and a paged operation is read as a listing. The calls come from the
collector's own declarations (`Api`), which are all the code is allowed to pass and
read; the canned answers the AWS tests give for calls moto lacks are checked too."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import boto3
import pytest
from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape
from botocore.validate import ParamValidator

from scanner.collectors.cloud.aws import collector  # noqa: F401  (declares every area's calls)
from scanner.collectors.cloud.aws.api import CATALOGUE, Api
from scanner.collectors.cloud.aws.calls import TOKENS, iam_action
from scanner.collectors.declared import ANY_KEY, EACH

import aws_estate as estate

APIS = sorted(CATALOGUE.values(), key=lambda api: api.name)
_clients: dict[str, Any] = {}


def client(service: str) -> Any:
    if service not in _clients:  # made offline: a client is its model, nothing is sent
        _clients[service] = boto3.client(service, region_name="us-east-1",
                                         aws_access_key_id="x", aws_secret_access_key="x")
    return _clients[service]


def operation(api: Api) -> OperationModel:
    found = client(api.service)
    name = found.meta.method_to_api_mapping.get(api.method)
    assert name is not None, f"{api.service} has no operation {api.method}"
    return found.meta.service_model.operation_model(name)


def shape_at(shape: Shape, path: str) -> Shape | str:
    """The shape a path of the answer leads to, or what is wrong with the path."""
    for part in path.split("."):
        key, each = part.removesuffix(EACH), part.endswith(EACH)
        if isinstance(shape, MapShape) and key == ANY_KEY:
            shape = shape.value
        elif isinstance(shape, StructureShape) and key in shape.members:
            shape = shape.members[key]
        else:
            return f"{key} is not in {shape.name} ({shape.type_name})"
        if each:
            if not isinstance(shape, ListShape):
                return f"{key} is not a list ({shape.type_name})"
            shape = shape.member
    return shape


@pytest.mark.parametrize("api", APIS, ids=lambda api: api.name)
def test_the_operation_exists_and_takes_the_parameters_passed(api: Api) -> None:
    model = operation(api)
    accepted = set(model.input_shape.members) if model.input_shape else set()
    assert set(api.params) <= accepted, f"not in {model.name}'s input: " \
        f"{sorted(set(api.params) - accepted)}"


@pytest.mark.parametrize("api", APIS, ids=lambda api: api.name)
def test_every_key_read_is_in_the_output_shape(api: Api) -> None:
    model = operation(api)
    paths = [*([f"{api.items}{EACH}"] if api.items else []), *api.reads]
    wrong = {path: found for path in paths
             if isinstance(found := shape_at(model.output_shape, path), str)}
    assert not wrong, f"{model.name} answers none of: {wrong}"


@pytest.mark.parametrize("api", APIS, ids=lambda api: api.name)
def test_a_paged_operation_is_read_as_a_listing(api: Api) -> None:
    """One call of an operation that pages reads only its first page (as Synthetics'
    DescribeCanaries and Resilience Hub's ListApps once were)."""
    model = operation(api)
    outputs = model.output_shape.members if model.output_shape else {}
    pages = client(api.service).can_paginate(api.method) or any(t in outputs for t in TOKENS)
    assert bool(api.items) == pages, \
        f"{model.name} {'pages' if pages else 'does not page'}, but is declared " \
        f"{'as one answer' if pages else 'as a listing'}"


def test_the_declared_calls_are_the_ones_the_policy_allows() -> None:
    """The policy test shows a full scan calls exactly what iam-policy.json allows; so
    every call the collector makes is declared here, and every declaration is used."""
    text = resources.files("scanner.collectors.cloud.aws").joinpath("iam-policy.json")
    allowed = {action for statement in json.loads(text.read_text())["Statement"]
               for action in statement["Action"]}
    declared = {iam_action(api.service, operation(api).name) for api in APIS}
    # AssumeRole is the caller's right to enter the account, not part of the read role.
    assert declared - {"sts:AssumeRole"} == allowed


ANSWERS: dict[str, tuple[estate.Answer, Mapping[str, Any]]] = {
    **{key: (answer, {"InstanceIds": ["i-00000000000000000"]})
       for key, answer in estate.patch_states(1, 1).items()},
    **{key: (answer, {"ByCreatedAfter": datetime.now(UTC)})
       for key, answer in estate.restore_tests(2).items()},
    **{key: (answer, {}) for key, answer in estate.experience(1, 1, 1).items()},
    **{key: (answer, {"BackupPlanId": "plan-1", "SelectionId": "sel-plan-1"})
       for key, answer in estate.selections("arn:aws:rds:*").items()},
    **{key: (answer, {"NextToken": "page-20"}) for key, answer in estate.canaries(45).items()},
}


@pytest.mark.parametrize("key", sorted(ANSWERS))
def test_the_canned_answers_fit_the_output_shapes(key: str) -> None:
    """A stand-in answering a key the real operation never sends would let the
    collector read it and pass."""
    answer, params = ANSWERS[key]
    service, name = key.split(".", 1)
    model = client(service).meta.service_model.operation_model(name)
    status, body = answer(params)
    assert status == 200
    report = ParamValidator().validate(body, model.output_shape)
    assert not report.has_errors(), report.generate_report()
