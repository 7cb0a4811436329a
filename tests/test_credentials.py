"""The one redaction point: what it masks, what it leaves, and what it keeps intact."""

from __future__ import annotations

import json

import pytest

from scanner import credentials


def test_a_value_read_from_the_environment_is_masked_wherever_it_shows(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACME_READ", "plain-looking-value-77")  # a name that says nothing
    assert credentials.from_env("ACME_READ") == "plain-looking-value-77"
    assert credentials.redact("sent plain-looking-value-77, refused") == "sent ***, refused"


@pytest.mark.parametrize(("text", "masked"), [
    ("postgresql://u@db/m?sslmode=require&password=hunter22",
     "postgresql://u@db/m?sslmode=require&password=***"),
    ("postgresql://u:hunter22@db/m", "postgresql://u:***@db/m"),
    ("Authorization: token ghp_x1, PRIVATE-TOKEN: abc123", "Authorization: token ***, "
     "PRIVATE-TOKEN: ***"),
    ("{'DD-API-KEY': 'abc', 'Accept': '*/*'}", "{'DD-API-KEY': '***', 'Accept': '*/*'}"),
    ("proxy saw ghp_0123456789abcdefghijABCD and glpat-0123456789abcdefghij",
     "proxy saw ghp_*** and glpat-***"),
    ("Bearer eyJhbGciOi.payload.sig", "Bearer ***"),
])
def test_credentials_are_known_by_their_shape(text: str, masked: str) -> None:
    assert credentials.redact(text) == masked


def test_ordinary_words_and_urls_stay() -> None:
    text = ("the token was refused; see https://api.github.com/orgs/acme and "
            "http://host:8080/x@y; token permissions; resiliency_testing")
    assert credentials.redact(text) == text


def test_masked_json_stays_json() -> None:
    inner = json.dumps({"Authorization": "Bearer abc.def-ghi123", "PRIVATE-TOKEN": "zz9zz9zz"})
    text = json.dumps({"message": f"refused; headers {inner}", "url": "https://a:b1@c/"})
    data = json.loads(credentials.redact(text))
    assert "abc.def" not in data["message"] and "zz9zz9zz" not in data["message"]
    assert data["url"] == "https://a:***@c/"


@pytest.mark.parametrize(("name", "token"), [
    ("GITHUB_TOKEN", False), ("DD_API_KEY", False), ("github_token_for_ci_2", False),
    ("ghp_R4nd0mL00k1ngT0kenF0rTheHost1leCase", True),
    ("a3f9c1d2e4b5a6c7d8e9f0a1b2c3d4e5", True),  # a Datadog key
    ("y_NbAkKc66ryYTWUXYEu", True),  # a PagerDuty key
])
def test_a_token_is_told_from_a_variable_name(name: str, token: bool) -> None:
    assert credentials.looks_like_token(name) is token
