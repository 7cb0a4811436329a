"""The evidence spool gives back what was put in, in the order a list of it would have."""

from __future__ import annotations

from datetime import UTC, datetime

from scanner.evidence import Evidence
from scanner.spool import EvidenceSpool, spooled_sets

AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def item(entity: str, signal: str, value: object, **extra: object) -> Evidence:
    return Evidence(entity, signal, value, "test", observed_at=AT, **extra)  # type: ignore[arg-type]


def test_items_come_back_whole_by_entity_in_the_order_first_seen() -> None:
    first = [item("repo:b", "ci.present", True, locators=("a.yml:3", "b.yml:9")),
             item("repo:a", "ci.tools", ["zap", "ünïcode"], note="seen twice",
                  locators=tuple(f"f{n}" for n in range(5)), occurrences=9)]
    spool = EvidenceSpool(first)
    spool.add([item("repo:c", "git.commits", 12), item("repo:b", "git.commits", 3)])
    assert spool.entities() == ["repo:b", "repo:a", "repo:c"]
    assert spool.evidence("repo:b") == [first[0], item("repo:b", "git.commits", 3)]
    assert spool.evidence("repo:a") == [first[1]]
    assert len(spool) == 4
    assert [e.entity for e in spool] == ["repo:b", "repo:b", "repo:a", "repo:c"]
    assert spool.evidence("repo:unknown") == []


def test_a_replaced_signal_goes_last_among_its_entitys_and_new_entities_go_last() -> None:
    spool = EvidenceSpool([item("repo:x", "dora.change_failure_rate", 0.0),
                           item("repo:x", "dora.deployments", 4),
                           item("repo:y", "git.commits", 1)])
    spool.replace([item("repo:x", "dora.change_failure_rate", 0.5),
                   item("service:x/api", "dora.change_failure_rate", 0.25)])
    assert [(e.signal, e.value) for e in spool.evidence("repo:x")] == [
        ("dora.deployments", 4), ("dora.change_failure_rate", 0.5)]
    assert spool.entities() == ["repo:x", "repo:y", "service:x/api"]
    assert len(spool) == 4


def test_a_name_that_is_not_utf8_is_spooled_with_its_bytes_escaped() -> None:
    """A file name read with surrogateescape, handed over by a collector as it was read."""
    raw = "repo:/srv/caf\udce9"
    spool = EvidenceSpool([item(raw, "repo.files", ["r\udce9sum\u00e9.txt"],
                                locators=("docs/\udce9.md:1",)),
                           item("repo:/plain", "git.commits", 3)])
    assert spool.entities() == ["repo:/srv/caf\\xe9", "repo:/plain"]
    found = spool.evidence("repo:/srv/caf\\xe9")
    assert [(e.entity, e.value, e.locators) for e in found] == [
        ("repo:/srv/caf\\xe9", ["r\\xe9sum\u00e9.txt"], ("docs/\\xe9.md:1",))]
    assert spool.digest("repo:/srv/caf\\xe9")


def test_a_spooled_set_of_a_new_entity_is_taken_as_it_is_and_one_of_a_held_entity_joins_it(
        ) -> None:
    """A Git host hands a recalled repository over as the sets it kept (collectors/hosts/
    reuse.py): the spool holds them as items added one by one would be."""
    first = [item("repo:a", "ci.present", True), item("service:a/api", "service.repo", "repo:a")]
    later = [item("repo:a", "git.commits", 7), item("repo:b", "git.commits", 2)]
    by_items = EvidenceSpool(first)
    by_items.add(later)
    by_sets = EvidenceSpool()
    by_sets.add(sets=spooled_sets(first))
    by_sets.add(sets=spooled_sets(later))
    assert by_sets.entities() == by_items.entities() == ["repo:a", "service:a/api", "repo:b"]
    for entity in by_items.entities():
        assert by_sets.evidence(entity) == by_items.evidence(entity)
        assert by_sets.digest(entity) == by_items.digest(entity)
    assert by_sets.service_repositories() == by_items.service_repositories() == [
        ("service:a/api", "repo:a")]
    assert [e.signal for e in by_sets.evidence("repo:a")] == ["ci.present", "git.commits"]


def test_a_set_is_named_by_its_text_masked_for_credentials() -> None:
    plain, masked = spooled_sets([item("repo:a", "ci.note", "no secret here"),
                                  item("repo:b", "ci.note", "ghp_" + "x" * 36)])
    assert plain.digest != spooled_sets([item("repo:a", "ci.note", "no secret there")])[0].digest
    assert masked.digest == spooled_sets([item("repo:b", "ci.note", "ghp_" + "y" * 36)])[0].digest
    assert [e.value for e in masked.evidence()] == ["ghp_" + "x" * 36]
