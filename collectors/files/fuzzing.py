"""Fuzzing set-ups a repository carries, whether or not its own CI runs them.

Fuzz targets are often run outside the repository: OSS-Fuzz builds a project from the
build script it keeps (`oss-fuzz-build.sh`, `build_ossfuzz.sh`) and fuzzes it
continuously on Google's machines; a developer runs `cargo fuzz` by hand.  So the
targets themselves are evidence: libFuzzer entry points (C, C++, Swift), cargo-fuzz
crates, Go fuzz tests (`func FuzzXxx(f *testing.F)`), Jazzer (`@FuzzTest`,
`fuzzerTestOneInput`), Atheris (`atheris.Setup`), AFL persistent loops, SharpFuzz, and
the OSS-Fuzz and ClusterFuzzLite build files.  Whether CI runs them is `ci.fuzz.tools`.

Only files whose path says fuzzing, and Go test files, are read, within a budget.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable

from scanner.collectors.base import Emitter
from scanner.collectors.files import Detector
from scanner.collectors.files.index import FileIndex
from scanner.lazy_patterns import lazy_compile
from scanner.signals import SignalSpec

SIGNALS: tuple[SignalSpec, ...] = (
    SignalSpec("fuzz.targets", "list",
               "Fuzzing set-ups present in the repository, run by its CI or not: oss-fuzz, "
               "clusterfuzzlite, libfuzzer, cargo-fuzz, go-fuzz, jazzer, atheris, afl, "
               "sharpfuzz (one locator per file)", ("repo", "service")),
)

MAX_FILES_READ = 3_000
MAX_FILE_CHARS = 500_000
# Vendored, built or illustrative code: not the repository's own fuzzing.
NOT_OWN = lazy_compile(r"(?i)(^|/)(vendor|third[-_]?party|node_modules|external|deps|dist|"
                       r"build|\.venv|venv|site-packages|docs?|examples?|samples?)/")
FUZZ_PATH = lazy_compile(r"(?i)fuzz")
# OSS-Fuzz's build script for the project, kept in the repository: `oss-fuzz-build.sh`,
# `build_ossfuzz.sh`, `ossfuzz.sh` (not helpers such as `download_ossfuzz_corpus.sh`).
OSS_FUZZ_SCRIPT = lazy_compile(r"(?i)^(build[-_.]?)?oss[-_]?fuzz([-_.]?build)?$")
CLUSTERFUZZLITE = lazy_compile(r"(^|/)\.clusterfuzzlite/(project\.yaml|build\.sh|Dockerfile)$")
# (kind, file suffixes, the line that marks a target)
TARGETS: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = (
    ("libfuzzer", (".c", ".cc", ".cpp", ".cxx", ".c++", ".m", ".mm", ".swift"),
     re.compile(r"\bLLVMFuzzerTestOneInput\s*\(")),
    ("afl", (".c", ".cc", ".cpp", ".cxx"), re.compile(r"\b__AFL_(LOOP|FUZZ_TESTCASE_BUF)\b")),
    ("cargo-fuzz", (".rs",), re.compile(r"\bfuzz_target!\s*\(")),
    ("cargo-fuzz", ("Cargo.toml",),
     re.compile(r"^\s*(\[dependencies\.)?(libfuzzer-sys|cargo-fuzz)(\]|\s*=)")),
    ("go-fuzz", ("_test.go",),
     re.compile(r"^func\s+Fuzz[A-Z0-9_]\w*\s*\(\s*\w+\s+\*testing\.F\s*\)")),
    ("jazzer", (".java", ".kt"),
     re.compile(r"@FuzzTest\b|\bfuzzerTestOneInput\s*\(")),
    ("atheris", (".py",), re.compile(r"\batheris\.Setup\s*\(")),
    ("sharpfuzz", (".cs", ".fs"), re.compile(r"\bFuzzer\.(OutOfProcess\.|LibFuzzer\.)?Run\s*\(")),
)
# Set-up files first: they say how the targets are run.
ORDER = ("oss-fuzz", "clusterfuzzlite")


def detect(files: FileIndex, out: Emitter) -> None:
    found: list[tuple[str, str]] = []  # (kind, locator)
    read = 0
    cut = False
    for path in files.paths():
        if NOT_OWN.search(path):
            continue
        name = posixpath.basename(path)
        if CLUSTERFUZZLITE.search(path):
            found.append(("clusterfuzzlite", path))
            continue
        if name.endswith(".sh") and OSS_FUZZ_SCRIPT.search(name[:-3]):
            found.append(("oss-fuzz", path))
            continue
        checks = [(kind, pattern) for kind, suffixes, pattern in TARGETS
                  if name.endswith(suffixes) and (kind == "go-fuzz" or FUZZ_PATH.search(path))]
        if not checks:
            continue
        if read >= MAX_FILES_READ:
            cut = True
            break
        read += 1
        text = files.text(path)
        if text is None or len(text) > MAX_FILE_CHARS:
            continue
        for kind, pattern in checks:
            line = _first_line(text, pattern)
            if line:
                found.append((kind, f"{path}:{line}"))
                break
    kinds = sorted({kind for kind, _ in found})
    ordered = [where for kind, where in found if kind in ORDER] + \
        [where for kind, where in found if kind not in ORDER]
    out.emit("fuzz.targets", kinds, ordered, _note(found, read, cut))


def _first_line(text: str, pattern: re.Pattern[str]) -> int:
    if pattern.pattern.startswith("^"):
        return next((number for number, line in enumerate(text.splitlines(), 1)
                     if pattern.match(line)), 0)
    found = pattern.search(text)
    return text.count("\n", 0, found.start()) + 1 if found else 0


def _note(found: Iterable[tuple[str, str]], read: int, cut: bool) -> str:
    found = list(found)
    targets = [kind for kind, _ in found if kind not in ORDER]
    parts = []
    if targets:
        counts = {kind: targets.count(kind) for kind in sorted(set(targets))}
        parts.append(f"{len(targets)} file(s) with fuzz targets ("
                     + ", ".join(f"{kind}: {count}" for kind, count in counts.items()) + ")")
    if any(kind == "oss-fuzz" for kind, _ in found):
        parts.append("OSS-Fuzz build files: OSS-Fuzz likely fuzzes these targets outside this "
                     "repository's CI")
    if any(kind == "clusterfuzzlite" for kind, _ in found):
        parts.append("a ClusterFuzzLite set-up")
    if not parts:
        parts.append(f"no fuzz targets or fuzzing set-ups found ({read} candidate file(s) read)")
    elif not targets:
        parts.append("no fuzz target found among the files read")
    if cut:
        parts.append(f"only the first {MAX_FILES_READ} candidate files were read")
    return "; ".join(parts)


DETECTOR = Detector("fuzzing", SIGNALS, detect)
