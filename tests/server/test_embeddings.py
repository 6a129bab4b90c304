"""The deterministic offline embedding provider and the provider factory (§6)."""

from __future__ import annotations

import hashlib
import importlib.util

import numpy as np
import pytest

from aionis_server.embeddings import (
    DEFAULT_DIM,
    EmbeddingProvider,
    HashingEmbedder,
    create_provider,
)
from aionis_server.embeddings.hashing import fold, tokenize

PYTEST_TEXT = "User prefers pytest over unittest for python projects"


def _sha(vector: np.ndarray) -> str:
    return hashlib.sha256(vector.astype("<f4").tobytes()).hexdigest()


def test_default_provider_shape_and_protocol() -> None:
    provider = create_provider("deterministic-hash", DEFAULT_DIM)
    assert isinstance(provider, EmbeddingProvider)
    assert provider.name == "deterministic-hash"
    assert provider.dim == 1536
    out = provider.embed(["hello world", "another text"])
    assert out.dtype == np.float32
    assert out.shape == (2, 1536)
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-6)


def test_fixed_values_catch_drift_across_platforms() -> None:
    """Bit-exact vectors: a change here breaks every stored embedding, so it must be deliberate."""
    small = HashingEmbedder(64)
    vec = small.embed([PYTEST_TEXT])[0]
    assert _sha(vec) == "a0905fd503108afc03cc6e85cac39448d2f4691da0784b281349f2535e4f5d5b"
    assert np.flatnonzero(vec)[:6].tolist() == [0, 1, 3, 4, 6, 7]
    assert float(vec[0]) == pytest.approx(-0.3087669610977173, abs=0)
    umlauts = small.embed(["Grüße aus Köln!"])[0]
    assert _sha(umlauts) == "a132f45eb9dfff33f793d255b074fdfa8b1b8748e373b03ae0800b719c6b830c"
    full = HashingEmbedder(1536).embed([PYTEST_TEXT])[0]
    assert _sha(full) == "0e53337a3f39263d25ff54d1884383caea42c691462b48d34bfeb46f136ce2b4"


def test_same_text_same_vector_across_instances_and_batches() -> None:
    a = HashingEmbedder(256)
    b = HashingEmbedder(256)
    one = a.embed([PYTEST_TEXT])[0]
    batch = b.embed(["x", PYTEST_TEXT, "y"])[1]
    assert np.array_equal(one, batch)


def test_tokenize_folds_plurals_and_drops_stop_words() -> None:
    assert tokenize("The tests and the Preferences") == ["test", "preference"]
    assert fold("testing") == fold("tests") == fold("tested") == "test"
    assert fold("policies") == "policy"
    assert fold("classes") == "class"
    assert fold("string") == "string"  # no vowel left in "str": keep the word
    assert tokenize("the of and") == ["the", "of", "and"]  # only stop words: keep them
    assert tokenize("snake_case-words,ünïcode") == ["snake", "case", "word", "ünïcode"]


def test_shared_words_score_clearly_higher_than_unrelated() -> None:
    provider = HashingEmbedder()
    query, related, paraphrase, unrelated = provider.embed(
        [
            "which test framework does the user prefer",
            PYTEST_TEXT,
            "the user's preferences: testing with pytest",
            "Bananas ripen faster in a warm kitchen",
        ]
    )
    assert float(query @ related) > 0.3
    assert float(query @ paraphrase) > 0.3
    assert abs(float(query @ unrelated)) < 0.08
    assert float(related @ paraphrase) > 3 * abs(float(related @ unrelated))


def test_typos_still_overlap_through_character_trigrams() -> None:
    provider = HashingEmbedder()
    a, b, c = provider.embed(["kubernetes deployment", "kubernets deploymnt", "chocolate cake"])
    assert float(a @ b) > 0.15
    assert float(a @ b) > 5 * abs(float(a @ c))


def test_empty_and_punctuation_only_texts_give_zero_vectors() -> None:
    out = HashingEmbedder(32).embed(["", "  ...!!  "])
    assert not out.any()
    assert HashingEmbedder(32).embed([]).shape == (0, 32)


def test_factory_rejects_unknown_provider_and_bad_dim() -> None:
    with pytest.raises(ValueError, match="unknown embedding provider"):
        create_provider("nope", 16)
    with pytest.raises(ValueError):
        HashingEmbedder(4)


def test_minilm_reports_missing_packages_clearly() -> None:
    if importlib.util.find_spec("sentence_transformers") is not None:
        provider = create_provider("minilm", DEFAULT_DIM)
        vecs = provider.embed(["pytest is a test framework", "unit testing in python", "cake"])
        assert vecs.shape == (3, 384)
        assert float(vecs[0] @ vecs[1]) > float(vecs[0] @ vecs[2])
        return
    with pytest.raises(RuntimeError, match=r"pip install aionis-sdk\[embeddings\]"):
        create_provider("sentence-transformers", DEFAULT_DIM)
