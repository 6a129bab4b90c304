"""Embedding providers (§6): the deterministic offline default and an optional local model.

Every provider turns a batch of texts into a float32 matrix of shape ``(n, dim)`` whose rows are
L2-normalised (a row is all zeros only when a text has nothing to embed). The server embeds query
texts for recall_text and node ``embed_text`` on write through :func:`create_provider`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from .hashing import DEFAULT_DIM, HashingEmbedder

__all__ = [
    "DEFAULT_DIM",
    "PROVIDER_NAMES",
    "EmbeddingError",
    "EmbeddingProvider",
    "HashingEmbedder",
    "create_provider",
]

PROVIDER_NAMES = ("deterministic-hash", "sentence-transformers", "minilm")


class EmbeddingError(RuntimeError):
    """A provider failed. ``bad_response`` distinguishes garbage output (502) from outage (503)."""

    def __init__(self, message: str, *, bad_response: bool = False, retry_after_s: int = 1) -> None:
        super().__init__(message)
        self.bad_response = bad_response
        self.retry_after_s = retry_after_s


@runtime_checkable
class EmbeddingProvider(Protocol):
    """What the server needs from an embedding provider."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed ``texts``; float32 array of shape ``(len(texts), dim)`` with unit rows."""
        ...


def create_provider(name: str, dim: int = DEFAULT_DIM) -> EmbeddingProvider:
    """Build the provider called ``name``.

    ``deterministic-hash`` (default) honours ``dim``. ``sentence-transformers`` / ``minilm``
    load all-MiniLM-L6-v2 offline (384 dimensions; a different ``dim`` is an error).
    """
    key = name.strip().lower()
    if key in ("deterministic-hash", "hash", "hashing", "deterministic"):
        return HashingEmbedder(dim)
    if key in ("sentence-transformers", "minilm", "all-minilm-l6-v2"):
        from .sentence_transformers import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(dim=dim)
    raise ValueError(
        f"unknown embedding provider {name!r}; choose one of {', '.join(PROVIDER_NAMES)}"
    )
