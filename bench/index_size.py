"""What a generation's bytes are spent on: every file, the members of `rank.npz` (dtype,
length, largest value), and the Whoosh segments by part (stored records, postings, term
table, columns) and by field (terms, inlined postings, postings file).

    .venv/bin/python bench/index_size.py DIR [--top 25] [--json]

DIR is an index folder (its CURRENT generation is read) or a generation folder (`gen-*`).
Nothing is written. Sizes are bytes on disk; MB = 10^6 bytes.
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexer.index.arrays import MappedArrays  # noqa: E402
from indexer.index.schema import segment_parts  # noqa: E402

_TERMINFO_BYTES = 23  # W3TermInfo's fixed struct (flags, weight, df, lengths, ids)


def generation_dir(path: Path) -> Path:
    """`path` if it is a generation, else the generation its CURRENT file names."""
    if (path / "meta.json").exists() or path.name.startswith("gen-"):
        return path
    current = path / "CURRENT"
    if not current.exists():
        raise SystemExit(f"{path}: neither a generation folder nor an index with CURRENT")
    return path / current.read_text(encoding="utf-8").split()[0]


def files(gen: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in sorted(gen.iterdir()) if p.is_file()}


def npz_members(path: Path) -> list[dict[str, Any]]:
    """Each member of an `.npz`: name, bytes in the file, dtype, length, largest value."""
    arrays = MappedArrays(path)
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
    out = []
    for info in infos:
        name = info.filename.removesuffix(".npy")
        arr = arrays[name]
        top = arr.max().item() if arr.size and arr.dtype.kind in "biuf" else None
        out.append({"name": name, "bytes": info.compress_size, "dtype": str(arr.dtype),
                    "length": int(arr.size), "max": top})
    return sorted(out, key=lambda m: -m["bytes"])


def whoosh_fields(gen: Path) -> dict[str, dict[str, int]]:
    """Per indexed field: terms, terms with inlined postings, approximate term-table bytes
    (key + fixed info + inlined postings) and bytes in the postings file."""
    import pickle

    from whoosh import index as windex

    ix = windex.open_dir(str(gen))
    out: dict[str, dict[str, int]] = {}
    try:
        with ix.reader() as reader:
            for seg_reader in getattr(reader, "readers", [reader]):
                for (fieldname, btext), info in seg_reader._terms.items():
                    row = out.setdefault(fieldname, {"terms": 0, "inlined": 0,
                                                     "term_table": 0, "postings": 0})
                    row["terms"] += 1
                    row["term_table"] += len(btext) + 2 + _TERMINFO_BYTES
                    if info.is_inlined():
                        row["inlined"] += 1
                        row["term_table"] += len(pickle.dumps(info.inlined_postings(), 2))
                    else:
                        length = info.extent()[1]
                        row["postings"] += length[0] if isinstance(length, tuple) else length
                        row["term_table"] += 12
    finally:
        ix.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--top", type=int, default=25, help="rank.npz members listed (largest first)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead")
    args = ap.parse_args(argv)
    gen = generation_dir(args.dir)
    report: dict[str, Any] = {"generation": str(gen), "files": files(gen)}
    report["total"] = sum(report["files"].values())
    if (gen / "rank.npz").exists():
        report["rank.npz"] = npz_members(gen / "rank.npz")
    report["whoosh_parts"] = segment_parts(gen)
    report["whoosh_fields"] = whoosh_fields(gen)
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    mb = 1e6
    print(f"{gen}\ntotal {report['total'] / mb:.2f} MB")
    for name, size in sorted(report["files"].items(), key=lambda kv: -kv[1]):
        print(f"  {name:32s} {size / mb:8.3f} MB")
    print("Whoosh segments by part:")
    for part, size in sorted(report["whoosh_parts"].items(), key=lambda kv: -kv[1]):
        print(f"  {part:32s} {size / mb:8.3f} MB")
    print("Whoosh by field (terms, inlined, term table ~MB, postings MB):")
    for name, row in sorted(report["whoosh_fields"].items()):
        print(f"  {name:12s} {row['terms']:7d} {row['inlined']:7d} "
              f"{row['term_table'] / mb:8.3f} {row['postings'] / mb:8.3f}")
    members = report.get("rank.npz", [])
    if members:
        print(f"rank.npz members ({len(members)}; largest {args.top}):")
        for m in members[:args.top]:
            top = "" if m["max"] is None else f"max {m['max']:.6g}"
            print(f"  {m['name']:20s} {m['bytes'] / mb:7.3f} MB  {m['dtype']:8s} "
                  f"n={m['length']:<9d} {top}")
        rest = sum(m["bytes"] for m in members[args.top:])
        print(f"  {'(the rest)':20s} {rest / mb:7.3f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

