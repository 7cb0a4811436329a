"""What runnable application a repository ships, if any.

A repository is an application when it ships something people run: a program
with an entry point (a Go `main` package, a Rust binary, a .NET executable, a
command declared in a package manifest), a desktop or mobile app, a web
application or site, a web archive for a servlet container, or a container image
that serves on a port.  Packages with none of these are libraries: deployment
and quality-assurance cells speak of applications, so they do not apply to them.

Each kind is cited at the file that shows it.  Examples, tests, fixtures and build
tooling never count.
"""

from __future__ import annotations

import posixpath
import re
import tomllib
from collections.abc import Callable, Iterable
from typing import Any

from scanner.collectors.base import Emitter
from scanner.collectors.files import Detector
from scanner.collectors.files.index import FileIndex
from scanner.collectors.folders import NOT_SHIPPED_FOLDER
from scanner.collectors.structured import load_json, load_toml
from scanner.lazy_patterns import lazy_compile
from scanner.signals import SignalSpec

SIGNALS: tuple[SignalSpec, ...] = (
    SignalSpec("app.kinds", "list",
               "Kinds of runnable application the repository ships: cli (a program with an "
               "entry point), desktop, mobile, web (a web application or site), web-archive "
               "(WAR), container (an image that serves on a port or starts a program)",
               ("repo", "service")),
    SignalSpec("delivery.scripts", "list",
               "Release, deploy or publish tasks scripted in the repository (make, just, "
               "rake, npm targets or scripts named so), run by hand or by CI",
               ("repo", "service")),
)

MAX_READ = 256_000  # bytes of a manifest read to classify it
NOT_SHIPPED = NOT_SHIPPED_FOLDER
# Desktop entries and AppStream metadata, also as templates (`.desktop.in.in`).
_DESKTOP_ENTRY = lazy_compile(r"\.(desktop|metainfo\.xml|appdata\.xml)(\.in)*$")
_GO_MAIN = lazy_compile(r"^package\s+main\s*$", re.M)
# Binaries cargo finds without a [[bin]] table: src/bin/NAME.rs and src/bin/NAME/main.rs.
_RUST_BIN = lazy_compile(r"^src/bin/([^/]+\.rs|[^/]+/main\.rs)$")
_DEV_HELPERS = frozenset({"setup", "console", "dev", "test", "lint", "bootstrap", "rake", "rails",
                          "rspec", "bundle", "update", "server", "ci", "build", "release",
                          "format", "check", "webpack", "yarn", "spring", "importmap"})
# An image that runs something of its own: it serves on a port or starts a program.
_DOCKER_EXPOSE = lazy_compile(r"(?im)^\s*(EXPOSE|CMD|ENTRYPOINT)\s+\S")
_WAR = lazy_compile(r"<packaging>\s*war\s*</packaging>")
_GRADLE_WAR = lazy_compile(r"""(id\s*\(?\s*['"]war['"]|apply\s+plugin:\s*['"]war['"])""")
# The Android application plugin applied (a root build that declares it `apply false`
# only makes it available to subprojects).
_GRADLE_ANDROID_APP = lazy_compile(r"(?m)^(?!.*\bapply\s*\(?\s*false\b).*"
                                   r"(com\.android\.application|plugins\.android\.application\b)")
_ANDROID_LAUNCHER = "android.intent.category.LAUNCHER"
_EXE = lazy_compile(r"<OutputType>\s*(Win)?Exe\s*</OutputType>", re.I)
_LIBRARY_CLASSIFIER = "Topic :: Software Development :: Libraries"
_WEB_FRAMEWORKS = ("next", "nuxt", "react-scripts", "@angular/core", "@sveltejs/kit", "astro",
                   "gatsby", "@remix-run/react", "vite", "@vue/cli-service", "ember-cli")
_TASK_LINE = lazy_compile(r"^(?:task\s+:?|@?)([A-Za-z][\w-]*)(?:\s*=>.*|\s*:(?!=).*)$")
_SHIPPING = lazy_compile(r"(?i)(release|deploy|publish|ship|dist-upload|upload-release|"
                         r"cut-release|make-release|do-release)([-_][\w-]*)?")
