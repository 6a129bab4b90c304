"""LangGraph integrations on the Aionis memory: checkpointer, store, history verification."""

from .checkpoint import AionisSaver
from .verify import VerifyReport, averify_thread, verify_thread

__all__ = [
    "AionisSaver",
    "VerifyReport",
    "averify_thread",
    "verify_thread",
]
