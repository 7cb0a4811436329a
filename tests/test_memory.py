"""What collectors keep for their next scan, held on disk: read back from the store into a
SpooledMemory, and handed over to the scan's spool as collection goes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from scanner.memory import Remembered, SpooledMemory
from scanner.spool import EvidenceSpool


def test_spooled_memory_reads_each_body_back_from_any_thread() -> None:
    rows = [(f"GET /repos/acme/svc-{n}", f'W/"{n}"', f"body {n} " * (n % 50 + 1))
            for n in range(500)]
    memory = SpooledMemory(iter(rows))
    assert len(memory) == 500 and "GET /repos/acme/svc-7" in memory
    assert memory.get("GET /nowhere") is None
    with ThreadPoolExecutor(max_workers=8) as pool:
        found = list(pool.map(lambda row: memory[row[0]], rows * 4))
    assert found == [Remembered(etag, body) for _, etag, body in rows * 4]
    assert memory == {key: Remembered(etag, body) for key, etag, body in rows}


def test_memory_handed_over_comes_back_by_target_and_legible() -> None:
    spool = EvidenceSpool()
    spool.keep_memory(("github", "acme"), {"repository:acme/a": Remembered("e1", "one")})
    spool.keep_memory(("github", "acme"), {"repository:acme/b\udce9": Remembered("e2", "two")})
    spool.keep_memory(("gitlab", "platform"), {})
    assert spool.holds_memory(("github", "acme"))
    assert not spool.holds_memory(("gitlab", "platform"))
    assert list(spool.memory_of(("github", "acme"))) == [
        ("repository:acme/a", Remembered("e1", "one")),
        ("repository:acme/b\\xe9", Remembered("e2", "two"))]