_SITE_FILES = lazy_compile(r"^(mkdocs\.ya?ml|docusaurus\.config\.[cm]?[jt]s|antora-playbook\.ya?ml|"
                           r"hugo\.(toml|ya?ml|json)|_config\.ya?ml|gatsby-config\.[jt]s|"
                           r"astro\.config\.[cm]?[jt]s|book\.toml|conf\.py)$")


def detect(files: FileIndex, out: Emitter) -> None:
    found: dict[str, str] = {}
    paths = [p for p in files.paths() if not NOT_SHIPPED.search(p)]
    for kind, finder in _FINDERS:
        where = finder(files, paths)
        if where:
            found.setdefault(kind, where)
    kinds = sorted(found)
    out.emit("app.kinds", kinds, [found[k] for k in kinds],
             None if kinds else "no program entry point, desktop, mobile or web application, "
             "web archive or serving container image: a library or a collection of files")
    # Release scripts live in the folders that ship nothing themselves (scripts/, tools/).
    scripts = _delivery_scripts(files, list(files.paths()))
    out.emit("delivery.scripts", [name for name, _ in scripts], [where for _, where in scripts],
             None if scripts else "no release, deploy or publish task or script")


def _delivery_scripts(files: FileIndex, paths: list[str]) -> list[tuple[str, str]]:
    """(task, where) of tasks that ship: Makefile, justfile and Rakefile targets, package
    scripts, and scripts named for releasing or deploying."""
    found: list[tuple[str, str]] = []
    for path in ("Makefile", "GNUmakefile", "makefile", "justfile", "Justfile", "Rakefile"):
        if not files.has(path):
            continue
        for number, line in enumerate(_read(files, path).splitlines(), 1):
            match = _TASK_LINE.match(line)
            if match and _SHIPPING.fullmatch(match[1]):
                found.append((f"{path} {match[1]}", f"{path}:{number}"))
    package = _package(files, "package.json") if files.has("package.json") else None
    scripts = package.get("scripts") if package else None
    for name in scripts if isinstance(scripts, dict) else {}:
        if _SHIPPING.fullmatch(str(name).split(":", 1)[0]):
            found.append((f"npm {name}", "package.json"))
    for path in paths:
        if path.startswith(("scripts/", "script/", "bin/", "tools/")) or "/" not in path:
            stem = posixpath.basename(path).rsplit(".", 1)[0]
            if path.endswith((".sh", ".ps1", ".py", ".rb")) and _SHIPPING.fullmatch(stem):
                found.append((path, path))
    return found[:20]


def _read(files: FileIndex, path: str) -> str:
    text = files.text(path)
    return text[:MAX_READ] if text else ""


def _cli(files: FileIndex, paths: list[str]) -> str | None:
    for path in paths:
        name = posixpath.basename(path)
        if name == "main.go" and _GO_MAIN.search(_read(files, path)):
            return path
        if path == "src/main.rs" or _RUST_BIN.match(path) or (
                name.endswith(".csproj") and _EXE.search(_read(files, path))
                and "test" not in name.lower()):
            return path
    for path in ("Cargo.toml", "pyproject.toml", "package.json"):
        if files.has(path) and _declares_a_command(path, _read(files, path)):
            return path
    if files.has("setup.py"):
        setup = _read(files, "setup.py")
        if "console_scripts" in setup and _LIBRARY_CLASSIFIER not in setup:
            return "setup.py"
    launcher = next((p for p in paths if _is_launcher(files, p)), None)
    if launcher:
        return launcher
    gemspec = next((p for p in paths if p.endswith(".gemspec") and "/" not in p), None)
    if gemspec and re.search(r"\.executables\s*=|\bbindir\s*=", _read(files, gemspec)):
        return gemspec
    return next((p for p in paths if re.match(r"^\.?goreleaser\.ya?ml$", p)), None)


def _is_launcher(files: FileIndex, path: str) -> bool:
    """A program's start script in a `bin/` folder (`bin/travis`, `dist/bin/mvn`), not a
    development helper such as `bin/setup` or `bin/console`."""
    folder, name = posixpath.split(path)
    if posixpath.basename(folder) != "bin" or "." in name or name in _DEV_HELPERS:
        return False
    return _read(files, path).startswith("#!")


