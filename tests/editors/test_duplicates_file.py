"""Duplicate groups stored gzipped with a generation; a plain JSON file of a generation
written before still reads, and a damaged file means computing them again, not an error."""

from __future__ import annotations

import gzip
import json

import pytest

from indexer.editors.duplicates import store as dup_store


def test_groups_are_gzipped_and_a_plain_legacy_file_still_reads(sample_expected, tmp_path
                                                                  ) -> None:
    gen = tmp_path / "gen"
    gen.mkdir()
    written = dup_store.write_groups(gen, sample_expected)
    raw = (gen / dup_store.FILE).read_bytes()
    data = json.loads(gzip.decompress(raw))
    assert data["format"] == dup_store.FORMAT and written.clusters
    got = dup_store.read_groups(gen)
    assert got is not None
    assert [c.to_dict() for c in got.clusters] == [c.to_dict() for c in written.clusters]
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / dup_store.LEGACY_FILE).write_text(json.dumps(data), encoding="utf-8")
    old = dup_store.read_groups(legacy)
    assert old is not None and [c.ids for c in old.clusters] == [c.ids for c in got.clusters]


@pytest.mark.parametrize("content", [b"", b"\x1f\x8b\x08\x00garbage", b"[1, 2]"])
def test_a_damaged_groups_file_is_recomputed_not_an_error(sample_expected, tmp_path, content
                                                          ) -> None:
    gen = tmp_path / "gen"
    gen.mkdir()
    dup_store.write_groups(gen, sample_expected)
    good = (gen / dup_store.FILE).read_bytes()
    (gen / dup_store.FILE).write_bytes(content or good[: len(good) // 2])
    assert dup_store.read_groups(gen) is None
    if content == b"[1, 2]":
        (gen / dup_store.FILE).write_bytes(gzip.compress(content))
        assert dup_store.read_groups(gen) is None
