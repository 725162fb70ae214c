"""Could the question-type cues be learned from MedQuAD instead of written by hand?

    .venv/bin/python bench/qtype_learned.py [--oracle]

Trains two question -> qtype models on MedQuAD's labelled questions (47,457, focus and its
synonyms masked): a multinomial Naive Bayes over analysed words, and the keyword table it
implies (stems seen 15+ times, 80%+ of them with one label). Then compares their top label,
and that of `indexer.text.qtypes.question_types` (hand-written cues), with the question types the
LiveQA annotators gave the judged (even-numbered) questions, mapped to MedQuAD labels.
A question counts as agreeing when the top label is one of its annotated types.

What it shows: MedQuAD's questions are ~40 templates ("What are the treatments for X ?"),
so a model learned from them knows the template words and little else; consumer wording
("can X ease Y", "is it safe", "get rid of") is where the hand cues earn their keep.

--oracle also ranks the LiveQA questions with the annotated types in place of the detected
ones (the evaluation index is built or reused as by `qasearch eval liveqa`): the most better
question-type detection could give on the dev judgments.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.eval.datasets import load_liveqa_questions  # noqa: E402
from indexer.eval.liveqa import LiveQAPaths  # noqa: E402
from indexer.ingest.parse.medquad import parse_medquad  # noqa: E402
from indexer.text.analysis import analyse  # noqa: E402
from indexer.text.qtypes import question_types  # noqa: E402

# LiveQA annotation types -> MedQuAD labels
LIVEQA_TO_MEDQUAD = {
    "TREATMENT": "treatment", "CAUSE": "causes", "SYMPTOM": "symptoms",
    "DIAGNOSIS": "exams and tests", "PROGNOSIS": "outlook", "INFORMATION": "information",
    "SUSCEPTIBILITY": "susceptibility", "COMPLICATION": "complications",
    "PREVENTION": "prevention", "INHERITANCE": "inheritance",
    "INTERACTION": "interactions with medications", "SIDE_EFFECT": "side effects",
    "DOSAGE": "usage", "USAGE": "usage", "INDICATION": "indication",
    "CONTRAINDICATION": "precautions", "STORAGE_DISPOSAL": "storage and disposal",
    "TAPERING": "usage", "EFFECT": "complications", "PERSON_ORGANIZATION": "support groups",
    "INGREDIENT": "other information", "COMPARISON": "information",
}


def mask(question: str, names: list[str]) -> str:
    for name in sorted((n for n in names if n), key=len, reverse=True):
        question = re.sub(re.escape(name), " ", question, flags=re.I)
    return question


class NaiveBayes:
    def __init__(self, examples: list[tuple[list[str], str]]) -> None:
        self.count: dict[str, Counter[str]] = defaultdict(Counter)
        self.prior: Counter[str] = Counter()
        self.total: Counter[str] = Counter()
        for words, label in examples:
            self.count[label].update(words)
            self.prior[label] += 1
            self.total[label] += len(words)
        self.labels = sorted(self.prior)
        self.vocab = set().union(*self.count.values())
        self.n = sum(self.prior.values())

    def top(self, words: list[str]) -> str | None:
        known = [w for w in words if w in self.vocab]
        if not known:
            return None
        v = len(self.vocab)

        def score(t: str) -> float:
            return math.log(self.prior[t] / self.n) + sum(
                math.log((self.count[t][w] + 1) / (self.total[t] + v)) for w in known
            )

        return max(self.labels, key=score)

    def keywords(self, min_count: int = 15, purity: float = 0.8) -> dict[str, str]:
        out = {}
        for w in self.vocab:
            by = Counter({t: self.count[t][w] for t in self.labels if self.count[t][w]})
            label, n = by.most_common(1)[0]
            if n >= min_count and n / sum(by.values()) >= purity:
                out[w] = label
        return out


def oracle(paths: LiveQAPaths) -> None:
    import indexer.search.plan as plan
    from indexer.eval.datasets import load_qrels
    from indexer.eval.liveqa import (
        cached_index,
        default_cache_dir,
        eval_corpus,
        evaluate_run,
        liveqa_topics,
        run_topics,
    )
    from indexer.index.store import IndexStore
    from indexer.search.query import clean_text, parse

    qrels = load_qrels(paths.qrels)
    store = IndexStore(cached_index(eval_corpus(paths), default_cache_dir()))
    annotated: dict[str, list[tuple[str, float]]] = {}
    for q in load_liveqa_questions(paths.questions):
        labels = dict.fromkeys(LIVEQA_TO_MEDQUAD[t] for t in q.types if t in LIVEQA_TO_MEDQUAD)
        for text in (q.summary, q.text):  # keyed as plan.py passes the text on
            pq = parse(clean_text(text))
            annotated[" ".join(w for item in pq.items for w in item.words)] = [
                (label, 1.0) for label in labels]
    detected = plan.question_types
    print(f"\n{'form':<10}{'types':<11}{'avgScore':>9}{'P@1':>7}{'nDCG@10':>9}")
    with store.searcher() as s:
        for form in ("original", "summary"):
            topics = [(q, t) for q, t in liveqa_topics(paths.questions, form) if q in qrels]
            for name, fn in (("detected", detected),
                             ("annotated", lambda text: annotated.get(text, detected(text)))):
                plan.question_types = fn
                m = evaluate_run(run_topics(s, topics, limit=10), qrels)
                print(f"{form:<10}{name:<11}{m.avg_score:>9.3f}{m.p_at_1:>7.3f}"
                      f"{m.ndcg_at_10:>9.3f}")
    plan.question_types = detected


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--oracle", action="store_true", help="also rank with the annotated types")
    args = ap.parse_args()
    paths = LiveQAPaths.defaults(ROOT.parent / "shared")
    examples = []
    templates = set()
    for rec in parse_medquad([paths.medquad], [], include_empty=True):
        if rec.qtype:
            words = analyse(mask(rec.question, [rec.focus, *rec.synonyms]))
            examples.append((words, rec.qtype.lower()))
            templates.add(tuple(words))
    nb = NaiveBayes(examples)
    kw = nb.keywords()
    print(f"{len(examples)} labelled questions, {len(nb.labels)} qtypes, "
          f"{len(templates)} distinct masked questions, {len(nb.vocab)} stems, "
          f"{len(kw)} keyword stems")
    questions = [q for q in load_liveqa_questions(paths.questions) if q.judged]
    print(f"{'form':<10}{'questions':>10}{'hand cues':>11}{'naive Bayes':>13}{'keywords':>10}")
    for form in ("summary", "original"):
        n = hand = bayes = keys = 0
        for q in questions:
            gold = {LIVEQA_TO_MEDQUAD[t] for t in q.types if t in LIVEQA_TO_MEDQUAD}
            if not gold:
                continue
            text = q.summary if form == "summary" else q.text
            words = analyse(text)
            n += 1
            cues = question_types(text)
            hand += bool(cues) and cues[0][0] in gold
            bayes += nb.top(words) in gold
            votes = Counter(kw[w] for w in words if w in kw).most_common(1)
            keys += bool(votes) and votes[0][0] in gold
        print(f"{form:<10}{n:>10}{hand / n:>11.3f}{bayes / n:>13.3f}{keys / n:>10.3f}")
    if args.oracle:
        oracle(paths)


if __name__ == "__main__":
    main()
