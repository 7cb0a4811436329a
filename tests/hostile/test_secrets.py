"""Credentials never leave the process: not on stdout or stderr, not in a report of any
format, not in `report` or `history`, not in the store.

The APIs here sit behind a proxy that refuses every request with 403 and echoes the
request's headers, tokens and keys included, in its error body: text the scanner must
treat as untrusted. A key echoed across the point where a message is cut to length must
not leave its first characters behind either.
"""

from __future__ import annotations

import base64
import binascii
import sqlite3
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from fakes.echo_proxy import EchoingProxy, headers_seen
from fakes.loopback import Call
from gitrepo import GitRepo
from samples import FILES

GITHUB_TOKEN = "ghp_R4nd0mL00k1ngT0kenF0rTheHost1leCase"
GITLAB_TOKEN = "glpat-Xy7Q2mN9vB4kL1pZ8wR3"
DD_API_KEY = "4f1c9a7e2b6d8035c1e9f7a2b4d6c8e0"
DD_APP_KEY = "a9e3c7b1d5f2e8a4c6b0d9f3e7a1c5b8d2f6e0a4"
PD_TOKEN = "y_NbAkKc66ryYTWUXYEu"
SECRETS = (GITHUB_TOKEN, GITLAB_TOKEN, DD_API_KEY, DD_APP_KEY, PD_TOKEN)
CUT = 200  # the length monitoring refusals are cut to
Hostile = Callable[..., Any]  # the `hostile` fixture: a bounded run of `maturity`


def _message(call: Call) -> dict[str, Any]:
    return {"message": f"403 Forbidden by egress proxy; request headers: {headers_seen(call)}"}


def _across_the_cut(header: str, secret: str) -> Callable[[Call], str]:
    """The refusal's words, padded so that the secret straddles the cut to CUT chars."""
    def words(call: Call) -> str:
        echoed = f"{header}: {call.headers.get(header, '')}"
        start = echoed.index(secret)  # the fake fails (a 500) if the secret was not sent
        padding = "denied by policy " * 20
        return padding[:CUT - 10 - start] + echoed
    return words


def _datadog(call: Call) -> dict[str, Any]:
    return {"errors": [_across_the_cut("DD-API-KEY", DD_API_KEY)(call)]}


def _pagerduty(call: Call) -> dict[str, Any]:
    return {"error": {"message": _across_the_cut("Authorization", PD_TOKEN)(call),
                      "code": 2010}}


@pytest.fixture
def proxies() -> Iterator[dict[str, EchoingProxy]]:
    with ExitStack() as stack:
        yield {name: stack.enter_context(EchoingProxy(body)) for name, body in (
            ("github", _message), ("gitlab", _message), ("datadog", _datadog),
            ("pagerduty", _pagerduty))}


def _config(tmp_path: Path, proxies: dict[str, EchoingProxy]) -> Path:
    local = GitRepo(tmp_path / "local")
    local.files(FILES)
    path = tmp_path / "config.yaml"
    path.write_text(
        "targets:\n"
        f"  local:\n    - {local.root}\n"
        "  github:\n"
        f"    - org: acme\n      base_url: {proxies['github'].origin}\n"
        "      token_env: ACME_GH\n"
        "  gitlab:\n"
        f"    - group: platform\n      url: {proxies['gitlab'].origin}\n"
        "      token_env: ACME_GL\n"
        "  datadog:\n"
        f"    - api_url: {proxies['datadog'].origin}\n      name: acme\n"
        "      api_key_env: ACME_DD_API\n      app_key_env: ACME_DD_APP\n"
        "  pagerduty:\n"
        f"    - api_url: {proxies['pagerduty'].origin}\n      account: acme\n"
        "      token_env: ACME_PD\n")
    return path


ENV = {"ACME_GH": GITHUB_TOKEN, "ACME_GL": GITLAB_TOKEN, "ACME_DD_API": DD_API_KEY,
       "ACME_DD_APP": DD_APP_KEY, "ACME_PD": PD_TOKEN}


def store_text(folder: Path) -> str:
    """Everything the store holds, as text: the raw file bytes, and every value of every
    table with compressed bodies (reports, evidence sets, kept answers) opened up."""
    parts = [path.read_bytes().decode("latin-1") for path in folder.iterdir()]
    with sqlite3.connect(folder / "maturity.db") as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master "
                                               "WHERE type = 'table'")]
        for table in tables:
            for row in db.execute(f'SELECT * FROM "{table}"'):
                parts.extend(_opened(value) for value in row)
    return "\n".join(parts)


