"""The scanner's own YAML files (its model, rule packs and CI tool catalogue), kept parsed
in the user's cache folder, and what is made of its own files and code alone (the checked
catalogue, the built-in collectors' signal declarations).

Parsing them with line numbers is pure-Python work: about 45 ms of every scan, for files
that change only with the scanner. Their parsed form is kept as JSON, named by a digest of
the text, of this module's format and of the loader's code (`yaml_source.py` and
`yaml_values.py`), so an edited file, or a scanner that parses or keeps differently, finds
no entry of its own and parses the text again (`kept_or_made` does the same for anything
else made from the scanner's own files and code, named by all of them). JSON, not pickle:
an entry is data, read back into the same mappings and lists `yaml_source` makes, never
code. It is used only when this user owns it and no one else may write it; anything wrong
with it (damaged, foreign, unreadable) costs one parse, never the scan. Files from
anywhere else (a repository, a user's config or rule pack) are parsed every time. PyYAML
itself is imported only to parse: with every entry kept, a scan's judging process never
imports it.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
import time
from collections.abc import Callable, Iterable
from functools import cache, partial
from pathlib import Path
from typing import Any, TypeVar

import scanner
from scanner.yaml_values import LineDict, LineList, TextPosition

#: Changes whenever what an entry holds changes shape, so entries of another shape are
#: never read.
FORMAT = "1"
MAX_ENTRY_BYTES = 20_000_000
#: Entries kept at most: the scanner's dozen files for a few versions (or edits) of them; a
#: new entry past that removes the oldest written.
MAX_ENTRIES = 64
#: Entries of a folder kept per repository (`prune_unused`) not written for this long are
#: removed.
UNUSED_DAYS = 31
T = TypeVar("T")
_PACKAGE = os.path.dirname(os.path.abspath(scanner.__file__)) + os.sep


def is_own(path: Path) -> bool:
    """Whether `path` is one of the scanner's own files (its installed package)."""
    return os.path.abspath(path).startswith(_PACKAGE)


def cache_folder(kind: str = "parsed-yaml") -> Path:
    """The user's cache folder of the scanner for one `kind` of entry."""
    from platformdirs import user_cache_path

    return user_cache_path("maturity-scanner", appauthor=False) / kind


def kept_or_parsed(text: str, folder: Path) -> Any:
    """`text` as `load_yaml` reads it: from the entry kept in `folder` for this text, else
    parsed (and then kept there, where it can be)."""
    return kept_or_made([_loader_digest(), text.encode()], partial(_parsed, text),
                        _frozen, _thawed, folder)


def _parsed(text: str) -> Any:
    from scanner.yaml_source import load_yaml  # PyYAML: only where an entry is missing

    return load_yaml(text)


def kept_or_made(sources: Iterable[bytes], make: Callable[[], T], frozen: Callable[[T], Any],
                 thawed: Callable[[Any], T], folder: Path) -> T:
    """What `make` returns, from the entry kept in `folder` for these `sources` (every text
    and every piece of code what it makes depends on), else made (and then kept there, as
    `frozen` puts it in JSON, where it can be). `thawed` reads an entry back, and raises
    ValueError, KeyError, TypeError, IndexError or AttributeError on one it cannot read."""
    digest = hashlib.sha256(b"\0".join(hashlib.sha256(part).digest() for part in sources))
    entry = folder / f"{digest.hexdigest()}.json"
    kept = read_entry(entry)
    if kept is not None:
        try:
            return thawed(json.loads(kept))
        except (ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError):
            pass  # damaged: made again, and written anew
    made = make()
    try:
        text = json.dumps(frozen(made), separators=(",", ":"))
    except (TypeError, ValueError):  # a value JSON cannot hold (a date): made each time
        return made
    if write_entry(entry, text):
        _prune(entry.parent)
    return made


def repository_entry(kind: str, root: Path) -> Path:
    """The one entry of the cache folder of `kind` kept for the repository at `root`,
    named by a digest of its path (see `prune_unused`)."""
    return cache_folder(kind) / f"{hashlib.sha256(os.fsencode(str(root))).hexdigest()}.json"


def stamp(path: str) -> str:
    """A file named by its path, size and modification time, as Python names a module's
    bytecode: what an entry made from code is kept under."""
    status = os.stat(path)
    return f"{path}\0{status.st_size}\0{status.st_mtime_ns}"


