"""Release signing the build files configure, run by CI or by hand: a profile a release
turns on, and signing inherited from a well-known parent POM."""

from __future__ import annotations

from collections.abc import Callable

from scanner.collectors.base import Emitter
from scanner.collectors.files import detectors
from scanner.collectors.files.index import FileIndex
from scanner.collectors.files.release_signing import detect
from scanner.collectors.local.worktree import WorkTree
from scanner.evidence import Evidence

Tree = Callable[[dict[str, str]], WorkTree]

RELEASE_PROFILE = """\
<project>
  <modelVersion>4.0.0</modelVersion>
  <groupId>org.example</groupId>
  <artifactId>lib</artifactId>
  <build>
    <plugins>
      <plugin>
        <artifactId>maven-release-plugin</artifactId>
        <configuration><releaseProfiles>release</releaseProfiles></configuration>
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
              <execution><goals><goal>sign</goal></goals></execution>
            </executions>
          </plugin>
        </plugins>
      </build>
    </profile>
  </profiles>
</project>
"""


def signing(tree: Tree, files: dict[str, str]) -> tuple[Evidence, FileIndex]:
    index = FileIndex(tree(files))
    out = Emitter("repo:x", "test")
    detect(index, out)
    (found,) = out.evidence
    return found, index


def test_the_detector_is_registered() -> None:
    assert "release_signing" in {d.id for d in detectors()}


def test_a_release_profile_that_signs_is_cited_with_how_it_is_turned_on(tree: Tree) -> None:
    found, _ = signing(tree, {"pom.xml": RELEASE_PROFILE})
    assert found.value == ["maven-gpg-plugin"]
    assert found.locators == ("pom.xml:20",)
    assert found.note is not None
    assert "profile 'release'" in found.note and "release:perform" in found.note


def test_signing_inherited_from_a_known_parent_outside_the_repository(tree: Tree) -> None:
    found, _ = signing(tree, {
        "pom.xml": "<project>\n  <parent>\n    <groupId>org.apache.maven</groupId>\n"
                   "    <artifactId>maven-parent</artifactId>\n  </parent>\n"
                   "  <artifactId>maven</artifactId>\n  <modules><module>core</module>"
                   "</modules>\n</project>\n",
        "core/pom.xml": "<project>\n  <parent>\n    <groupId>org.apache.maven</groupId>\n"
                        "    <artifactId>maven</artifactId>\n  </parent>\n"
                        "  <artifactId>maven-core</artifactId>\n</project>\n",
    })
    assert found.value == ["maven-gpg-plugin"]
    assert found.locators == ("pom.xml:4",)  # the in-repository parent of core is not cited
    assert found.note is not None and "inferred" in found.note


def test_test_fixtures_and_unsigned_builds_are_not_signing(tree: Tree) -> None:
    found, _ = signing(tree, {
        "pom.xml": "<project><artifactId>x</artifactId></project>\n",
        "src/it/signing/pom.xml": RELEASE_PROFILE,
    })
    assert found.value == []
    assert found.note == "no signing configured in 1 Maven POM(s)"


def test_a_malformed_or_hostile_pom_costs_only_itself(tree: Tree) -> None:
    found, index = signing(tree, {
        "pom.xml": '<?xml version="1.0"?>\n<!DOCTYPE project SYSTEM "http://x/p.dtd">\n'
                   "<project/>\n",
        "broken/pom.xml": "<project><build>\n",
        "lib/pom.xml": RELEASE_PROFILE,
    })
    assert found.locators == ("lib/pom.xml:20",)
    assert "DOCTYPE" in index.skipped["pom.xml"]
    assert "not well-formed" in index.skipped["broken/pom.xml"]
