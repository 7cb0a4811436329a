"""Where a build declares a snapshot version."""

from __future__ import annotations

import pytest

from scanner.collectors.build_versions import snapshot_version

POM = """<?xml version="1.0"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <parent>
    <groupId>org.example</groupId>
    <artifactId>parent</artifactId>
    <version>7-SNAPSHOT</version>
  </parent>
  <artifactId>app</artifactId>
  {version}
  <properties>
    {property}
  </properties>
</project>
"""


@pytest.mark.parametrize(("files", "expected"), [
    ({"pom.xml": POM.format(version="<version>4.1.0-SNAPSHOT</version>", property="")},
     "pom.xml:9"),
    ({"pom.xml": POM.format(version="<version>${revision}${changelist}</version>",
                            property="<changelist>-SNAPSHOT</changelist>")}, "pom.xml:11"),
    ({"pom.xml": POM.format(version="<version>4.1.0</version>", property="")}, None),
    ({"gradle.properties": "group=org.example\nversion=2.3.0-SNAPSHOT\n"},
     "gradle.properties:2"),
    ({"build.gradle.kts": 'plugins { java }\nversion = "1.0-SNAPSHOT"\n'}, "build.gradle.kts:2"),
    ({"build.gradle": "version = '1.0'\n"}, None),
    ({"pom.xml": "<!DOCTYPE x [<!ENTITY a 'b'>]><project/>"}, None),
    ({}, None),
])
def test_snapshot_version(files: dict[str, str], expected: str | None) -> None:
    assert snapshot_version(files.get) == expected
