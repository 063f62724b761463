"""Test doubles shared by several test modules."""

from __future__ import annotations

import hashlib

import numpy as np

from index import search


class BagOfWords:
    """Each word a fixed random unit vector; a text is their normalised sum. Counts what it embeds."""

    dim = 64

    def __init__(self, name: str = "bag-of-words"):
        self.name = name
        self.embedded: list[str] = []

    def _word(self, word: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.md5(word.encode()).digest()[:4], "little")
        return np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)

    def embed(self, texts):
        self.embedded.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in search.query_terms(text):
                out[i] += self._word(word)
            norm = np.linalg.norm(out[i])
            out[i] = out[i] / norm if norm else out[i]
        return out
