"""MCP resources and prompts: server health, nodes by ``aionis://`` URI, a recall prompt."""

from __future__ import annotations

import json
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError

from aionis_sdk import AionisError

from .backend import Backend
from .errors import error_payload
from .render import recall_output, render_recall

__all__ = ["register_prompts", "register_resources"]


def _failure(exc: AionisError) -> ResourceError:
    payload = error_payload(exc)
    return ResourceError(
        f"Aionis error {payload['code']} (status {payload['status']}, "
        f"request_id {payload['request_id']}): {payload['message']}"
    )


def register_resources(server: MCPServer[Any], backend: Backend) -> None:
    @server.resource(
        "aionis://health",
        name="health",
        title="Aionis server health",
        description="The Aionis server's /health: version, embedding dimension, capabilities.",
        mime_type="application/json",
    )
    async def health() -> str:
        try:
            resp = await backend.client.health()
        except AionisError as exc:
            raise _failure(exc) from exc
        return json.dumps(resp.model_dump(mode="json"), indent=2, sort_keys=True)

    @server.resource(
        "aionis://{tenant_id}/{scope}/{kind}/{object_id}",
        name="memory-object",
        title="Aionis memory object",
        description="A node, edge, commit or decision, by the aionis:// URI cited by recall.",
        mime_type="application/json",
    )
    async def memory_object(tenant_id: str, scope: str, kind: str, object_id: str) -> str:
        uri = f"aionis://{tenant_id}/{scope}/{kind}/{object_id}"
        try:
            resp = await backend.client.memory.resolve(uri=uri, include_meta=True)
        except AionisError as exc:
            raise _failure(exc) from exc
        return json.dumps(resp.model_dump(mode="json", exclude_none=True), indent=2, sort_keys=True)


def register_prompts(server: MCPServer[Any], backend: Backend) -> None:
    @server.prompt(
        name="recall-context",
        title="Answer with Aionis memory",
        description="Recall memory for a question and ask the model to answer from it, citing.",
    )
    async def recall_context(question: str) -> str:
        try:
            resp = await backend.client.memory.recall_text(query_text=question)
        except AionisError as exc:
            raise _failure(exc) from exc
        memory = render_recall(recall_output(question, resp))
        return (
            "Answer the question using the memory below. Cite the aionis:// URI of every "
            "memory item you rely on; say so if the memory does not cover the question.\n\n"
            f"## Memory\n{memory}\n\n## Question\n{question}"
        )
