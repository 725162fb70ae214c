"""The build's worker processes: a build on several cores writes one Whoosh segment (a new one
only past SEGMENT_POSTINGS), the same documents as a single-process build; the side job (the
duplicate groups beside the workers): its progress reaches the build, and a side job that
dies or fails fails the build with a clear error."""

from __future__ import annotations

import errno
import os
import signal
from pathlib import Path

import pytest
from killer import corpus
from whoosh import index as windex

from indexer.index import conditions, mpwriter
from indexer.index.build import BuildError, build_index, current_generation
from indexer.index.ranking import RankData
from indexer.index.schema import PHRASE_FIELD, build_schema, segment_parts
from indexer.index.terms import FIELDS
from indexer.records import Record


def _segments_and_postings(idx: Path, generation: str) -> tuple[int, dict]:
    ix = windex.open_dir(str(idx / generation))
    try:
        with ix.searcher() as s:
            reader = s.reader()
            ids = s.reader().column_reader("id")
            postings = {}
            for term in reader.lexicon(PHRASE_FIELD):
                m = reader.postings(PHRASE_FIELD, term)
                items = []
                while m.is_active():
                    items.append((ids[m.id()].decode(), tuple(m.value_as("positions"))))
                    m.next()
                postings[term] = sorted(items)
            return len(ix._segments()), postings
    finally:
        ix.close()


@pytest.mark.parametrize("bound", [mpwriter.SEGMENT_POSTINGS, 500])
def test_a_build_on_two_cores_writes_the_documents_of_one_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bound: int) -> None:
    records = corpus(300, "acupuncture")
    one = build_index(records, tmp_path / "one").generation
    monkeypatch.setattr("indexer.index.build._procs", lambda n: 2)
    monkeypatch.setattr(mpwriter, "SEGMENT_POSTINGS", bound)
    two = build_index(records, tmp_path / "two").generation
    n_one, want = _segments_and_postings(tmp_path / "one", one)
    n_two, got = _segments_and_postings(tmp_path / "two", two)
    assert got == want and n_one == 1
    stored = [segment_parts(tmp_path / name / gen)["stored records"]
              for name, gen in (("one", one), ("two", two))]
    assert stored[1] <= stored[0] * 1.05  # compressed as in one process (not inflated)
    assert n_two == 1 if bound > 10_000 else n_two > 2  # (3,000 postings: new segments)


def _rank_content(gen_dir: Path) -> dict:
    """What a generation's ranking data says, independent of row and word order: each
    record's counted terms and length by field, focus, question type and category paths, the
    spelling words, the gazetteer and the condition names' case."""
    data = RankData.load(gen_dir)
    vocab = list(data.vocab)
    rows = {}
    for row, rid in enumerate(data.ids):
        if not rid or not data.live[row]:
            continue
        fields = {}
        for f in FIELDS:
            ptr, tids, tfs = data.fwd[f]
            a, b = int(ptr[row]), int(ptr[row + 1])
            fields[f] = (sorted(zip((vocab[t] for t in tids[a:b].tolist()),
                                    tfs[a:b].tolist(), strict=True)),
                         float(data.lengths[f][row]))
        focus = int(data.focus[row])
        qtype = int(data.qtype[row])
        cats = data.cat_ids[int(data.cat_ptr[row]):int(data.cat_ptr[row + 1])].tolist()
        rows[rid] = (fields, data.focus_keys[focus] if focus >= 0 else None,
                     data.qtypes[qtype] if qtype >= 0 else None,
                     sorted(tuple(data.paths[c]) for c in cats))
    gaz = {k: sorted(data.focus_keys[i] for i in v) for k, v in data.gazetteer.items()}
    table = conditions.load(gen_dir)  # (written beside the arrays by another process)
    by_term = {vocab[t]: sorted(zip((data.focus_keys[k] for k in
                                     table.keys[table.ptr[t]:table.ptr[t + 1]].tolist()),
                                    table.weights[table.ptr[t]:table.ptr[t + 1]].tolist(),
                                    strict=True))
               for t in range(len(table.ptr) - 1) if table.ptr[t + 1] > table.ptr[t]}
    return {"rows": rows, "words": dict(data.words.items()), "gazetteer": gaz,
            "names": list(data.focus_names), "name_case": data.extra.get("name_case"),
            "conditions": by_term}


