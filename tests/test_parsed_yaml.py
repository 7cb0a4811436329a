"""The scanner's own YAML files kept parsed in the user's cache (scanner/parsed_yaml.py):
read back exactly as parsed, line numbers included, and never trusted when they could be
someone else's or damaged."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from scanner import parsed_yaml
from scanner.engine.loader import builtin_rule_files
from scanner.parsed_yaml import is_own, kept_or_parsed
from scanner.yaml_source import LineDict, LineList, load_yaml

TEXT = """\
rules:
  - id: one
    when: {signal: ci.sast, op: eq, value: true}
    note: |
      first line
      second line
  - id: two
    weight: 1.5
    enabled: false
    empty: null
    3: numbers as keys
"""


def _shape(node: Any) -> Any:
    """A tree with every line the loader remembers, to compare two trees whole."""
    if isinstance(node, LineDict):
        return ("map", node.line, [(key, node.line_of(key), node.position_of(key),
                                    _shape(value)) for key, value in node.items()])
    if isinstance(node, LineList):
        return ("seq", node.line, [(node.position_of(index), _shape(value))
                                   for index, value in enumerate(node)])
    return (type(node).__name__, node)


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json"))


def test_a_kept_tree_reads_back_as_parsed_lines_and_all(tmp_path: Path) -> None:
    first = kept_or_parsed(TEXT, tmp_path)
    [entry] = _entries(tmp_path)
    assert entry.stat().st_mode & 0o777 == 0o600
    again = kept_or_parsed(TEXT, tmp_path)
    assert _shape(again) == _shape(first) == _shape(load_yaml(TEXT))
    assert again["rules"][0].locate("note", 1).endswith(":6")  # the block's second line


def test_the_second_read_comes_from_the_entry(tmp_path: Path) -> None:
    kept_or_parsed(TEXT, tmp_path)
    [entry] = _entries(tmp_path)
    entry.write_text(entry.read_text().replace('"one"', '"from the entry"'))
    assert kept_or_parsed(TEXT, tmp_path)["rules"][0]["id"] == "from the entry"
    edited = TEXT.replace("id: two", "id: three")
    assert kept_or_parsed(edited, tmp_path)["rules"][1]["id"] == "three"  # its own entry
    assert len(_entries(tmp_path)) == 2


def test_a_loader_that_changed_finds_no_entry_of_its_own(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Entries are named by the loader's code too: one edited since reads the text anew."""
    kept_or_parsed(TEXT, tmp_path)
    [entry] = _entries(tmp_path)
    entry.write_text(entry.read_text().replace('"one"', '"from the old loader"'))
    monkeypatch.setattr(parsed_yaml, "_loader_digest", lambda: b"another loader")
    assert kept_or_parsed(TEXT, tmp_path)["rules"][0]["id"] == "one"
    assert len(_entries(tmp_path)) == 2


@pytest.mark.parametrize("spoil", ["group-writable", "damaged", "not a mapping", "a link"])
def test_an_entry_that_cannot_be_trusted_costs_one_parse(tmp_path: Path, spoil: str) -> None:
    kept_or_parsed(TEXT, tmp_path)
    [entry] = _entries(tmp_path)
    entry.write_text(entry.read_text().replace('"one"', '"planted"'))
    if spoil == "group-writable":
        entry.chmod(0o620)
    elif spoil == "damaged":
        entry.write_text(entry.read_text()[:200])
    elif spoil == "not a mapping":
        entry.write_text('{"m": 1, "k": [[["a list as a key"], 1, 1, false, "x"]]}')
    else:
        planted = tmp_path / "elsewhere.json"
        entry.rename(planted)
        entry.symlink_to(planted)
    read = kept_or_parsed(TEXT, tmp_path)
    assert _shape(read) == _shape(load_yaml(TEXT))
    if spoil in ("damaged", "not a mapping"):  # written anew, then read from there
        assert _shape(kept_or_parsed(TEXT, tmp_path)) == _shape(read)
        assert "planted" not in entry.read_text()


def test_a_folder_that_cannot_be_written_keeps_nothing_and_still_reads(tmp_path: Path) -> None:
    if os.getuid() == 0:
        blocked = tmp_path / "a-file-not-a-folder"
        blocked.write_text("")
        folder = blocked / "parsed"
    else:
        folder = tmp_path / "read-only"
        folder.mkdir(mode=0o500)
    assert _shape(kept_or_parsed(TEXT, folder)) == _shape(load_yaml(TEXT))
    assert not folder.exists() or not _entries(folder)


def test_the_oldest_entries_go_past_the_limit(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsed_yaml, "MAX_ENTRIES", 5)
    written = []
    for number in range(8):
        before = set(_entries(tmp_path))
        kept_or_parsed(f"number: {number}\n", tmp_path)
        [new] = set(_entries(tmp_path)) - before
        os.utime(new, (number, number))  # written in this order, a second apart
        written.append(new)
    assert set(_entries(tmp_path)) == set(written[-5:])


def test_values_json_cannot_hold_are_parsed_each_time(tmp_path: Path) -> None:
    text = "released: 2026-01-31\ntagged: !reference [.job, script]\n"
    assert kept_or_parsed(text, tmp_path) == load_yaml(text)
    assert not _entries(tmp_path)


def test_only_the_scanner_s_own_files_are_kept(tmp_path: Path) -> None:
    assert all(is_own(path) for path in builtin_rule_files())
    assert is_own(Path(parsed_yaml.__file__).with_name("model.yaml"))
    assert not is_own(tmp_path / "rules.yaml")
    assert not is_own(Path(parsed_yaml.__file__).parent / ".." / "elsewhere.yaml")


def test_every_file_of_the_scanner_reads_back_as_parsed(tmp_path: Path) -> None:
    own = Path(parsed_yaml.__file__).parent
    files = [path for pattern in ("*.yaml", "rules/*.yaml", "collectors/**/*.yaml")
             for path in own.glob(pattern)]
    assert len(files) > 8
    for path in files:
        text = path.read_text()
        kept_or_parsed(text, tmp_path)
        assert _shape(kept_or_parsed(text, tmp_path)) == _shape(load_yaml(text)), path


def test_entries_unused_for_a_month_are_pruned_at_most_once_a_day(tmp_path: Path) -> None:
    from scanner.parsed_yaml import UNUSED_DAYS, prune_unused

    old, recent = tmp_path / "old.json", tmp_path / "recent.json"
    for entry in (old, recent):
        entry.write_text("{}")
    month_ago = time.time() - (UNUSED_DAYS + 1) * 86_400
    os.utime(old, (month_ago, month_ago))
    prune_unused(tmp_path)
    assert [path.name for path in tmp_path.glob("*.json")] == ["recent.json"]
    os.utime(recent, (month_ago, month_ago))
    prune_unused(tmp_path)  # pruned within the day already: listed again tomorrow
    assert recent.exists()
