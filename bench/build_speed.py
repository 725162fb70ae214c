"""Index build speed on the evaluation corpus (17,912 MedQuAD records).

    .venv/bin/python bench/build_speed.py [--repeat 2]

Times a full build into a fresh directory (parsing excluded), then an incremental build
with 1% of the answers changed, and prints for each: the time until the new generation was
live and searchable (records/s) and until the build returned with its duplicate groups
stored (the groups' process runs past the swap, at a lower priority), CPU time of the
build process and of its subprocesses (the machine is shared: CPU time is the steadier
figure; on 2 cores a build's wall time is about its CPU time / 2), the
wall time of each stage (records analysed and written, ranking arrays, waiting for the
duplicate groups, checksums), the load average, and the size of the generation (Whoosh
segments, ranking arrays, duplicate groups).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.eval.liveqa import LiveQAPaths, eval_corpus  # noqa: E402
from indexer.index.build import build_index, current_generation  # noqa: E402
from indexer.index.schema import segment_parts  # noqa: E402


class Cpu:
    """CPU seconds of this (the build) process and of its ended subprocesses (writers, the
    duplicate groups job, the condition table job)."""

    def __init__(self) -> None:
        me = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.own = me.ru_utime + me.ru_stime
        self.kids = kids.ru_utime + kids.ru_stime

    def since(self, start: Cpu) -> str:
        own, kids = self.own - start.own, self.kids - start.kids
        return f"CPU {own + kids:.1f} s: build process {own:.1f}, subprocesses {kids:.1f}"


def timed(fn, *args):
    wall, cpu = time.perf_counter(), Cpu()
    out = fn(*args)
    return out, time.perf_counter() - wall, Cpu().since(cpu)


def sizes(index_dir: Path) -> str:
    """Size of the live generation: each file of 100 kB or more, then Whoosh's segments by
    part (stored records, postings, term table...)."""
    gen = index_dir / current_generation(index_dir)
    parts: dict[str, int] = {}
    for f in gen.iterdir():
        kind = "whoosh" if f.suffix in (".seg", ".toc") else f.name
        parts[kind] = parts.get(kind, 0) + f.stat().st_size
    total = sum(parts.values())

    def listed(sizes: dict[str, int]) -> str:
        return ", ".join(f"{k} {v / 1e6:.1f}" for k, v in sorted(sizes.items(), key=lambda x: -x[1])
                         if v > 100_000)

    return f"{total / 1e6:.1f} MB ({listed(parts)}; whoosh: {listed(segment_parts(gen))})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    records = list(eval_corpus(LiveQAPaths.defaults(ROOT.parent / "shared")))
    for r in records:
        r.content_hash  # noqa: B018 (computed once, as parsing does)
    print(f"{len(records)} records; load average {os.getloadavg()[0]:.2f} "
          f"({os.cpu_count()} cores)")
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            index_dir = Path(tmp) / "index"
            report, full, full_cpu = timed(build_index, records, index_dir)
            size = sizes(index_dir)
            changed = [r.rehashed(answer=r.answer + " (updated)") if k % 100 == 0 else r
                       for k, r in enumerate(records)]
            inc, incr, incr_cpu = timed(build_index, changed, index_dir)
        print(f"run {i + 1}: full: searchable after {_searchable(report, full)}, groups "
              f"stored after {full:.1f} s ({full_cpu}; stages {_stages(report)}); incremental "
              f"({inc.updated} changed): searchable after {_searchable(inc, incr)}, groups "
              f"stored after {incr:.1f} s ({incr_cpu}; stages {_stages(inc)}); "
              f"load {os.getloadavg()[0]:.2f}; index {size}", flush=True)


def _searchable(report, wall: float) -> str:
    """Seconds (and records/s) until the generation was swapped in (`BuildReport.searchable`;
    a build of before it existed: its whole wall time)."""
    seconds = getattr(report, "searchable", 0.0) or wall
    return f"{seconds:.1f} s = {report.records / seconds:.0f} records/s"


def _stages(report) -> str:
    """The build's wall seconds by stage (`BuildReport.stages`)."""
    return " ".join(f"{k} {v:.1f}" for k, v in report.stages.items())


if __name__ == "__main__":
    main()
