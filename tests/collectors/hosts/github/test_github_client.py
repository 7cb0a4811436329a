"""The GitHub client reads a fleet with many threads through one PyGithub requester, whose
one connection object holds the request being made between `request()` and
`getresponse()`: each thread's request must still go out as that thread made it."""

from __future__ import annotations

import json
import threading
from typing import Any

from scanner.collectors.hosts.github.client import ApiSettings, GitHubApi
from scanner.collectors.hosts.github.queries import REPOSITORY
from scanner.memory import NO_MEMORY

from fakes.github_api import FakeGitHub

TOKEN = "ghp_client_test_token_0123456789"


def test_two_threads_between_request_and_response_each_get_their_own_answer() -> None:
    with FakeGitHub(TOKEN) as fake:
        fake.add_repo("acme", "api", {"a": "b"})
        api = GitHubApi(TOKEN, ApiSettings(base_url=fake.base_url), NO_MEMORY)
        # The object every thread of the requester is given (PyGithub keeps it private).
        connection = api._requester._Requester__createConnection()
        headers = {"Authorization": f"token {TOKEN}", "Content-Type": "application/json"}
        query = json.dumps({"query": REPOSITORY, "variables": {
            "owner": "acme", "name": "api", "since": "2026-01-01T00:00:00+00:00"}})
        posted, fetched = threading.Event(), threading.Event()
        answers: dict[str, Any] = {}

        def graphql() -> None:  # stops between its request and its response
            connection.request("POST", "/graphql", query, headers)
            posted.set()
            fetched.wait(10)
            answers["graphql"] = connection.getresponse()

        def rest() -> None:  # makes its own request meanwhile
            posted.wait(10)
            connection.request("GET", "/repos/acme/api", None, headers)
            fetched.set()
            answers["rest"] = connection.getresponse()

        threads = [threading.Thread(target=graphql), threading.Thread(target=rest)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        found = {name: (answer.status, json.loads(answer.read()))
                 for name, answer in answers.items()}
        api.close()
    status, body = found["graphql"]
    assert status == 200 and "data" in body, f"the query's thread was answered {found}"
    assert body["data"]["repository"]["url"].endswith("/acme/api")
    assert found["rest"][0] == 200 and found["rest"][1]["full_name"] == "acme/api"
    assert sorted((r.method, r.path) for r in fake.requests) == [("GET", "/repos/acme/api"),
                                                                 ("POST", "/graphql")]
