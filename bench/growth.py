"""How build time, index size, memory and search latency grow with the corpus.

    .venv/bin/python bench/growth.py [--factors 1 3 10] [--keep DIR]

For each factor k, builds an index of MedQuAD (17,912 records) plus k-1 perturbed copies of
every record: a new id and url, the answer's sentences shuffled, the condition's name
swapped for one of its own synonyms (MedQuAD's), and a typo (two neighbouring letters
swapped) in about one word in thirty. Reports the build's wall and CPU time (subprocesses
included) with two of its stages (records analysed and written; the wait for the duplicate
groups once the ranking arrays are written: a job that grows faster than the corpus shows
there), the generation's size, and, from a fresh process (bench/memory.py), the RSS of a
searching process after warm-up and the search p50/p95 of long and short queries; then each
figure's growth relative to the first factor. Issue H's target: at 10x, search p50 at most
3x and RSS per worker at most 4x. The perturbation is seeded: every run builds the same
corpus.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.eval.liveqa import LiveQAPaths, eval_corpus  # noqa: E402
from indexer.index.build import build_index, current_generation  # noqa: E402
from indexer.records import Record  # noqa: E402

_SENTENCE = re.compile(r"(?<=[.?!])\s+")
_WORD = re.compile(r"[A-Za-z]{5,}")
TYPO_RATE = 1 / 30


def _typos(text: str, rng: random.Random) -> str:
    def swap(m: re.Match) -> str:
        w = m.group(0)
        if rng.random() >= TYPO_RATE:
            return w
        i = rng.randrange(1, len(w) - 2)
        return w[:i] + w[i + 1] + w[i] + w[i + 2:]

    return _WORD.sub(swap, text)


def _renamed(text: str, rec: Record, rng: random.Random) -> str:
    """The condition's name replaced by one of its synonyms (when it has any)."""
    names = [s for s in rec.synonyms if s and s != rec.focus]
    if not rec.focus or not names or rec.focus not in text:
        return text
    return text.replace(rec.focus, rng.choice(names))


def perturbed(rec: Record, copy: int) -> Record:
    """Copy number `copy` of `rec` (see the module doc)."""
    rng = random.Random(f"{rec.id}/{copy}")
    sentences = _SENTENCE.split(rec.answer)
    rng.shuffle(sentences)
    answer = _typos(_renamed(" ".join(sentences), rec, rng), rng)
    question = _typos(_renamed(rec.question, rec, rng), rng)
    return rec.rehashed(id=f"{rec.id}-g{copy}", question=question, answer=answer,
                        url=f"{rec.url}#g{copy}" if rec.url else "",
                        title=_typos(rec.title, rng) if rec.title else "")


def corpus(base: list[Record], factor: int) -> list[Record]:
    out = list(base)
    for copy in range(1, factor):
        out.extend(perturbed(r, copy) for r in base)
    return out


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def measure(records: list[Record], index_dir: Path) -> dict:
    wall, cpu = time.perf_counter(), _cpu()
    report = build_index(records, index_dir)
    out = {"records": report.records, "build_s": round(time.perf_counter() - wall, 1),
           "build_cpu_s": round(_cpu() - cpu, 1),
           "records_s": round(report.stages.get("records", 0.0), 1),
           "dup_wait_s": round(report.stages.get("duplicates", 0.0), 1)}
    gen = index_dir / current_generation(index_dir)
    out["index_mb"] = round(sum(f.stat().st_size for f in gen.iterdir()) / 1e6, 1)
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "memory.py"), "--index",
                           str(index_dir), "--json"], capture_output=True, text=True,
                          check=True)
    mem = json.loads(done.stdout)
    out["rss_mb"] = round(mem["after_queries"]["rss"], 1)
    out["peak_mb"] = round(mem["after_queries"]["peak"], 1)
    for kind in ("long", "short"):
        out[f"{kind}_p50_ms"] = mem[kind]["p50_ms"]
        out[f"{kind}_p95_ms"] = mem[kind]["p95_ms"]
    out["load"] = round(os.getloadavg()[0], 2)
    return out


COLUMNS = ("records", "build_s", "build_cpu_s", "records_s", "dup_wait_s", "index_mb", "rss_mb",
           "peak_mb", "long_p50_ms", "long_p95_ms", "short_p50_ms", "short_p95_ms", "load")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--factors", type=int, nargs="+", default=[1, 3, 10])
    ap.add_argument("--keep", help="build the indexes under this folder and keep them")
    args = ap.parse_args()
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
    base = list(eval_corpus(LiveQAPaths.defaults(ROOT.parent / "shared")))
    rows: list[dict] = []
    print("factor " + " ".join(f"{c:>12}" for c in COLUMNS), flush=True)
    for factor in args.factors:
        records = corpus(base, factor)
        with tempfile.TemporaryDirectory(dir=args.keep) as tmp:
            target = Path(args.keep) / f"x{factor}" if args.keep else Path(tmp) / "index"
            row = {"factor": factor, **measure(records, target)}
        del records
        rows.append(row)
        print(f"{factor:>5}x " + " ".join(f"{row[c]:>12}" for c in COLUMNS), flush=True)
    first = rows[0]
    for row in rows[1:]:
        growth = ", ".join(f"{c} x{row[c] / first[c]:.2f}" for c in COLUMNS[1:-1] if first[c])
        print(f"{row['factor']}x / {first['factor']}x: {growth}")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
