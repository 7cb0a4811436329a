"""What runnable application a repository ships, and the scripts that ship it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scanner.collectors.base import Emitter
from scanner.collectors.files.applications import detect
from scanner.collectors.files.index import FileIndex
from scanner.collectors.local.worktree import WorkTree
from scanner.evidence import Evidence

Tree = Callable[[dict[str, str]], WorkTree]


def scan(tree: Tree, files: dict[str, str]) -> dict[str, Evidence]:
    out = Emitter("repo:x", "test")
    detect(FileIndex(tree(files)), out)
    return {e.signal: e for e in out.evidence}


@pytest.mark.parametrize(("files", "kinds", "where"), [
    ({"cmd/app/main.go": "package main\n\nfunc main() {}\n"}, ["cli"], "cmd/app/main.go"),
    ({"Cargo.toml": "[package]\nname = 'x'\n\n[[bin]]\nname = 'x'\n"}, ["cli"], "Cargo.toml"),
    ({"Cargo.toml": "[package]\nname = 'x'\n", "src/lib.rs": "pub fn f() {}\n",
      "src/bin/x/main.rs": "fn main() {}\n"}, ["cli"], "src/bin/x/main.rs"),
    ({"pyproject.toml": "[project]\nname = 'x'\n[project.scripts]\nx = 'x:main'\n"}, ["cli"],
     "pyproject.toml"),
    ({"dist/bin/mvn": "#!/bin/sh\nexec java -jar x.jar\n"}, ["cli"], "dist/bin/mvn"),
    ({"data/org.gnome.App.desktop.in.in": "[Desktop Entry]\n"}, ["desktop"],
     "data/org.gnome.App.desktop.in.in"),
    ({"app/src/main/AndroidManifest.xml":
      "<manifest><category android:name='android.intent.category.LAUNCHER'/></manifest>"},
     ["mobile"], "app/src/main/AndroidManifest.xml"),
    ({"package.json": '{"private": true, "dependencies": {"next": "15"}}'}, ["web"],
     "package.json"),
    ({"app/build.gradle.kts": "plugins {\n    id(\"com.android.application\")\n}\n"},
     ["mobile"], "app/build.gradle.kts"),
    ({"war/pom.xml": "<project><packaging>war</packaging></project>"}, ["web-archive"],
     "war/pom.xml"),
    ({"Dockerfile": "FROM python:3.12\nCMD [\"python\", \"app.py\"]\n"}, ["container"],
     "Dockerfile"),
])
def test_application_kinds_are_cited_where_the_files_show_them(
        tree: Tree, files: dict[str, str], kinds: list[str], where: str) -> None:
    found = scan(tree, files)["app.kinds"]
    assert found.value == kinds
    assert found.locators == (where,)


def test_libraries_examples_and_tooling_are_not_applications(tree: Tree) -> None:
    found = scan(tree, {
        "pyproject.toml": "[project]\nname = 'lib'\nclassifiers = ['Topic :: Software "
                          "Development :: Libraries']\n[project.scripts]\nlib = 'lib:cli'\n",
        "examples/server/main.go": "package main\n",
        "tools/Dockerfile": "FROM alpine\nCMD [\"sh\"]\n",
        "bin/setup": "#!/bin/sh\nbundle install\n",
        "lib-integration-tests/android-tests/build.gradle.kts":
            "plugins { id(\"com.android.application\") }\n",
        "build.gradle.kts": "plugins {\n    id(\"com.android.application\") apply false\n}\n",
        "src/lib.rs": "pub fn f() {}\n",
    })["app.kinds"]
    assert found.value == []
    assert found.note is not None and found.note.startswith("no program entry point")


def test_delivery_scripts_in_build_files_packages_and_script_folders(tree: Tree) -> None:
    """Release scripts live in folders that ship nothing themselves (scripts/, tools/):
    they are read there, though those folders never make an application."""
    found = scan(tree, {
        "Makefile": "build:\n\tgo build\n\nrelease: build\n\tgoreleaser release\n",
        "package.json": '{"scripts": {"deploy:prod": "wrangler deploy", "test": "vitest"}}',
        "scripts/release_ppa.sh": "#!/bin/sh\ndput ppa:x/y *.changes\n",
        "scripts/docker_build.sh": "#!/bin/sh\ndocker build .\n",
        "tests/release.sh": "#!/bin/sh\necho fixture\n",
    })["delivery.scripts"]
    assert found.value == ["Makefile release", "npm deploy:prod", "scripts/release_ppa.sh"]
    assert found.locators == ("Makefile:4", "package.json", "scripts/release_ppa.sh")
    nothing = scan(tree, {"Makefile": "test:\n\tgo test ./...\n"})["delivery.scripts"]
    assert nothing.value == [] and nothing.note == "no release, deploy or publish task or script"


def test_a_repository_without_a_package_file_reads_no_missing_file(tree: Tree) -> None:
    """Looking for an Electron app once read package.json wherever it was absent, which
    printed "package.json: skipped: not tracked by git" for every repository without one."""
    files = FileIndex(tree({"README.md": "# x\n", "main.go": "package main\n"}))
    detect(files, Emitter("repo:x", "test"))
    assert files.skipped == {}
