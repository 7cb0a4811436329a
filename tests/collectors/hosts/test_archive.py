"""Archives are unpacked defensively: links, escapes and oversized files are skipped."""

from __future__ import annotations

import io
import tarfile

import pytest

from scanner.collectors.hosts.archive import ArchiveTooLarge, ArchiveTree
from scanner.collectors.tree import SkippedFile


def tarball(entries: list[tuple[str, bytes | None, str]]) -> bytes:
    """(name, content, kind) with kind file / symlink / dir; names include the top folder."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content, kind in entries:
            info = tarfile.TarInfo(name)
            if kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
                archive.addfile(info)
            elif kind == "dir":
                info.type = tarfile.DIRTYPE
                archive.addfile(info)
            else:
                data = content or b""
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def chunks(data: bytes, size: int = 7) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


def test_files_are_read_without_the_top_folder() -> None:
    data = tarball([("acme-api-1a2b3c/", None, "dir"),
                    ("acme-api-1a2b3c/.github/workflows/ci.yml", b"on: push\n", "file"),
                    ("acme-api-1a2b3c/README.md", b"# api\n", "file")])
    with ArchiveTree(chunks(data), max_file_bytes=1000) as tree:
        assert list(tree.paths()) == [".github/workflows/ci.yml", "README.md"]
        assert tree.read_text(".github/workflows/ci.yml") == "on: push\n"
        folder = tree._folder
    assert not folder.exists()


def test_links_escapes_binaries_and_large_files_are_skipped_with_reasons() -> None:
    data = tarball([("top/Makefile", None, "symlink"),
                    ("top/../../etc/evil", b"x", "file"),
                    ("/abs/evil", b"x", "file"),
                    ("top/logo.png", b"\x89PNG\x00\x00", "file"),
                    ("top/big.json", b"x" * 2000, "file"),
                    ("top/ok.txt", b"fine", "file")])
    with ArchiveTree(chunks(data, 100), max_file_bytes=1000) as tree:
        assert list(tree.paths()) == ["Makefile", "big.json", "logo.png", "ok.txt"]
        with pytest.raises(SkippedFile, match="link in the archive"):
            tree.read_text("Makefile")
        with pytest.raises(SkippedFile, match="over the"):
            tree.read_text("big.json")
        with pytest.raises(SkippedFile, match="binary"):
            tree.read_text("logo.png")
        assert tree.read_text("ok.txt") == "fine"
        assert not (tree._folder.parent / "etc" / "evil").exists()


def test_an_archive_over_the_limit_or_not_an_archive_is_refused() -> None:
    data = tarball([(f"top/f{i}.txt", b"x" * 600, "file") for i in range(3)])
    with pytest.raises(ArchiveTooLarge, match="over"):
        ArchiveTree(chunks(data), max_file_bytes=1000, max_archive_bytes=1000)
    with pytest.raises(ArchiveTooLarge, match="not a readable archive"):
        ArchiveTree([b"<html>not a tarball</html>"], max_file_bytes=1000)
