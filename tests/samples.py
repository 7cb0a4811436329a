"""Repository contents shared by several tests."""

from __future__ import annotations

CI = """\
name: ci
on:
  pull_request:
  push:
    branches: [main]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install -e .[test]
      - run: pytest --cov=app
      - uses: pre-commit/action@v3.0.1
  codeql:
    runs-on: ubuntu-latest
    steps:
      - uses: github/codeql-action/init@v3
      - uses: github/codeql-action/analyze@v3
  deploy:
    if: github.ref == 'refs/heads/main'
    needs: [test]
    environment: production
    runs-on: ubuntu-latest
    steps:
      - run: helm upgrade --install api ./chart
"""

FILES = {
    ".github/workflows/ci.yml": CI,
    ".github/dependabot.yml": "version: 2\nupdates:\n  - package-ecosystem: pip\n"
                              "    directory: /\n    schedule: {interval: weekly}\n",
    ".pre-commit-config.yaml": "repos:\n  - repo: https://github.com/PyCQA/bandit\n"
                               "    rev: 1.7.9\n    hooks:\n      - id: bandit\n",
    "SECURITY.md": "# Security\n\nReport issues to security@acme.example.\n\n"
                   "We fix critical vulnerabilities within 7 days.\n",
    ".github/CODEOWNERS": "# owners\n* @acme/api-team\n/auth/ @acme/security\n",
    "Dockerfile": "FROM python:3.12\n",
    "chart/Chart.yaml": "apiVersion: v2\nname: api\nversion: 1.0.0\n",
    "app/main.py": "print('hi')\n",
    "tests/test_main.py": "def test_x():\n    assert True\n",
}
