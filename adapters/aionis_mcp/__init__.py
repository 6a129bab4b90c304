"""An MCP server exposing Aionis memory to any MCP host, built on ``aionis_sdk``.

    aionis mcp                      # stdio, for hosts that spawn it
    aionis mcp --transport http     # streamable HTTP on http://127.0.0.1:3322/mcp

or in code: ``create_server(MCPSettings(base_url=...)).run("stdio")``.
"""

from .config import MCPSettings
from .server import create_server, run

__all__ = ["MCPSettings", "create_server", "run"]
