"""Helpers for the adapter tests: an MCP client over stdio, rules written with the SDK."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp import ClientSession, StdioServerParameters, stdio_client

from aionis_sdk import AionisClient


@asynccontextmanager
async def open_stdio_session(env: dict[str, str]) -> AsyncIterator[ClientSession]:
    """``python -m aionis_mcp`` spawned by the official MCP client, initialised."""
    params = StdioServerParameters(command=sys.executable, args=["-m", "aionis_mcp"], env=env)
    with tempfile.TemporaryFile("w+") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            yield session


def write_tool_rule(
    base_url: str, scope: str, then: dict[str, Any], when: dict[str, Any] | None = None
) -> str:
    """Write a shared rule node and activate it; returns its node id."""
    with AionisClient(base_url=base_url, scope=scope) as client:
        slots: dict[str, Any] = {"then": then}
        if when is not None:
            slots["if"] = when
        written = client.memory.write(
            input_text=f"rule {then}",
            memory_lane="shared",
            nodes=[{"type": "rule", "text_summary": f"tool policy {then}", "slots": slots}],
        )
        rule_id = written.nodes[0].id
        client.rules.set_state(rule_node_id=rule_id, state="active", input_text="activate")
        return rule_id
