"""Index build speed on the evaluation corpus (17,912 MedQuAD records).

    .venv/bin/python bench/build_speed.py [--repeat 2]

Times a full build into a fresh directory (parsing excluded), then an incremental build
with 1% of the records changed, and prints records/s and the machine load.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.eval.liveqa import LiveQAPaths, eval_corpus  # noqa: E402
from indexer.index.build import build_index  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    records = list(eval_corpus(LiveQAPaths.defaults(ROOT.parent / "shared")))
    print(f"{len(records)} records; load average {os.getloadavg()[0]:.2f} (2 cores)")
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            report = build_index(records, Path(tmp) / "index")
            full = time.perf_counter() - t
            changed = [r.rehashed(answer=r.answer + " (updated)") if k % 100 == 0 else r
                       for k, r in enumerate(records)]
            t = time.perf_counter()
            inc = build_index(changed, Path(tmp) / "index")
            incr = time.perf_counter() - t
        print(f"run {i + 1}: full {full:.1f} s = {report.records / full:.0f} records/s; "
              f"incremental ({inc.updated} changed) {incr:.1f} s; "
              f"load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