def _declares_a_command(path: str, text: str) -> bool:
    """A package manifest that installs a command (and, for Python, does not call itself
    a library in its classifiers)."""
    try:
        if path == "package.json":
            data: Any = load_json(text)
            return isinstance(data, dict) and bool(data.get("bin")) and not data.get("exports")
        data = load_toml(text)
    except (ValueError, tomllib.TOMLDecodeError, RecursionError):
        return False
    if path == "Cargo.toml":
        return bool(data.get("bin"))
    project = data.get("project") if isinstance(data.get("project"), dict) else {}
    classifiers = project.get("classifiers") or []
    scripts = project.get("scripts") or data.get("tool", {}).get("poetry", {}).get("scripts")
    return bool(scripts) and not any(_LIBRARY_CLASSIFIER in str(c) for c in classifiers)


def _desktop(files: FileIndex, paths: list[str]) -> str | None:
    for path in paths:
        name = posixpath.basename(path)
        if name in ("tauri.conf.json", "snapcraft.yaml", "electron-builder.yml",
                    "electron-builder.json") or _DESKTOP_ENTRY.search(name):
            return path
        if name.endswith((".json", ".yml", ".yaml")) and (
                "flatpak" in path.lower() or path.count("/") <= 1) and _is_flatpak(files, path):
            return path
    package = _package(files, "package.json") if files.has("package.json") else None
    if package and _depends_on(package, ("electron",)):
        return "package.json"
    return None


def _is_flatpak(files: FileIndex, path: str) -> bool:
    """A Flatpak manifest: an application id, a runtime and the modules to build."""
    text = _read(files, path)
    return ("app-id" in text or '"id"' in text) and "modules" in text and "runtime" in text


def _mobile(files: FileIndex, paths: list[str]) -> str | None:
    for path in paths:
        name = posixpath.basename(path)
        if name == "AndroidManifest.xml" and _ANDROID_LAUNCHER in _read(files, path):
            return path
        if name in ("build.gradle", "build.gradle.kts") and \
                _GRADLE_ANDROID_APP.search(_read(files, path)):
            return path
        if name == "project.pbxproj" and \
                "com.apple.product-type.application" in _read(files, path):
            return path
    return None


def _web(files: FileIndex, paths: list[str]) -> str | None:
    for path in paths:
        name = posixpath.basename(path)
        if name == "package.json":
            package = _package(files, path)
            if package and package.get("private") and _depends_on(package, _WEB_FRAMEWORKS):
                return path
        elif (name == "manage.py" and "django" in _read(files, path)) or (
                "/" not in path and _SITE_FILES.match(name) and _is_site(files, path)):
            return path
    return None


def _is_site(files: FileIndex, path: str) -> bool:
    """A site configuration at the root: the repository is the site (a Sphinx `conf.py`
    or a Jekyll `_config.yml` at the root, not under docs/)."""
    if path == "conf.py":
        return "html_theme" in _read(files, path)
    if path.startswith("_config"):
        return files.has("Gemfile") and "jekyll" in _read(files, "Gemfile").lower()
    return True


def _web_archive(files: FileIndex, paths: list[str]) -> str | None:
    for path in paths:
        name = posixpath.basename(path)
        if name == "pom.xml" and _WAR.search(_read(files, path)):
            return path
        if name in ("build.gradle", "build.gradle.kts") and _GRADLE_WAR.search(_read(files, path)):
            return path
    return None


def _container(files: FileIndex, paths: list[str]) -> str | None:
    for path in paths:
        name = posixpath.basename(path)
        if (name.startswith(("Dockerfile", "Containerfile")) or name.endswith(".Dockerfile")) \
                and _DOCKER_EXPOSE.search(_read(files, path)):
            return path
    return None


def _package(files: FileIndex, path: str) -> dict[str, Any] | None:
    try:
        data = load_json(_read(files, path) or "null")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _depends_on(package: dict[str, Any], names: Iterable[str]) -> bool:
    wanted = set(names)
    for key in ("dependencies", "devDependencies"):
        section = package.get(key)
        if isinstance(section, dict) and wanted & set(section):
            return True
    return False


_FINDERS: tuple[tuple[str, Callable[[FileIndex, list[str]], str | None]], ...] = (
    ("cli", _cli),
    ("desktop", _desktop),
    ("mobile", _mobile),
    ("web", _web),
    ("web-archive", _web_archive),
    ("container", _container),
)


DETECTOR = Detector("applications", SIGNALS, detect)
