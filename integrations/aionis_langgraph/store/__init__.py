"""LangGraph long-term memory store on Aionis: ``AionisStore`` and ``verify_namespace``."""

from ._store import DEFAULT_DIM, AionisStore

__all__ = ["DEFAULT_DIM", "AionisStore"]
