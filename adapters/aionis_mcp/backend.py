"""State shared by the tools of one MCP server: the SDK client and recent decisions."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from aionis_sdk import AsyncAionisClient

from .config import MCPSettings

__all__ = ["Backend"]


class Backend:
    """Owns one :class:`AsyncAionisClient` (created on first use, closed by :meth:`aclose`)
    and remembers the context of the last ``max_decisions`` tool selections, so that
    ``report_tool_outcome`` can re-evaluate rules on the same context without the host
    having to send it again."""

    def __init__(
        self,
        settings: MCPSettings | None = None,
        *,
        client: AsyncAionisClient | None = None,
        max_decisions: int = 256,
    ) -> None:
        self.settings = settings if settings is not None else MCPSettings.from_env()
        self._client = client
        self._owns_client = client is None
        self._decisions: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._max_decisions = max_decisions

    @property
    def client(self) -> AsyncAionisClient:
        if self._client is None:
            self._client = self.settings.create_client()
        return self._client

    def remember_decision(self, decision_id: str, context: dict[str, Any]) -> None:
        self._decisions[decision_id] = context
        self._decisions.move_to_end(decision_id)
        while len(self._decisions) > self._max_decisions:
            self._decisions.popitem(last=False)

    def decision_context(self, decision_id: str) -> dict[str, Any]:
        """The context a decision was made on here, else ``{}``."""
        return dict(self._decisions.get(decision_id, {}))

    async def aclose(self) -> None:
        if self._client is not None and self._owns_client:
            await self._client.aclose()
            self._client = None
