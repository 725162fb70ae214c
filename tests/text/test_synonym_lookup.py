"""find_synonyms with the per-generation table of phrase starts gives what the plain lookup
gives, and the lay-term table follows its file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from indexer.text import synonyms
from indexer.text.synonyms import LayTerms, find_synonyms, lay_terms, phrase_starts

GAZ = {"back pain": [0], "low back pain": [0], "lumbago": [0], "pain": [1],
       "type 2 diabet": [2], "diabet": [2]}
NAMES = ["Back Pain", "Pain", "Type 2 Diabetes"]
TABLE = LayTerms([["bad back", "back pain"], ["sugar", "diabet"]])


def test_phrase_starts_keep_the_longest_phrase_per_first_term() -> None:
    assert phrase_starts(["a b c", "a", "b c"]) == {"a": 3, "b": 2}


@pytest.mark.parametrize("terms", [
    ["low", "back", "pain", "at", "night"],
    ["lumbago", "and", "type", "2", "diabet"],
    ["bad", "back"],
    ["nothing", "here"],
    [],
])
def test_same_matches_with_and_without_starts(terms: list[str]) -> None:
    plain = find_synonyms(terms, table=TABLE, gazetteer=GAZ, focus_names=NAMES)
    fast = find_synonyms(terms, table=TABLE, gazetteer=GAZ, focus_names=NAMES,
                         gazetteer_starts=phrase_starts(GAZ))
    assert fast == plain


def test_longest_name_wins() -> None:
    # short words only: a name of them counts when one was typed in capitals
    found = find_synonyms(["low", "back", "pain"], table=TABLE, gazetteer=GAZ,
                          focus_names=NAMES, capitals=frozenset({"low"}),
                          gazetteer_starts=phrase_starts(GAZ))
    assert [(m.start, m.end, m.source) for m in found] == [(0, 3, "focus")]


def test_lay_terms_follow_their_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(synonyms, "RECHECK_SECONDS", 0.0)
    path = tmp_path / "lay.txt"
    path.write_text("bad back = back pain\n", encoding="utf-8")
    first = lay_terms(path)
    assert first.lookup("bad back") is not None
    assert lay_terms(path) is first  # unchanged file: the same table
    path.write_text("sore throat = pharyngitis\n", encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # a later edit
    second = lay_terms(path)
    assert second.lookup("bad back") is None and set(second.starts) == {"sore", "pharyngitis"}


def test_lay_terms_look_at_their_file_once_a_window(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(synonyms, "RECHECK_SECONDS", 3600.0)
    path = tmp_path / "lay.txt"
    path.write_text("bad back = back pain\n", encoding="utf-8")
    first = lay_terms(path)
    path.write_text("sore throat = pharyngitis\n", encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert lay_terms(path) is first  # within the window: not looked at again
    monkeypatch.setattr(synonyms, "RECHECK_SECONDS", 0.0)
    assert lay_terms(path).lookup("bad back") is None
