"""LangGraph long-term memory store on Aionis: ``AionisStore`` and ``verify_namespace``."""

from ._store import DEFAULT_DIM, AionisStore, CacheInfo
from .verify import averify_namespace, verify_namespace

__all__ = ["DEFAULT_DIM", "AionisStore", "CacheInfo", "averify_namespace", "verify_namespace"]
