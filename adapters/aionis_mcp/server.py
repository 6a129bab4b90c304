"""Build and run the Aionis MCP server (stdio or streamable HTTP)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp.server.mcpserver import MCPServer

from aionis_sdk import AsyncAionisClient, __version__

from .backend import Backend
from .config import MCPSettings
from .resources import register_prompts, register_resources
from .tools import register_tools

__all__ = ["INSTRUCTIONS", "create_server", "run"]

INSTRUCTIONS = """\
Aionis is this agent's long-term, verifiable memory and tool policy.
- recall before answering questions about past work, preferences or facts; cite the aionis://
  URIs it returns.
- remember durable facts and notable events (pass session_id to group a conversation's events).
- find looks nodes up by exact filters; evaluate_rules shows which rules apply to a context.
- select_tool picks a tool from candidates under the active rules; after using the tool,
  call report_tool_outcome with the decision_id and positive/negative/neutral.
Errors come back as tool errors whose text starts with "Aionis error <code>".
"""


def create_server(
    settings: MCPSettings | None = None, *, client: AsyncAionisClient | None = None
) -> MCPServer[Any]:
    """An MCP server exposing Aionis memory. ``client`` (optional) is used as is and not
    closed; otherwise one is created from ``settings`` (default: the environment)."""
    backend = Backend(settings, client=client)

    @asynccontextmanager
    async def lifespan(_: MCPServer[Any]) -> AsyncIterator[dict[str, Any]]:
        try:
            yield {"backend": backend}
        finally:
            await backend.aclose()

    server: MCPServer[Any] = MCPServer(
        "aionis",
        title="Aionis memory",
        instructions=INSTRUCTIONS,
        version=__version__,
        log_level=backend.settings.log_level,
        lifespan=lifespan,
    )
    register_tools(server, backend)
    register_resources(server, backend)
    register_prompts(server, backend)
    return server


def run(settings: MCPSettings) -> None:
    """Serve until the transport closes (stdio) or the process is interrupted (HTTP)."""
    server = create_server(settings)
    if settings.transport == "stdio":
        server.run("stdio")
    else:
        server.run(
            "streamable-http",
            host=settings.host,
            port=settings.port,
            streamable_http_path=settings.path,
        )
