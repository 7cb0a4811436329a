"""What a tool CI runs switches on from its configuration, on real repositories: gosec
through golangci-lint, super-linter's validators, the plugins of a Maven build,
chart-releaser's signing, GoReleaser's notarising; cited at the configuration line with
the chain from CI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gitrepo import GitRepo
from local_scan import collect, evidence_by_signal

MakeRepo = Callable[..., GitRepo]


def values(repo: GitRepo) -> dict[str, Any]:
    return evidence_by_signal(repo.root)


def notes(repo: GitRepo) -> list[tuple[str | None, str]]:
    return [(p.locator, p.message) for p in collect(repo.root).problems]


def workflow(name: str, on: str, jobs: str) -> dict[str, str]:
    return {f".github/workflows/{name}": f"on: {on}\njobs:\n{jobs}"}


LINT_THROUGH_MAKE = {
    **workflow("lint.yml", "pull_request", "  lint:\n    steps:\n      - run: make lint\n"),
    "Makefile": "lint:\n\tgolangci-lint run --timeout 5m ./...\n",
}

GOLANGCI_V2 = """\
version: "2"
linters:
  default: none
  enable:
    - errcheck
    - gosec
    - govet
"""


# --- golangci-lint --------------------------------------------------------------------------

def test_gosec_enabled_in_golangci_config_is_sast_cited_through_the_chain(
        make_repo: MakeRepo) -> None:
    repo = make_repo({**LINT_THROUGH_MAKE, ".golangci.yml": GOLANGCI_V2})
    found = values(repo)
    assert found["ci.sast.tools"].value == ["gosec"]
    assert found["ci.sast.tools"].locators == (
        ".github/workflows/lint.yml:5 → Makefile:2 → .golangci.yml:6 → gosec",)
    assert found["ci.sast.before_merge"].value is True
    assert found["ci.lint.tools"].value == ["golangci-lint"]


def test_gosec_left_out_or_disabled_is_not_sast(make_repo: MakeRepo) -> None:
    default_v2 = make_repo({**LINT_THROUGH_MAKE,
                            ".golangci.yaml": "version: '2'\nlinters:\n  enable: [misspell]\n"})
    assert values(default_v2)["ci.sast.tools"].value == []
    all_but_gosec = make_repo({**LINT_THROUGH_MAKE, ".golangci.yml":
                               "linters:\n  enable-all: true\n  disable:\n    - gosec\n"})
    assert values(all_but_gosec)["ci.sast.tools"].value == []


def test_every_linter_on_includes_gosec_cited_where_it_is_switched_on(
        make_repo: MakeRepo) -> None:
    v2_all = make_repo({**LINT_THROUGH_MAKE, ".golangci.yml":
                        "version: '2'\nlinters:\n  default: all\n  disable: [wsl]\n"})
    assert values(v2_all)["ci.sast.tools"].locators == (
        ".github/workflows/lint.yml:5 → Makefile:2 → .golangci.yml:3 → gosec",)
    v1_preset = make_repo({**LINT_THROUGH_MAKE, ".golangci.toml":
                           "[linters]\npresets = [\"bugs\", \"style\"]\n"})
    assert values(v1_preset)["ci.sast.tools"].value == ["gosec"]


def test_the_command_line_and_the_config_it_names_decide(make_repo: MakeRepo) -> None:
    flag = make_repo(workflow("lint.yml", "push", "  lint:\n    steps:\n"
                              "      - run: golangci-lint run -E gosec,misspell ./...\n"))
    assert values(flag)["ci.sast.tools"].locators == (".github/workflows/lint.yml:5",)
    named = make_repo({
        **workflow("lint.yml", "push", "  lint:\n    steps:\n"
                   "      - uses: golangci/golangci-lint-action@v8\n"
                   "        with:\n          working-directory: svc\n"
                   "          args: --config=../ci/lint.json\n"),
        "svc/.golangci.yml": "linters:\n  enable: [errcheck]\n",
        "ci/lint.json": '{"linters": {"enable": ["errcheck", "gosec"]}}\n',
    })
    assert values(named)["ci.sast.tools"].locators == (
        ".github/workflows/lint.yml:5 → ci/lint.json:1 → gosec",)


def test_a_config_folder_above_the_working_directory_is_found(make_repo: MakeRepo) -> None:
    repo = make_repo({**workflow("lint.yml", "push", "  lint:\n    steps:\n"
                                 "      - run: cd tools/api && golangci-lint run\n"),
                      ".golangci.yml": GOLANGCI_V2})
    assert values(repo)["ci.sast.tools"].value == ["gosec"]


def test_a_malformed_golangci_config_costs_only_what_it_switches_on(
        make_repo: MakeRepo) -> None:
    repo = make_repo({**LINT_THROUGH_MAKE,
                      ".golangci.yml": "linters:\n  enable: [gosec\n   - : ][\n",
                      **workflow("sast.yml", "push", "  s:\n    steps:\n"
                                 "      - run: semgrep ci\n")})
    found = values(repo)
    assert found["ci.sast.tools"].value == ["semgrep"]
    assert found["ci.lint.tools"].value == ["golangci-lint"]
    assert any(where == ".golangci.yml" and "not read as YAML" in what
               for where, what in notes(repo))


def test_a_binary_golangci_config_is_skipped_with_a_note(make_repo: MakeRepo) -> None:
    repo = make_repo(LINT_THROUGH_MAKE)
    (repo.root / ".golangci.yml").write_bytes(b"\x00\x01linters\x00" * 50)
    repo.git("add", ".golangci.yml")
    repo.git("commit", "-qm", "binary")
    assert values(repo)["ci.sast.tools"].value == []
    assert any(where == ".golangci.yml" for where, _ in notes(repo))


def test_a_huge_golangci_config_is_skipped_with_a_note(make_repo: MakeRepo) -> None:
    padding = "# " + "x" * 100 + "\n"
    repo = make_repo({**LINT_THROUGH_MAKE,
                      ".golangci.yml": GOLANGCI_V2 + padding * 12_000})
    assert values(repo)["ci.sast.tools"].value == []
    assert any(where == ".golangci.yml" and "larger than" in what
               for where, what in notes(repo))


# --- super-linter ----------------------------------------------------------------------------

def super_linter(version: str, env: str = "") -> dict[str, str]:
    block = f"        env:\n{env}" if env else ""
    return workflow("lint.yml", "pull_request",
                    "  lint:\n    steps:\n      - name: Lint\n"
                    f"        uses: super-linter/super-linter/slim@{version}\n{block}")


def test_super_linter_runs_every_validator_by_default(make_repo: MakeRepo) -> None:
    found = values(make_repo(super_linter("v8.2.0")))
    assert found["ci.secrets.tools"].value == ["gitleaks"]
    assert found["ci.secrets.tools"].locators == (".github/workflows/lint.yml:6",)
    assert found["ci.iac_scan.tools"].value == ["checkov", "hadolint", "zizmor"]
    assert found["ci.sca.tools"].value == ["trivy"]
    assert found["ci.sca.before_merge"].value is True


def test_super_linter_validators_set_true_run_alone(make_repo: MakeRepo) -> None:
    found = values(make_repo(super_linter(
        "v8.7.0", "          VALIDATE_BASH: true\n          VALIDATE_GITLEAKS: true\n")))
    assert found["ci.secrets.tools"].locators == (".github/workflows/lint.yml:9",)
    assert found["ci.iac_scan.tools"].value == []
    assert found["ci.sca.tools"].value == []


def test_super_linter_validators_set_false_are_off(make_repo: MakeRepo) -> None:
    found = values(make_repo(super_linter(
        "v6", "          VALIDATE_CHECKOV: 'false'\n          VALIDATE_ALL_CODEBASE: true\n")))
    assert found["ci.iac_scan.tools"].value == ["hadolint"]
    assert found["ci.secrets.tools"].value == ["gitleaks"]
    assert found["ci.sca.tools"].value == []  # trivy came with v8.1


# --- Maven --------------------------------------------------------------------------------

POM = """\
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>org.example</groupId>
  <artifactId>lib</artifactId>
  <version>1.0</version>
  <modules>
    <module>core</module>
  </modules>
  <properties>
    <skip.sbom>false</skip.sbom>
  </properties>
  <build>
    <plugins>
      <plugin>
        <groupId>org.jacoco</groupId>
        <artifactId>jacoco-maven-plugin</artifactId>
        <executions>
          <execution><goals><goal>prepare-agent</goal></goals></execution>
        </executions>
      </plugin>
      <plugin>
        <groupId>org.cyclonedx</groupId>
        <artifactId>cyclonedx-maven-plugin</artifactId>
        <configuration><skip>${skip.sbom}</skip></configuration>
        <executions>
          <execution><goals><goal>makeAggregateBom</goal></goals></execution>
        </executions>
      </plugin>
    </plugins>
  </build>
  <profiles>
    <profile>
      <id>release</id>
      <build>
        <plugins>
          <plugin>
            <groupId>org.apache.maven.plugins</groupId>
            <artifactId>maven-gpg-plugin</artifactId>
            <executions>
              <execution><id>sign</id><goals><goal>sign</goal></goals></execution>
            </executions>
          </plugin>
        </plugins>
      </build>
    </profile>
  </profiles>
