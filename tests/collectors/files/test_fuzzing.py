"""Fuzzing set-ups a repository carries, cited per file, whether or not CI runs them."""

from __future__ import annotations

from collections.abc import Callable

from scanner.collectors.base import Emitter
from scanner.collectors.files import detectors
from scanner.collectors.files.fuzzing import MAX_FILES_READ, detect
from scanner.collectors.files.index import FileIndex
from scanner.collectors.local.git import GitRepo as LocalGit
from scanner.collectors.local.worktree import WorkTree
from scanner.evidence import Evidence

from gitrepo import GitRepo

Tree = Callable[[dict[str, str]], WorkTree]
MakeRepo = Callable[..., GitRepo]


def targets(tree: Tree, files: dict[str, str]) -> Evidence:
    out = Emitter("repo:x", "test")
    detect(FileIndex(tree(files)), out)
    (found,) = out.evidence
    assert found.signal == "fuzz.targets"
    return found


def test_the_detector_is_registered() -> None:
    assert "fuzzing" in {d.id for d in detectors()}


def test_cargo_fuzz_crate_with_an_oss_fuzz_build_script(tree: Tree) -> None:
    found = targets(tree, {
        "fuzz/Cargo.toml": "[package]\nname = \"x-fuzz\"\n\n[package.metadata]\n"
                           "cargo-fuzz = true\n\n[dependencies]\nlibfuzzer-sys = \"0.4\"\n",
        "fuzz/fuzz_targets/parse.rs": "#![no_main]\nuse libfuzzer_sys::fuzz_target;\n\n"
                                      "fuzz_target!(|data: &[u8]| { let _ = x::parse(data); });\n",
        "fuzz/oss-fuzz-build.sh": "#!/bin/bash -eu\ncargo fuzz build -O\n",
        "src/lib.rs": "pub fn parse(_: &[u8]) {}\n",
    })
    assert found.value == ["cargo-fuzz", "oss-fuzz"]
    assert found.locators == ("fuzz/oss-fuzz-build.sh", "fuzz/Cargo.toml:5",
                              "fuzz/fuzz_targets/parse.rs:4")
    assert found.note is not None and "OSS-Fuzz" in found.note and "outside" in found.note


def test_go_fuzz_tests_in_any_test_file(tree: Tree) -> None:
    found = targets(tree, {
        "parser/parse_test.go": "package parser\n\nimport \"testing\"\n\n"
                                "func TestParse(t *testing.T) {}\n\n"
                                "func FuzzParse(f *testing.F) {\n\tf.Fuzz(func(t *testing.T, "
                                "b []byte) { Parse(b) })\n}\n",
        "parser/other_test.go": "package parser\n\n// func FuzzNothing(f *testing.F) in a "
                                "comment does not count\n",
        "vendor/x/y_test.go": "package y\nfunc FuzzVendored(f *testing.F) {}\n",
    })
    assert found.value == ["go-fuzz"]
    assert found.locators == ("parser/parse_test.go:7",)


def test_libfuzzer_jazzer_atheris_and_clusterfuzzlite(tree: Tree) -> None:
    found = targets(tree, {
        "tests/test_bind_fuzzer.cpp": "#include <zmq.h>\n\nextern \"C\" int "
                                      "LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) {\n"
                                      "  return 0;\n}\n",
        "src/test/java/org/x/ParserFuzzTest.java": "class ParserFuzzTest {\n  @FuzzTest\n"
                                                   "  void parse(FuzzedDataProvider d) {}\n}\n",
        "fuzzing/fuzz_json.py": "import sys\nimport atheris\n\natheris.Setup(sys.argv, t)\n"
                                "atheris.Fuzz()\n",
        ".clusterfuzzlite/build.sh": "#!/bin/bash\ncompile\n",
        "examples/fuzz_demo.c": "int LLVMFuzzerTestOneInput(const char *d, long n) {}\n",
        "src/fuzzy_match.c": "int fuzzy(void) { return 0; }\n",
    })
    assert found.value == ["atheris", "clusterfuzzlite", "jazzer", "libfuzzer"]
    assert found.locators[0] == ".clusterfuzzlite/build.sh"
    assert set(found.locators[1:]) == {"tests/test_bind_fuzzer.cpp:3",
                                       "src/test/java/org/x/ParserFuzzTest.java:2",
                                       "fuzzing/fuzz_json.py:4"}


def test_no_fuzzing_is_an_explicit_negative(tree: Tree) -> None:
    found = targets(tree, {"main.go": "package main\n", "scripts/download_ossfuzz_corpus.sh":
                           "curl -O corpus.zip\n"})
    assert found.value == []
    assert found.locators == ()
    assert found.note is not None and found.note.startswith("no fuzz targets")


def test_binary_or_huge_candidates_cost_only_themselves(make_repo: MakeRepo) -> None:
    repo = make_repo({"fuzz/big_fuzzer.cc": "// " + "x" * 600_000 + "\nLLVMFuzzerTestOneInput(\n",
                      "fuzz/ok_fuzzer.cc": "int LLVMFuzzerTestOneInput(const char *d, long n);\n"})
    (repo.root / "fuzz" / "bin_fuzzer.cc").write_bytes(b"\x00LLVMFuzzerTestOneInput(\x00")
    repo.git("add", "fuzz/bin_fuzzer.cc")
    repo.git("commit", "-qm", "binary")
    local = LocalGit(repo.root)
    out = Emitter("repo:x", "test")
    detect(FileIndex(WorkTree(local.root, local.tracked_files(), 2_000_000)), out)
    assert out.evidence[0].locators == ("fuzz/ok_fuzzer.cc:1",)


def test_the_read_budget_is_said(tree: Tree) -> None:
    files = {f"fuzz/t{i}_fuzzer.cc": "int x;\n" for i in range(MAX_FILES_READ + 1)}
    found = targets(tree, files)
    assert found.value == []
    assert found.note is not None and f"first {MAX_FILES_READ}" in found.note