def _opened(value: object) -> str:
    if isinstance(value, bytes):
        try:
            return zlib.decompress(value).decode("utf-8", "replace")
        except zlib.error:
            return value.decode("latin-1")
    text = str(value)
    try:
        return zlib.decompress(base64.b64decode(text, validate=True)).decode("utf-8", "replace")
    except (binascii.Error, zlib.error, ValueError):
        return text


def _leaks(text: str) -> list[str]:
    """Each secret, or the first ten characters of one (what a cut would leave), found."""
    return [secret for secret in SECRETS if secret[:10] in text]


def test_tokens_echoed_by_a_refusing_proxy_reach_no_output_report_or_store(
        hostile: Hostile, proxies: dict[str, EchoingProxy], tmp_path: Path) -> None:
    config = _config(tmp_path, proxies)
    scan = hostile("scan", "--config", str(config), "--format", "json", "--output",
                   str(tmp_path / "out" / "report.json"), env=ENV)
    assert scan.code == 3, scan.err  # the local repository scanned, the APIs refused
    assert all(proxy.count() > 0 for proxy in proxies.values())  # each was asked, and echoed
    assert "403" in scan.err and "egress proxy" in scan.err  # the refusal is still told
    runs = [scan,
            hostile("scan", "--config", str(config), "--format", "markdown", "--output",
                    str(tmp_path / "out" / "report.md"), "--log-format", "json", env=ENV),
            hostile("scan", "--config", str(config), "--format", "html", "--output",
                    str(tmp_path / "out" / "report.html"), env=ENV),
            hostile("scan", "--config", str(config), env=ENV),  # the table, on stdout
            hostile("report", "--format", "json"), hostile("report", "--format", "markdown"),
            hostile("report"), hostile("history", "--config", str(config))]
    assert [run.code for run in runs[4:]] == [0, 0, 0, 0], [r.err for r in runs[4:]]
    texts = [run.both for run in runs]
    texts += [path.read_text() for path in sorted((tmp_path / "out").iterdir())]
    texts.append(store_text(tmp_path / "store"))
    assert [_leaks(text) for text in texts] == [[]] * len(texts)


def test_a_token_given_as_the_variable_name_is_refused_without_being_repeated(
        hostile: Hostile, tmp_path: Path) -> None:
    for key, value in (("token_env", GITHUB_TOKEN), ("token_env", "a3f9c1d2e4b5a6c7d8e9f0a1b2")):
        config = tmp_path / "config.yaml"
        config.write_text(f"targets:\n  github:\n    - org: acme\n      {key}: {value}\n")
        run = hostile("scan", "--config", str(config))
        assert run.code == 2, run.err
        line = run.one_clear_line()
        assert "token_env" in line and "environment variable" in line, line
        assert value[:10] not in run.both
    datadog = tmp_path / "datadog.yaml"
    datadog.write_text(f"targets:\n  datadog:\n    - api_key_env: {DD_API_KEY[:1]}x{DD_API_KEY}\n")
    run = hostile("scan", "--config", str(datadog))
    assert run.code == 2 and "api_key_env" in run.one_clear_line()
    assert DD_API_KEY[:10] not in run.both


@pytest.mark.parametrize("url", [
    "postgresql://scanner@127.0.0.1:1/maturity?password=Sup3rS3cretPw",
    "postgresql://scanner:Sup3rS3cretPw@127.0.0.1:1/maturity?sslmode=disable",
    "postgresql://scanner@127.0.0.1:1/maturity?sslmode=disable&password=Sup3rS3cretPw",
])
def test_a_store_password_is_never_printed_when_the_store_cannot_be_reached(
        hostile: Hostile, make_repo: Callable[..., Any], url: str) -> None:
    repo = make_repo({"README.md": "# x\n"})
    for run in (hostile("scan", str(repo.root), "--db", url),
                hostile("history", env={"MATURITY_DB": url}),
                hostile("report", "--db", url, env={"MATURITY_LOG_FORMAT": "json"})):
        assert run.code == 2, run.err
        assert "127.0.0.1" in run.one_clear_line()  # the store is named, its password not
        assert "Sup3rS3cretPw" not in run.both


def test_a_store_password_in_the_query_is_never_printed_when_the_scan_is_stored(
        hostile: Hostile, make_repo: Callable[..., Any], postgres: Any) -> None:
    url = (f"{postgres.url(postgres.new_database(), with_password=False)}"
           f"?password={postgres.password}")
    repo = make_repo({"README.md": "# x\n"})
    scan = hostile("scan", str(repo.root), "--db", url)
    assert scan.code == 0, scan.err
    assert "stored in postgresql://" in scan.err
    history = hostile("history", "--db", url)
    assert history.code == 0, history.err
    assert postgres.password not in scan.both + history.both
