"""Catalogue entries for tools seen in the field: static analysers of C and C++, cloud-key
code signing, PyPI attestations, fuzzing, and the settings configuration files switch on."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.collectors.ci.model import ACTION, COMMAND, CONFIGURED, Reference
from scanner.collectors.ci.tools import load_catalogue
from scanner.errors import FileProblem

CATALOGUE = load_catalogue()


def found(kind: str, value: str, version: str = "", **inputs: str) -> set[tuple[str, str]]:
    reference = Reference(kind, value, "f:1", tuple(inputs.items()), version)
    return {(m.tool, m.category) for m in CATALOGUE.match_reference(reference)}


@pytest.mark.parametrize(("kind", "value", "expected"), [
    (COMMAND, "clang-tidy -p build src/db.cc", ("clang-tidy", "sast")),
    (ACTION, "chromaui/action", ("visual-tests", "e2e")),
    (COMMAND, "kustomize build overlays/prod | kubeconform -strict -summary",
     ("manifest-validation", "lint")),
    (ACTION, "fluxcd/flux-schema/actions/validate", ("manifest-validation", "lint")),
    (COMMAND, "echo $KEYSTORE | base64 -di > secrets/android-keystore.jks",
     ("android-signing", "signing")),
    (COMMAND, "npm publish --provenance --access public", ("npm-publish", "provenance")),
    (COMMAND, "NPM_CONFIG_PROVENANCE=true npm publish", ("npm-publish", "provenance")),
    (COMMAND, "/bin/bash -c 'cft test run TestSharedVPC --stage apply --verbose'",
     ("infrastructure-tests", "tests")),
    (COMMAND, "bundle exec kitchen test --destroy=always", ("infrastructure-tests", "tests")),
    (COMMAND, "terraform test -verbose", ("infrastructure-tests", "tests")),
    (COMMAND, "cmake .. -DSANITIZE=address -DPEDANTIC=OFF", ("sanitizers", "sanitizer")),
    (COMMAND, "cmake -DLLVM_USE_SANITIZER='Address;Undefined' ..", ("sanitizers", "sanitizer")),
    (COMMAND, "CFLAGS=-fsanitize=address,undefined make check", ("sanitizers", "sanitizer")),
    (COMMAND, "meson setup build -Db_sanitize=address", ("sanitizers", "sanitizer")),
    (COMMAND, "RUSTFLAGS=-Zsanitizer=address cargo +nightly test", ("sanitizers", "sanitizer")),
    (COMMAND, "curl -o ath.yml https://raw.githubusercontent.com/jenkinsci/"
              "acceptance-test-harness/refs/tags/1.0/docker-compose.yml",
     ("jenkins-ath", "e2e")),
    (COMMAND, "runATH(jenkins: 'lts', platforms: ['linux'])", ("jenkins-ath", "e2e")),
    (COMMAND, "./bazelisk run :sign_and_push --config=release -- --keyless $KEYLESS",
     ("bazel-sign-target", "signing")),
    (COMMAND, "bazel run //images:image_sign", ("bazel-sign-target", "signing")),
    (COMMAND, "npx chromatic --exit-zero-on-changes", ("visual-tests", "e2e")),
    (COMMAND, "percy exec -- cypress run", ("visual-tests", "e2e")),
    (COMMAND, "pnpm --filter=site exec opennextjs-cloudflare deploy --config w.jsonc",
     ("paas-deploy", "deploy")),
    (COMMAND, "run-clang-tidy-18 -p build -j 8", ("clang-tidy", "sast")),
    (COMMAND, "python3 tools/run_clang_tidy.py -j 4 --diff-base main", ("clang-tidy", "sast")),
    (COMMAND, "git diff -U0 main | clang-tidy-diff.py -p1", ("clang-tidy", "sast")),
    (COMMAND, "CodeChecker analyze compile_commands.json --output out", ("codechecker", "sast")),
    (COMMAND, r".\sign code azure-key-vault `", ("cloud-code-signing", "signing")),
    (COMMAND, "dotnet sign code trusted-signing out/*.dll", ("cloud-code-signing", "signing")),
    (COMMAND, "AzureSignTool sign -kvu https://vault -kvc cert app.exe",
     ("cloud-code-signing", "signing")),
    (COMMAND, "dotnet nuget sign pkg.nupkg --certificate-path c.pfx",
     ("cloud-code-signing", "signing")),
    (COMMAND, "java -jar jsign-6.0.jar --storetype AZUREKEYVAULT app.exe",
     ("cloud-code-signing", "signing")),
    (ACTION, "azure-task/signing", ("cloud-code-signing", "signing")),
    (ACTION, "azure/trusted-signing-action", ("cloud-code-signing", "signing")),
    (COMMAND, "quill sign-and-notarize dist/app", ("quill", "signing")),
    (COMMAND, "helm package charts/api --sign --key ops", ("helm-provenance", "signing")),
    (COMMAND, "helm verify api-1.0.0.tgz", ("helm-provenance", "verification")),
    (COMMAND, "mvn verify pgpverify:check", ("pgpverify", "verification")),
    (COMMAND, "mvn clean verify artifact:compare -Dmaven.test.skip",
     ("reproducible-build-check", "verification")),
    (ACTION, "google/oss-fuzz/infra/cifuzz/actions/run_fuzzers", ("oss-fuzz-cifuzz", "fuzz")),
    (ACTION, "google/clusterfuzzlite/actions/run_fuzzers", ("clusterfuzzlite", "fuzz")),
    (ACTION, "forallsecure/mcode-action", ("mayhem-for-code", "fuzz")),
    (ACTION, "forallsecure/mapi-action", ("mayhem-for-api", "dast")),
    (COMMAND, "go test -run=^$ -fuzz=FuzzParse -fuzztime=60s ./parser", ("go-fuzz", "fuzz")),
    (COMMAND, "cargo +nightly fuzz run ast -- -max_total_time=300", ("cargo-fuzz", "fuzz")),
    (COMMAND, "./out/http_parser_fuzzer corpus/ -max_total_time=600", ("libfuzzer", "fuzz")),
    (COMMAND, "python fuzz/fuzz_json.py -atheris_runs=100000", ("libfuzzer", "fuzz")),
    (COMMAND, "afl-fuzz -i in -o out ./target @@", ("afl", "fuzz")),
    (COMMAND, "cifuzz run my_fuzz_test", ("ci-fuzz", "fuzz")),
    (COMMAND, "./gitlab-cov-fuzz run -- ./fuzz_mask -max_total_time=300",
     ("gitlab-coverage-fuzzing", "fuzz")),
    (COMMAND, "python3 -m pip_audit --ignore-vuln CVE-2026-1", ("pip-audit", "sca")),
    (COMMAND, "python3 -m safety --key $KEY --stage cicd scan", ("safety", "sca")),
    (COMMAND, "clang-scan-build --use-analyzer=clang make", ("clang-static-analyzer", "sast")),
    (COMMAND, "rcodesign sign --pkcs11-library lib.so out/app", ("cross-platform-code-signing",
                                                                  "signing")),
    (COMMAND, "osslsigncode sign -h sha256 -in a.exe -out b.exe", ("cross-platform-code-signing",
                                                                    "signing")),
    (COMMAND, "osslsigncode verify -in b.exe", ("cross-platform-code-signing", "verification")),
    (COMMAND, "productbuild --sign 'Developer ID Installer' --component a.app out.pkg",
     ("cross-platform-code-signing", "signing")),
    (ACTION, "gradle/actions/wrapper-validation", ("gradle-wrapper-validation", "verification")),
    (COMMAND, "git verify-tag v1.2.0", ("commit-signature-check", "verification")),
    (COMMAND, "VERIFIED=$(echo \"$DATA\" | jq -r '.commit.verification.verified')",
     ("commit-signature-check", "verification")),
    (ACTION, "fossas/fossa-action", ("fossa", "sca")),
    (COMMAND, "ko build --bare ./cmd/app", ("ko-sbom", "sbom")),
    (CONFIGURED, "golangci-lint:gosec", ("gosec", "sast")),
    (CONFIGURED, "super-linter:GITLEAKS", ("gitleaks", "secrets")),
    (CONFIGURED, "maven:maven-gpg-plugin:sign", ("gpg", "signing")),
    (CONFIGURED, "maven:findsecbugs-plugin:check", ("find-sec-bugs", "sast")),
    (CONFIGURED, "maven:spotbugs-maven-plugin:check", ("jvm-lint", "lint")),
    (CONFIGURED, "maven:dependency-check-maven:aggregate", ("dependency-check", "sca")),
    (CONFIGURED, "maven:jacoco-maven-plugin:prepare-agent", ("jacoco", "coverage")),
    (CONFIGURED, "maven:cyclonedx-maven-plugin:makeAggregateBom", ("cyclonedx", "sbom")),
    (CONFIGURED, "chart-releaser:sign", ("helm-provenance", "signing")),
])
def test_recognised(kind: str, value: str, expected: tuple[str, str]) -> None:
    assert expected in found(kind, value)


@pytest.mark.parametrize(("kind", "value"), [
    # installing or naming a tool is not running it
    (COMMAND, "sudo apt-get install --yes clang-tidy clang-tools"),
    (COMMAND, "CodeChecker parse --export html --output out results"),
    (COMMAND, "echo 'clang-tidy found nothing'"),
    # building fuzzers, or replaying a corpus once, is not fuzzing
    (ACTION, "google/oss-fuzz/infra/cifuzz/actions/build_fuzzers"),
    (COMMAND, "go test -fuzztime=10s ./..."),
    (COMMAND, "cargo fuzz build"),
    (COMMAND, "./out/parser_fuzzer corpus/ -runs=0"),
    (COMMAND, "helm package charts/api"),
    (COMMAND, "pip install safety && echo scan later"),
    (COMMAND, "ko build --sbom=none ./cmd/app"),
    (COMMAND, "ko build --local ./cmd/app"),
    (COMMAND, "bazel run //site:design"),
    # data-race detectors find concurrency bugs, not memory-safety flaws
    (COMMAND, "go test -race ./..."),
    (COMMAND, "clang -fsanitize=thread -o t t.c"),
    (COMMAND, "cmake -DENABLE_ASAN=OFF .."),
    (COMMAND, "bazel run //tools:signature_report"),
    (CONFIGURED, "maven:dependency-check-maven:update-only"),
])
def test_not_recognised_as_more_than_it_is(kind: str, value: str) -> None:
    security = {"sast", "fuzz", "signing", "sca", "sbom", "sanitizer"}
    assert not {category for _, category in found(kind, value)} & security


def test_an_analyser_named_as_an_argument_is_not_run_by_itself() -> None:
    assert found(COMMAND, "CodeChecker analyze x --analyzers clangsa clang-tidy") == {
        ("codechecker", "sast")}


def test_clusterfuzzlite_coverage_mode_only_measures() -> None:
    assert not found(ACTION, "google/clusterfuzzlite/actions/run_fuzzers", mode="coverage")
    assert ("clusterfuzzlite", "fuzz") in found(
        ACTION, "google/clusterfuzzlite/actions/run_fuzzers", mode="code-change")


@pytest.mark.parametrize(("version", "inputs", "attests"), [
    ("v1.13.0", {}, True),                       # on by default since 1.11
    ("release/v1", {}, True),                    # the floating branch: the newest release
    ("v1", {}, True),                            # a floating major tag
    ("ed0c53931b1dc9bd32cbe73a98c7f6766f8a527e", {}, True),  # a commit: cannot tell, so on
    ("v1.10.3", {}, False),                      # opt-in before 1.11
    ("v1.10.3", {"attestations": "true"}, True),
    ("v1.13.0", {"attestations": "false"}, False),
    ("v1.13.0", {"password": "${{ secrets.PYPI_TOKEN }}"}, False),  # no trusted publishing
])
def test_pypi_publish_attests_by_default_from_1_11_with_trusted_publishing(
        version: str, inputs: dict[str, str], attests: bool) -> None:
    tools = found(ACTION, "pypa/gh-action-pypi-publish", version, **inputs)
    assert ("pypi-publish", "packaging") in tools
    assert (("pypi-attestations", "provenance") in tools) is attests


def test_super_linter_validators_follow_the_release_that_ships_them() -> None:
    assert ("zizmor", "iac_scan") in found(CONFIGURED, "super-linter:GITHUB_ACTIONS_ZIZMOR",
                                           "v8.7.0")
    assert not found(CONFIGURED, "super-linter:GITHUB_ACTIONS_ZIZMOR", "v8.0.0")
    assert not found(CONFIGURED, "super-linter:CHECKOV", "v5")
    assert ("checkov", "iac_scan") in found(CONFIGURED, "super-linter:CHECKOV", "v6.3.0")


def test_a_since_that_is_not_a_release_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "tools.yaml"
    path.write_text("categories: {sast: x}\ntools:\n  - id: t\n    name: T\n"
                    "    match:\n      - {category: sast, action: a/b, since: 'latest'}\n")
    load_catalogue.cache_clear()
    try:
        with pytest.raises(FileProblem, match=r"tool 't'.*since.*release number"):
            load_catalogue(path)
    finally:
        load_catalogue.cache_clear()
