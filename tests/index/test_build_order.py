"""A build on several cores writes the files a single-process build writes (documents
numbered in record order, spelling words in first-met order), and a full build's ranking
arrays, written beside the segment's commit, are those of the committed rows."""

from __future__ import annotations

import gzip
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from killer import corpus

from indexer.index import build, mpwriter, writing
from indexer.index.build import build_index, current_generation
from indexer.records import Record


def _records() -> list[Record]:
    names = ["Migraine", "Cystic fibrosis", "GSD VI", "Gout", "Hepatitis B"]
    structured = [Record(id=f"m{i}", question=f"What are the symptoms of {c} (case {i})?",
                         answer=f"{c} may cause pain, fatigue and fevers; tok{i} word{i % 7}.",
                         focus=c, qtype="symptoms" if i % 3 else "treatment",
                         categories=[["MedQuAD", "symptoms"]])
                  for i, c in ((i, names[i % len(names)]) for i in range(150))]
    return [*corpus(250, "acupuncture"), *structured]


def _content(gen_dir: Path) -> dict[str, bytes]:
    """Every array of rank.npz and conditions.npz, and rank.json.gz uncompressed (the zip
    members' dates and gzip's time stamp aside)."""
    out = {}
    for name in ("rank.npz", "conditions.npz"):
        with zipfile.ZipFile(gen_dir / name) as z:
            out.update({f"{name}/{m}": z.read(m) for m in z.namelist()})
    out["rank.json.gz"] = gzip.decompress((gen_dir / "rank.json.gz").read_bytes())
    return out


def _rows(idx: Path) -> list[str | None]:
    from whoosh import index as windex

    ix = windex.open_dir(str(idx / current_generation(idx)))
    try:
        return writing.row_ids(ix)
    finally:
        ix.close()


def test_a_two_core_build_writes_the_ranking_files_of_a_one_core_build(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records = _records()
    changed = [r.rehashed(answer=r.answer + " (updated)") if k % 9 == 0 else r
               for k, r in enumerate(records)]
    build_index(records, tmp_path / "one")
    full_one = _content(tmp_path / "one" / current_generation(tmp_path / "one"))
    build_index(changed, tmp_path / "one")
    monkeypatch.setattr("indexer.index.build._procs", lambda n: 2)
    early: list[bool] = []
    wait_if = build._EarlyRanking.wait_if
    monkeypatch.setattr(build._EarlyRanking, "wait_if",
                        lambda self, rows: early.append(wait_if(self, rows)) or early[-1])
    build_index(records, tmp_path / "two")
    assert _content(tmp_path / "two" / current_generation(tmp_path / "two")) == full_one
    assert _rows(tmp_path / "two") == [r.id for r in records]
    assert early == [True]  # the arrays came from the process beside the commit
    build_index(changed, tmp_path / "two")  # incremental: arrays written after the commit
    assert early == [True]
    assert (_content(tmp_path / "two" / current_generation(tmp_path / "two"))
            == _content(tmp_path / "one" / current_generation(tmp_path / "one")))
    assert _rows(tmp_path / "two") == _rows(tmp_path / "one")


def test_two_core_builds_of_several_segments_write_the_same_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # (segments close after a batch here, after a record in one process: rows differ from a
    # one-core build's, but not from one two-core build to the next)
    monkeypatch.setattr(mpwriter, "SEGMENT_POSTINGS", 500)
    monkeypatch.setattr("indexer.index.build._procs", lambda n: 2)
    records = _records()
    for name in ("a", "b"):
        build_index(records, tmp_path / name)
    assert (_content(tmp_path / "a" / current_generation(tmp_path / "a"))
            == _content(tmp_path / "b" / current_generation(tmp_path / "b")))
    assert _rows(tmp_path / "a") == _rows(tmp_path / "b")
    assert sorted(_rows(tmp_path / "a")) == sorted(r.id for r in records)


class _Queue:
    def __init__(self, items: list[tuple]) -> None:
        self.items = items

    def put(self, item: object, timeout: float | None = None) -> None:
        pass

    def get(self, timeout: float | None = None) -> tuple:
        return self.items.pop(0)


class _Worker:
    exitcode = 0


def test_batches_are_passed_on_in_record_order_whichever_worker_sent_first() -> None:
    B, D = mpwriter._BATCH, mpwriter._DONE
    # worker A has batches 0 and 20, worker B batch 10, which comes first; each batch names
    # the words its worker met first in it
    results = _Queue([(B, 10, ["t10"], ["d10"], ["delta", "alpha"]),
                      (B, 0, ["t0"], ["d0"], ["alpha", "beta"]),
                      (B, 20, ["t20"], ["d20"], ["gamma"]),
                      (D, Counter(alpha=2, beta=3, gamma=1)),
                      (D, Counter(delta=1, alpha=1))])
    seen: list[int] = []
    words: Counter[str] = Counter()
    mpwriter._run([_Worker(), _Worker()], _Queue([]), results, [(0, 10), (10, 20), (20, 30)],
                  lambda start, terms, docs: seen.append(start), words.update)
    assert seen == [0, 10, 20]
    assert list(words.items()) == [("alpha", 3), ("beta", 3), ("delta", 1), ("gamma", 1)]


def test_early_ranking_of_other_rows_is_dropped(tmp_path: Path) -> None:
    written = writing.Written(order=["a", "b"])
    job = build._EarlyRanking(tmp_path, written)
    assert job.wait_if(["b", "a"]) is False
    assert job.job.proc.exitcode is not None  # stopped: the build writes the arrays itself
