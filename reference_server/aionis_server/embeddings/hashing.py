"""``deterministic-hash``: the offline default embedding provider (§6).

Texts that share content words get clearly similar vectors, with no model and no network:

1. Normalise: Unicode NFKC, case-fold.
2. Tokenise on Unicode letters and digits (``[^\\W_]+``), so underscores, dashes and punctuation
   split words in every script.
3. Fold light morphology: plural ``-s``/``-es``/``-ies``, ``-ing``, ``-ed`` (``tests``/``testing``
   → ``test``, ``preferences`` → ``preference``). Drop a small list of English stop words (kept
   when a text has nothing else).
4. Features: each folded word (weight 1.0), each pair of adjacent words (0.5), and the character
   trigrams of each word with boundary marks (0.6 shared across the word's trigrams), so typos and
   morphology the folding misses still overlap.
5. Signed feature hashing: ``blake2b(kind + feature)`` picks a dimension and a sign. Counts are
   damped with ``sqrt(tf)``; the vector is L2-normalised.

Determinism: the hash is ``hashlib`` (not Python's salted ``hash``), and the arithmetic uses only
operations IEEE 754 rounds exactly (``+ * / sqrt``) in a fixed order, summing squares with
``math.fsum``. The same text therefore gives bit-identical float32 vectors on every platform.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import threading
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

DEFAULT_DIM = 1536
UNIGRAM_WEIGHT = 1.0
BIGRAM_WEIGHT = 0.5
TRIGRAM_WEIGHT = 0.6

_TOKEN = re.compile(r"[^\W_]+")

STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
    ]
)


def fold(word: str) -> str:
    """Light suffix folding so inflected forms of a word meet (deliberately not a full stemmer)."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) > 5:
        return _stem_or(word, word[:-3])
    if word.endswith("ed") and len(word) > 4:
        return _stem_or(word, word[:-2])
    return word


def _stem_or(word: str, stem: str) -> str:
    if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
        stem = stem[:-1]
    if len(stem) < 3 or not any(c in "aeiouy" for c in stem):
        return word
    return stem


def tokenize(text: str) -> list[str]:
    """Folded content words of ``text`` in order (stop words kept only if nothing else remains)."""
    words = _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())
    content = [fold(w) for w in words if w not in STOP_WORDS]
    if content:
        return content
    return [fold(w) for w in words]


def _slot(kind: str, feature: str, dim: int) -> tuple[int, float]:
    digest = hashlib.blake2b(f"{kind}\x1f{feature}".encode(), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    return (value >> 1) % dim, (1.0 if value & 1 else -1.0)


class HashingEmbedder:
    """Signed feature hashing of words, word pairs and character trigrams; see the module doc."""

    name = "deterministic-hash"

    def __init__(self, dim: int = DEFAULT_DIM) -> None:
        if not 8 <= dim <= 65536:
            raise ValueError("embedding dim must be between 8 and 65536")
        self.dim = dim
        self._lock = threading.Lock()
        # Per-instance caches of feature → (dimension, signed weight) lists.
        self._word_features = lru_cache(maxsize=200_000)(self._word_features_uncached)
        self._pair_feature = lru_cache(maxsize=200_000)(self._pair_feature_uncached)

    def _word_features_uncached(self, word: str) -> tuple[tuple[int, float], ...]:
        out = [_slot_weighted(_slot("w", word, self.dim), UNIGRAM_WEIGHT)]
        marked = f"<{word}>"
        grams = [marked[i : i + 3] for i in range(len(marked) - 2)]
        if grams:
            each = TRIGRAM_WEIGHT / math.sqrt(len(grams))
            out.extend(_slot_weighted(_slot("c", g, self.dim), each) for g in grams)
        return tuple(out)

    def _pair_feature_uncached(self, pair: str) -> tuple[int, float]:
        return _slot_weighted(_slot("b", pair, self.dim), BIGRAM_WEIGHT)

    def vector(self, text: str) -> npt.NDArray[np.float32]:
        """The embedding of one text (float32, unit length, or zeros when it has no words)."""
        words = tokenize(text)
        word_tf: dict[str, int] = {}
        for word in words:
            word_tf[word] = word_tf.get(word, 0) + 1
        pair_tf: dict[str, int] = {}
        for left, right in itertools.pairwise(words):
            pair = f"{left} {right}"
            pair_tf[pair] = pair_tf.get(pair, 0) + 1
        weighted: list[tuple[tuple[tuple[int, float], ...], float]] = [
            (self._word_features(w), math.sqrt(tf)) for w, tf in word_tf.items()
        ]
        weighted.extend(((self._pair_feature(p),), math.sqrt(tf)) for p, tf in pair_tf.items())
        acc: dict[int, float] = {}
        for features, damp in weighted:
            for index, weight in features:
                acc[index] = acc.get(index, 0.0) + weight * damp
        out = np.zeros(self.dim, dtype=np.float32)
        if not acc:
            return out
        indexes = sorted(acc)
        norm = math.sqrt(math.fsum(acc[i] * acc[i] for i in indexes))
        if norm == 0.0:
            return out
        out[indexes] = np.array([acc[i] / norm for i in indexes], dtype=np.float64)
        return out

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed a batch; rows in input order."""
        matrix = np.zeros((len(texts), self.dim), dtype=np.float32)
        with self._lock:  # the lru caches are thread-safe, the lock just keeps batches cheap
            for row, text in enumerate(texts):
                matrix[row] = self.vector(text)
        return matrix


def _slot_weighted(slot: tuple[int, float], weight: float) -> tuple[int, float]:
    return slot[0], slot[1] * weight
