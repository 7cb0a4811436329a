"""The shipped IAM policy is read-only and names exactly what the collector calls."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest
from moto import mock_aws

from scanner.collectors.base import CollectSettings, Target
from scanner.collectors.cloud.aws.calls import READ_VERBS, iam_action
from scanner.collectors.cloud.aws.collector import AwsCollector
from scanner.collectors.cloud.aws.target import AccountTarget

import aws_estate as estate

ACCOUNT = "333333333333"


def policy_actions() -> set[str]:
    text = resources.files("scanner.collectors.cloud.aws").joinpath("iam-policy.json")
    document: dict[str, Any] = json.loads(text.read_text())
    return {action for statement in document["Statement"] for action in statement["Action"]}


def test_the_policy_allows_only_reads() -> None:
    actions = policy_actions()
    assert actions
    for action in actions:
        _, _, name = action.partition(":")
        assert name.startswith(READ_VERBS), action
        assert "*" not in action, action


def test_every_call_of_a_full_scan_is_in_the_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAMATURITYTEST0002")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", estate.SECRET)
    answers = {**estate.patch_states(1, 1), **estate.restore_tests(1),
               **estate.selections("*"), **estate.experience(1, 1, 1), **estate.canaries(3)}
    with mock_aws():
        builder = estate.Builder(estate.account_session(ACCOUNT, "eu-west-1"), "eu-west-1")
        builder.build(estate.Shape())
        builder.trail("policy-trail")
        target = AccountTarget(role_arn=estate.role_arn(ACCOUNT), regions=("eu-west-1",))
        with estate.answering(answers) as called:
            AwsCollector().collect(Target("aws", target.label, target.to_options()),
                                   CollectSettings())
    operations = {tuple(c.split(".", 1)) for c in called}
    # AssumeRole is the caller's right to enter the account, not part of the read role.
    operations.discard(("sts", "AssumeRole"))
    for _, operation in operations:
        assert operation.startswith(READ_VERBS), operation
    used = {iam_action(service, operation) for service, operation in operations}
    assert used - policy_actions() == set(), "called but not allowed"
    assert policy_actions() - used == set(), "allowed but never called"


def test_s3_operations_map_to_their_iam_names() -> None:
    assert iam_action("s3", "ListBuckets") == "s3:ListAllMyBuckets"
    assert iam_action("s3", "GetBucketReplication") == "s3:GetReplicationConfiguration"
    assert iam_action("elbv2", "DescribeLoadBalancers") == \
        "elasticloadbalancing:DescribeLoadBalancers"
    assert iam_action("resourcegroupstaggingapi", "GetResources") == "tag:GetResources"