</project>
"""

CORE_POM = """\
<project>
  <parent><groupId>org.example</groupId><artifactId>lib</artifactId></parent>
  <artifactId>core</artifactId>
  <build>
    <pluginManagement>
      <plugins>
        <plugin>
          <groupId>com.github.spotbugs</groupId>
          <artifactId>spotbugs-maven-plugin</artifactId>
          <configuration>
            <plugins>
              <plugin>
                <groupId>com.h3xstream.findsecbugs</groupId>
                <artifactId>findsecbugs-plugin</artifactId>
              </plugin>
            </plugins>
          </configuration>
          <executions><execution><goals><goal>check</goal></goals></execution></executions>
        </plugin>
      </plugins>
    </pluginManagement>
    <plugins>
      <plugin>
        <groupId>com.github.spotbugs</groupId>
        <artifactId>spotbugs-maven-plugin</artifactId>
      </plugin>
      <plugin>
        <groupId>org.owasp</groupId>
        <artifactId>dependency-check-maven</artifactId>
        <executions>
          <execution><phase>site</phase><goals><goal>check</goal></goals></execution>
        </executions>
      </plugin>
    </plugins>
  </build>
</project>
"""


def maven_repo(make_repo: MakeRepo, ci_command: str, on: str = "pull_request") -> GitRepo:
    return make_repo({**workflow("build.yml", on, "  build:\n    steps:\n"
                                 f"      - run: {ci_command}\n"),
                      "pom.xml": POM, "core/pom.xml": CORE_POM})


def test_maven_verify_runs_the_plugins_bound_up_to_verify(make_repo: MakeRepo) -> None:
    found = values(maven_repo(make_repo, "./mvnw -B verify"))
    assert found["ci.coverage.tools"].value == ["jacoco"]
    assert found["ci.coverage.tools"].locators == (
        ".github/workflows/build.yml:5 → pom.xml:17 → jacoco",)
    assert found["ci.sbom.tools"].value == ["cyclonedx"]
    assert found["ci.sast.tools"].value == ["find-sec-bugs"]
    assert found["ci.sast.tools"].locators == (
        ".github/workflows/build.yml:5 → core/pom.xml:14 → find-sec-bugs",)
    assert "jvm-lint" in found["ci.lint.tools"].value
    assert found["ci.sca.tools"].value == []  # dependency-check is bound to `site`
    assert found["ci.signing.tools"].value == []  # the release profile is not on


def test_maven_phases_not_reached_or_skipped_do_not_count(make_repo: MakeRepo) -> None:
    found = values(maven_repo(make_repo, "mvn -DskipTests -Dskip.sbom=true test"))
    assert found["ci.sbom.tools"].value == []  # package is not reached, and it is skipped
    assert found["ci.coverage.tools"].value == []  # no tests, no coverage
    assert found["ci.sast.tools"].value == []


def test_maven_release_profile_signs_only_where_ci_turns_it_on(make_repo: MakeRepo) -> None:
    release = values(maven_repo(make_repo, "mvn -B -P release deploy",
                                "{push: {tags: ['v*']}}"))
    assert release["ci.signing.tools"].value == ["gpg"]
    assert release["ci.signing.tools"].locators == (
        ".github/workflows/build.yml:5 → pom.xml:39 → gpg",)
    skipped = values(maven_repo(make_repo, "mvn -B -Prelease -Dgpg.skip deploy",
                                "{push: {tags: ['v*']}}"))
    assert skipped["ci.signing.tools"].value == []


def test_maven_site_phase_and_direct_goals(make_repo: MakeRepo) -> None:
    found = values(maven_repo(make_repo, "mvn site dependency-check:aggregate"))
    assert found["ci.sca.tools"].value == ["dependency-check"]
    assert ".github/workflows/build.yml:5 → core/pom.xml:29 → dependency-check" in \
        found["ci.sca.tools"].locators


def test_a_pom_with_a_doctype_is_refused_with_a_note(make_repo: MakeRepo) -> None:
    hostile = ('<?xml version="1.0"?>\n<!DOCTYPE project [<!ENTITY a "aaaaaaaaaa">'
               '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
               + POM.split("\n", 1)[1].replace("<version>1.0</version>",
                                              "<version>&b;</version>"))
    repo = make_repo({**workflow("build.yml", "push", "  b:\n    steps:\n"
                                 "      - run: mvn verify\n"), "pom.xml": hostile})
    found = values(repo)
    assert found["ci.coverage.tools"].value == []
    assert found["ci.tests.tools"].value == ["maven-test"]
    assert any(where == "pom.xml" and "DOCTYPE" in what for where, what in notes(repo))


# --- chart-releaser, GoReleaser -------------------------------------------------------------

def test_chart_releaser_signs_when_cr_sign_is_set(make_repo: MakeRepo) -> None:
    repo = make_repo(workflow("release.yml", "{push: {branches: [main]}}",
                              "  release:\n    steps:\n"
                              "      - uses: helm/chart-releaser-action@v1.7.0\n"
                              "        env:\n          CR_TOKEN: x\n          CR_SIGN: true\n"))
    found = values(repo)
    assert found["ci.signing.tools"].value == ["helm-provenance"]
    assert found["ci.signing.tools"].locators == (".github/workflows/release.yml:8",)
    unsigned = make_repo(workflow("release.yml", "{push: {branches: [main]}}",
                                  "  release:\n    steps:\n"
                                  "      - uses: helm/chart-releaser-action@v1.7.0\n"
                                  "        with:\n          config: cr.yaml\n"))
    assert values(unsigned)["ci.signing.tools"].value == []


def test_chart_releaser_config_file_sign_setting(make_repo: MakeRepo) -> None:
    repo = make_repo({**workflow("release.yml", "{push: {branches: [main]}}",
                                 "  release:\n    steps:\n"
                                 "      - uses: helm/chart-releaser-action@v1.7.0\n"
                                 "        with:\n          config: .github/cr.yaml\n"),
                      ".github/cr.yaml": "owner: acme\nsign: true\nkey: ops\n"})
    assert values(repo)["ci.signing.tools"].locators == (
        ".github/workflows/release.yml:5 → .github/cr.yaml:2 → helm-provenance",)


def test_goreleaser_notarize_and_binary_signs_count_and_artifacts_none_does_not(
        make_repo: MakeRepo) -> None:
    repo = make_repo({
        **workflow("release.yml", "{push: {tags: ['v*']}}",
                   "  release:\n    steps:\n"
                   "      - run: goreleaser release --clean\n"),
        ".goreleaser.yaml": "signs:\n  - artifacts: none\n"
                            "binary_signs:\n  - {}\n"
                            "notarize:\n  macos:\n"
                            "    - enabled: '{{ isEnvSet \"QUILL_SIGN_P12\" }}'\n"
                            "      sign: {certificate: x}\n"
                            "  macos_native:\n    - enabled: false\n",
    })
    found = values(repo)
    assert found["ci.signing.tools"].value == ["gpg", "quill"]
    assert set(found["ci.signing.tools"].locators) == {".goreleaser.yaml:4", ".goreleaser.yaml:7"}


def test_azure_inline_scripts_are_read_as_commands(make_repo: MakeRepo) -> None:
    repo = make_repo({"azure-pipelines.yml": """\
trigger: [main]
jobs:
  - job: CodeSign
    steps:
      - task: AzureCLI@2
        inputs:
          azureSubscription: prod
          scriptType: pscore
          scriptLocation: inlineScript
          inlineScript: |
            .\\sign code azure-key-vault `
              "**/*.nupkg" `
              --azure-key-vault-url "$(SignKeyVaultUrl)"
      - task: PowerShell@2
        inputs:
          targetType: filePath
          script: cosign sign image
"""})
    found = values(repo)
    assert found["ci.signing.tools"].value == ["cloud-code-signing"]
    assert found["ci.signing.tools"].locators == ("azure-pipelines.yml:11",)
