"""The duplicates job's batch paths give what the one-at-a-time paths give: candidates proposed
for many records at once, a record's candidates scored in one call, a question index that
writes its packed payload only when read."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.editors.duplicates import candidates
from indexer.editors.duplicates.pairs import PairScorer
from indexer.editors.similar import QuestionIndex
from indexer.editors.similar.features import subject_of, terms_of
from indexer.records import Record


@pytest.fixture(scope="module")
def corpus(sample_expected) -> list[Record]:
    """The sample archive (free text) and MedQuAD-like records: foci with synonyms, shared
    and numbered foci, labelled and unlabelled types."""
    foci = [("Glaucoma", ["Open-angle glaucoma"]), ("Spinocerebellar ataxia 2", []),
            ("Spinocerebellar ataxia 3", ["SCA3", "Machado-Joseph disease"]),
            ("High blood pressure", ["Hypertension"]), ("Hypertension", ["High blood pressure"])]
    types = [("treatment", "What are the treatments for {} ?"),
             ("symptoms", "What are the symptoms of {} ?"), ("", "How do I live with {} ?"),
             ("causes", "What causes {} ?")]
    recs = list(sample_expected)
    for k, (focus, syns) in enumerate(foci):
        for src in ("A", "B"):
            for qtype, q in types:
                recs.append(Record(id=f"m{k}{src}{qtype}", question=q.format(focus),
                                   answer=f"answer {k} {src} {qtype} " * 4, focus=focus,
                                   synonyms=syns, qtype=qtype, source=src))
    return recs


def _reference_top(c: candidates.Candidates, tset, subject, limit):
    """One question at a time, as the job did before it proposed in batches."""
    found = sorted((len(p), t, p) for t in tset if (p := c.postings.get(t)) is not None)
    if not found:
        return np.empty(0, dtype=np.int64)
    cut, total = 1, found[0][0]
    while cut < len(found) and total + found[cut][0] <= candidates.PROPOSE_POSTINGS:
        total += found[cut][0]
        cut += 1
    weights = [c.idf_of[t] * 2.0 if t in subject else c.idf_of[t] for _n, t, _p in found]
    if cut == 1:
        cands = found[0][2]
        if len(cands) <= limit:
            return cands
        acc = np.full(len(cands), weights[0])
    else:
        cands, inverse = np.unique(np.concatenate([p for _n, _t, p in found[:cut]]),
                                   return_inverse=True)
        if len(cands) <= limit:
            return cands
        acc = np.bincount(inverse, weights=np.repeat(weights[:cut],
                                                     [n for n, _t, _p in found[:cut]]))
    for (_n, _t, p), w in zip(found[cut:], weights[cut:], strict=True):
        at = np.searchsorted(p, cands)
        at[at == len(p)] = 0
        acc += np.where(p[at] == cands, w, 0.0)
    return cands[np.lexsort((cands, -acc))[:limit]]


@pytest.mark.parametrize("budget", [1, 4, 30, 2_000])
def test_candidates_proposed_in_a_batch_equal_one_question_at_a_time(corpus, monkeypatch,
                                                                     budget):
    monkeypatch.setattr(candidates, "PROPOSE_POSTINGS", budget)
    qi = QuestionIndex.from_records(corpus)
    c = candidates.Candidates(qi)
    queries = []
    for e in qi.entries:
        tset = set(terms_of(e.question))
        for f, _kind in e.focus:
            tset |= f
        queries.append((tset, frozenset(terms_of(subject_of(e.question)))))
    queries.append((set(), frozenset()))  # a question with no indexed word
    queries.append(({"zzznowherezzz"}, frozenset()))
    for limit in (1, 3, 8, 40):
        got = c.top_many(queries, limit)
        want = [_reference_top(c, t, s, limit) for t, s in queries]
        assert [g.tolist() for g in got] == [w.tolist() for w in want]
        assert [g.tolist() for g in c.top_many(queries[5:9], limit)] == [
            w.tolist() for w in want[5:9]]  # a batch's answers do not depend on the others
    assert [x.tolist() for x in c.top_many(queries[:3], 0)] == [[], [], []]


@pytest.mark.parametrize("threshold", [0.0, 0.5, 0.72, 0.9])
def test_a_records_candidates_scored_at_once_equal_pair_by_pair(corpus, threshold):
    qi = QuestionIndex.from_records(corpus)
    batch, single = PairScorer(qi), PairScorer(qi)
    everyone = list(range(len(qi)))
    for i in everyone:
        js = [j for j in everyone if j != i]
        want = [(s, j) for j in js if (s := single.similarity(i, j, threshold)) >= threshold]
        assert batch.scores_at_least(i, js, threshold) == want


def test_a_batch_question_index_writes_its_payload_only_when_read(corpus):
    lazy = QuestionIndex.from_records(corpus, lazy=True)
    batch = QuestionIndex.from_records(corpus)
    n = len(batch)
    assert len(batch.packed.blob) == 0  # nothing written yet
    for i in range(n):
        assert batch.packed.entry_terms(i) == lazy.packed.entry_terms(i)
    assert len(batch.packed.blob) == 0  # the terms come from the kept entries
    assert batch.packed.question(n - 1) == lazy.packed.question(n - 1)  # the first read
    assert batch.packed.blob == lazy.packed.blob
    assert batch.packed.blob_at.tolist() == lazy.packed.blob_at.tolist()
    assert [batch.packed.make(i) for i in range(n)] == list(lazy.entries) == batch.entries


def test_the_shared_words_bound_holds_for_every_pair_of_focus_variants(corpus):
    qi = QuestionIndex.from_records(corpus)
    s = PairScorer(qi)
    lists = s._focus_lists
    checked = 0
    for fa in range(len(lists)):
        for fb in range(len(lists)):
            if s._focus_words[fa].isdisjoint(s._focus_words[fb]):
                continue
            bound = s._shared_bound(fa, fb)
            for at, wa, _ma in lists[fa]:
                for bt, wb, _mb in lists[fb]:
                    assert s._wjacc(at, wa, bt, wb) <= bound
                    checked += 1
            # the best variant pair reaches it when the lists are one and the same
            if fa == fb:
                assert s._focus(fa, fb) == pytest.approx(1.0)
    assert checked > 100


@pytest.mark.parametrize("threshold", [0.5, 0.72])
def test_candidates_ruled_out_in_one_pass_equal_record_by_record(corpus, threshold):
    qi = QuestionIndex.from_records(corpus)
    c = candidates.Candidates(qi)
    rng = np.random.default_rng(7)
    tops = [np.sort(rng.choice(len(qi), size=int(rng.integers(0, 12)), replace=False))
            for _i in range(len(qi))]
    first = 3
    tops = tops[first:]
    want = [c.comparable(first + k, t, threshold).tolist() for k, t in enumerate(tops)]
    assert candidates.comparable_many(c, first, tops, threshold) == want
    assert candidates.comparable_many(c, 0, [], threshold) == []


def test_core_terms_put_together_part_by_part_equal_the_core_text_analysed(corpus):
    from indexer.editors.similar.features import core_text, entry_terms

    extra = [
        Record(id="x1", question="My dog's knee hurts. Is it arthritis? What can I do?",
               title="Dogs' knees", answer="a"),
        Record(id="x2", question="What is Crohn’s disease?", title="Crohn’s disease",
               focus="Crohn’s disease", answer="a"),
        Record(id="x3", question="No question mark here", title="A headline", answer="a"),
        Record(id="x4", question="", title="Only a title?", answer="a"),
        Record(id="x5", question="Is it 'safe'? Really?\nYes?", answer="a"),
    ]
    for r in [*corpus, *extra]:
        if r.question or r.title:
            assert entry_terms(r).core == terms_of(core_text(r.question, r.title)), r.id


def test_groups_as_dicts_are_what_asdict_gives(corpus):
    from dataclasses import asdict

    from indexer.editors.duplicates import Cluster, find_duplicates

    clusters = find_duplicates(QuestionIndex.from_records(corpus))
    assert len(clusters) >= 3
    for c in clusters:
        d = c.to_dict()
        assert d == asdict(c) and list(d) == list(asdict(c))
        assert [list(m) for m in d["members"]] == [list(asdict(m)) for m in c.members]
        assert Cluster.from_dict(d) == c
