"""The MCP server over streamable HTTP (``aionis mcp --transport http`` as a real process)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from aionis_server.testing import free_port


@pytest.fixture
def mcp_http_url(aionis_url: str) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "AIONIS_BASE_URL": aionis_url, "AIONIS_SCOPE": "mcp-http"}
    args = [sys.executable, "-m", "aionis_sdk.cli", "mcp", "--transport", "http"]
    proc = subprocess.Popen(
        [*args, "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, "the MCP server exited"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the MCP server did not listen"
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


async def test_remember_and_recall_over_streamable_http(mcp_http_url: str) -> None:
    async with (
        streamable_http_client(mcp_http_url) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        names = {tool.name for tool in (await session.list_tools()).tools}
        assert {"remember", "recall", "select_tool"} <= names
        stored = await session.call_tool(
            "remember", {"text": "The staging database lives on db-7.", "kind": "entity"}
        )
        assert not stored.is_error
        assert stored.structured_content is not None
        recalled = await session.call_tool("recall", {"query": "where is the staging database"})
        assert not recalled.is_error
        assert recalled.structured_content is not None
        citations = recalled.structured_content["citations"]
        assert stored.structured_content["uri"] in [c["uri"] for c in citations]
