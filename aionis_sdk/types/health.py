"""GET /health (§7.2). Existing servers send other shapes: any JSON object is accepted."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError, ValidatorFunctionWrapHandler, field_validator

from ._base import AionisModel

__all__ = ["DEFAULT_EMBEDDING_DIM", "EmbeddingInfo", "HealthResponse"]

DEFAULT_EMBEDDING_DIM = 1536
"""Dimension to assume when a server does not advertise ``embedding.dim`` (§8.7)."""


class EmbeddingInfo(AionisModel):
    provider: str | None = None
    dim: int | None = None


class HealthResponse(AionisModel):
    """Health of a server. Every field is optional and a mistyped known field reads as
    ``None`` instead of failing, because existing servers send many shapes."""

    ok: bool | None = None
    version: str | None = None
    api_version: str | None = None
    embedding: EmbeddingInfo | None = None
    auth_mode: str | None = None
    capabilities: list[str] | None = None
    runtime: dict[str, Any] | None = None
    storage: dict[str, Any] | None = None

    @field_validator("*", mode="wrap")
    @classmethod
    def _tolerate(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError:
            return None

    @property
    def embedding_dim(self) -> int:
        """``embedding.dim`` when advertised, else 1536 (the existing servers' dimension)."""
        dim = self.embedding.dim if self.embedding is not None else None
        if dim is None or dim <= 0:
            return DEFAULT_EMBEDDING_DIM
        return dim

    @property
    def embedding_dim_known(self) -> bool:
        """Whether the server advertised its dimension (validate vectors only then, §8.7)."""
        return self.embedding is not None and self.embedding.dim is not None

    @property
    def capabilities_known(self) -> bool:
        """``False`` when the server sends no ``capabilities``: probe instead (§7.2)."""
        return self.capabilities is not None

    def has_capability(self, name: str) -> bool:
        """Whether ``name`` is advertised. ``False`` also when capabilities are unknown."""
        return self.capabilities is not None and name in self.capabilities
