"""LangGraph integrations on the Aionis memory: checkpointer, store, history verification."""

from .checkpoint import AionisSaver
from .store import AionisStore, averify_namespace, verify_namespace
from .verify import VerifyReport, averify_thread, verify_thread

__all__ = [
    "AionisSaver",
    "AionisStore",
    "VerifyReport",
    "averify_namespace",
    "averify_thread",
    "verify_namespace",
    "verify_thread",
]