def test_a_build_on_two_cores_ranks_as_one_process_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the writers send their terms packed and their raw words once, at their end, and the
    # condition table is written by another process: the ranking arrays, spelling words,
    # gazetteer and condition table hold the same as a single-process build's
    conditions = ["Migraine", "Cystic fibrosis", "GSD VI", "Gout", "Hepatitis B"]
    structured = [Record(id=f"m{i}", question=f"What are the symptoms of {c} (case {i})?",
                         answer=f"{c} may cause pain, fatigue and fevers; tok{i} tok{i % 5}.",
                         focus=c, synonyms=[f"{c} disorder"] if i % 2 else [],
                         qtype="symptoms" if i % 3 else "treatment",
                         categories=[["MedQuAD", "symptoms"]])
                  for i, c in ((i, conditions[i % len(conditions)]) for i in range(150))]
    records = [*corpus(200, "acupuncture"), *structured]
    one = build_index(records, tmp_path / "one").generation
    monkeypatch.setattr("indexer.index.build._procs", lambda n: 2)
    two = build_index(records, tmp_path / "two").generation
    want = _rank_content(tmp_path / "one" / one)
    got = _rank_content(tmp_path / "two" / two)
    assert len(want["rows"]) == len(records) and want["words"] and want["conditions"]
    assert got == want


def _progress_then_done(report) -> None:
    report(3, 4)
    report(4, 4)


def test_a_side_job_reports_progress_and_finishes() -> None:
    job = mpwriter.side_job(_progress_then_done, "the test job")
    seen: list[tuple[int, int]] = []
    job.wait(lambda done, total: seen.append((done, total)))
    assert job.proc.exitcode == 0
    assert seen and seen[-1] == (4, 4)


def _killed(_report) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_killed_side_job_fails_the_build() -> None:
    job = mpwriter.side_job(_killed, "the test job")
    with pytest.raises(mpwriter.WriterDied, match=r"the test job died \(exit code -9\)"):
        job.wait()


def _disk_full(_report) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_side_job_s_disk_error_is_raised_as_such() -> None:
    job = mpwriter.side_job(_disk_full, "the test job")
    with pytest.raises(OSError) as info:
        job.wait()
    assert info.value.errno == errno.ENOSPC and "the test job" in str(info.value)


def _forever(_report) -> None:
    while True:
        signal.pause()


def test_closing_a_side_job_kills_it() -> None:
    job = mpwriter.side_job(_forever, "the test job")
    job.close()
    assert job.proc.exitcode == -signal.SIGKILL


def test_a_full_disk_in_the_condition_table_process_fails_the_build_cleanly(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records = corpus(120, "acupuncture")
    idx = tmp_path / "idx"
    live = build_index(records, idx).generation

    def full_disk(gen_dir: Path, data: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("indexer.index.build._procs", lambda n: 2)
    monkeypatch.setattr("indexer.index.build.conditions.save", full_disk)
    with pytest.raises(BuildError, match="the disk is full"):
        build_index(records, idx, full=True)
    assert current_generation(idx) == live
    assert sorted(p.name for p in idx.iterdir() if p.name.startswith("gen-")) == [live]


def test_a_writer_process_sends_the_document_to_document_makes(tmp_path: Path) -> None:
    # positions encoded in one pass with the phrase field's grouping: the same values
    from indexer.index.schema import to_document
    from indexer.index.segwriter import EncodedPositions, encoded_positions
    from indexer.index.terms import analyse_record

    records = [
        Record(id="s1", question="What is gout? Is gout painful, gout?",
               answer="Gout hurts. Gout is gout; pain, pain and more pain.", focus="Gout",
               synonyms=["Gouty arthritis"], qtype="information",
               categories=[["MedQuAD", "information"]]),
        Record(id="p1", question="Pain pain pain?", answer="", title="Pain",
               categories=[["pain", "back pain"]]),
        Record(id="e1", question="the of and", answer="a an the"),  # no term at all
        *corpus(3, "acupuncture"),
    ]
    schema = windex.create_in(str(tmp_path), build_schema()).schema
    for rec in records:
        terms = analyse_record(rec)
        want = to_document(rec, terms, schema)
        got = mpwriter.sent_document(rec, terms, schema)
        assert list(got) == list(want)
        if PHRASE_FIELD in want:
            assert type(got[PHRASE_FIELD]) is EncodedPositions
            assert got[PHRASE_FIELD] == encoded_positions(want[PHRASE_FIELD])
            assert list(got[PHRASE_FIELD]) == list(want[PHRASE_FIELD])
        assert (got["record"].value.key, got["record"].value.data) == (want["record"].key,
                                                                        want["record"].data)