def stamps_under(folder: str, suffixes: tuple[str, ...]) -> list[str]:
    """`stamp` of every file under `folder` whose name ends with one of `suffixes`, its
    links to other folders followed (each folder once), byte-code caches left out."""
    stamps, folders, seen = [], [folder], set()
    while folders:
        current = folders.pop()
        if os.path.realpath(current) in seen:
            continue
        seen.add(os.path.realpath(current))
        with os.scandir(current) as entries:
            for entry in entries:
                if entry.is_dir() and entry.name != "__pycache__":
                    folders.append(entry.path)
                elif entry.name.endswith(suffixes):
                    stamps.append(stamp(entry.path))
    return stamps


@cache
def _loader_digest() -> bytes:
    loader = Path(_PACKAGE, "yaml_source.py").read_bytes()
    values = Path(_PACKAGE, "yaml_values.py").read_bytes()
    return hashlib.sha256(b"\0".join([FORMAT.encode(), loader, values])).digest()


def read_entry(entry: Path) -> str | None:
    """An entry's text; None when it is missing, too large, not a file, not this user's
    own or writable by anyone else (another user could have planted it)."""
    try:
        handle = os.open(entry, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        status = os.fstat(handle)
        if not stat.S_ISREG(status.st_mode) or status.st_uid != os.getuid() \
                or status.st_mode & (stat.S_IWGRP | stat.S_IWOTH) \
                or status.st_size > MAX_ENTRY_BYTES:
            return None
        with os.fdopen(handle, "rb", closefd=False) as stream:
            return stream.read(MAX_ENTRY_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    finally:
        os.close(handle)


def write_entry(entry: Path, text: str) -> bool:
    """Written whole or not at all (a temporary file renamed), readable by this user only;
    False when nothing was written: a folder that cannot be written (a read-only home)
    keeps nothing."""
    try:
        entry.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".entry-")
    except OSError:
        return False
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, entry)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        return False
    return True


def _prune(folder: Path) -> None:
    """The oldest entries past MAX_ENTRIES removed: each edit of a file, or version of
    the scanner, leaves one more behind."""
    try:
        entries = [(path.stat().st_mtime, path) for path in folder.glob("*.json")]
        for _, path in sorted(entries)[:max(0, len(entries) - MAX_ENTRIES)]:
            path.unlink(missing_ok=True)
    except OSError:  # another scan pruning at once, or a folder gone: next time
        pass


def prune_unused(folder: Path, days: int = UNUSED_DAYS) -> None:
    """Entries of `folder` not written for `days` removed, at most once a day (a marker
    file's time says when last), for folders of one entry per repository: a clone moved
    or deleted leaves its entry behind, and listing thousands of entries on every scan
    would cost more than they save."""
    marker = folder / ".pruned"
    now = time.time()
    try:
        if now - marker.stat().st_mtime < 86_400:
            return
    except FileNotFoundError:
        pass
    except OSError:
        return
    try:
        marker.touch()
        for entry in folder.glob("*.json"):
            if now - entry.stat().st_mtime > days * 86_400:
                entry.unlink(missing_ok=True)
    except OSError:  # another scan pruning at once, or a folder gone: next time
        pass


def _frozen(node: Any) -> Any:
    """A parsed tree as JSON: a mapping as its line and [key, key line, value line, literal
    block, value] per key; a list as its line and [line, literal block, value] per item."""
    if isinstance(node, LineDict):
        return {"m": node.line, "k": [
            [key, node.key_lines.get(key, node.line), position.line,
             position.literal_block, _frozen(value)]
            for key, value in node.items()
            for position in (node.position_of(key),)]}
    if isinstance(node, LineList):
        return {"s": node.line, "i": [
            [position.line, position.literal_block, _frozen(value)]
            for position, value in zip(node.item_positions, node, strict=True)]}
    if node is None or isinstance(node, str | int | float | bool):
        return node
    raise TypeError(f"{type(node).__name__} is not kept")


def _thawed(node: Any) -> Any:
    if type(node) is not dict:
        if isinstance(node, list):
            raise TypeError("a list outside a mapping or sequence")
        return node
    if "m" in node:
        mapping = LineDict()
        mapping.line = int(node["m"])
        for key, key_line, line, literal, value in node["k"]:
            mapping[key] = _thawed(value)
            mapping.key_lines[key] = int(key_line)
            mapping.value_positions[key] = TextPosition(int(line), bool(literal))
        return mapping
    sequence = LineList()
    sequence.line = int(node["s"])
    for line, literal, value in node["i"]:
        sequence.append(_thawed(value))
        sequence.item_positions.append(TextPosition(int(line), bool(literal)))
    return sequence
