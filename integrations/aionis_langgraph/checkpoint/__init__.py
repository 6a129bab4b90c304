"""LangGraph checkpointer on Aionis memory: ``AionisSaver`` (sync and async)."""

from .saver import DEFAULT_AGENT_ID, AionisSaver

__all__ = ["DEFAULT_AGENT_ID", "AionisSaver"]
