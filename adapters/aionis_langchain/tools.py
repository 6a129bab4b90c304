"""LangChain tools to remember and recall with Aionis (sync and async).

Both tools return ``(content, artifact)`` (``response_format="content_and_artifact"``): the
content is short text for the model, the artifact is structured data for the application.
Aionis errors become ``ToolException`` messages naming the error code, status and request
id; ``handle_tool_error`` is on, so an agent sees them as tool output instead of crashing.
"""

from __future__ import annotations

from typing import Any, Literal

import pydantic
from langchain_core.callbacks import AsyncCallbackManagerForToolRun, CallbackManagerForToolRun
from langchain_core.documents import Document
from langchain_core.tools import BaseTool
from pydantic import BaseModel, Field, model_validator
from typing_extensions import Self

from aionis_sdk import AionisClient, AionisError, AsyncAionisClient

from ._recall import as_local_agent, documents_from_recall, render_documents, tool_exception

__all__ = [
    "AionisRecallTool",
    "AionisRememberTool",
    "RecallInput",
    "RememberInput",
    "create_aionis_tools",
]

_ERRORS = (AionisError, pydantic.ValidationError)


class RememberInput(BaseModel):
    text: str = Field(min_length=1, max_length=8000, description="What to remember.")
    title: str | None = Field(default=None, max_length=512, description="Short title.")
    session_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="Append as an event of this conversation/session.",
    )
    kind: Literal["event", "entity", "concept", "topic", "evidence"] = Field(
        default="event", description="Node type (outside a session)."
    )


class RecallInput(BaseModel):
    query: str = Field(min_length=1, max_length=8000, description="What to look for.")
    k: int | None = Field(default=None, ge=1, le=50, description="How many memories at most.")


class _AionisTool(BaseTool):
    client: AionisClient | None = None
    async_client: AsyncAionisClient | None = None
    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    handle_tool_error: Any = True
    shared: bool = Field(default=False, description="Write to the shared lane.")

    @model_validator(mode="after")
    def _identify(self) -> Self:
        self.client = as_local_agent(self.client)
        self.async_client = as_local_agent(self.async_client)
        return self

    def _sync(self) -> AionisClient:
        if self.client is None:
            raise ValueError(f"{self.name} has only an async client: use ainvoke")
        return self.client


def _remember_call(
    text: str, title: str | None, session_id: str | None, kind: str, shared: bool
) -> tuple[str, dict[str, Any]]:
    lane = "shared" if shared else "private"
    if session_id is not None:
        return "event", {
            "session_id": session_id,
            "title": title,
            "text_summary": text[:4000],
            "input_text": text,
            "memory_lane": lane,
        }
    node: dict[str, Any] = {"type": kind, "text_summary": text}
    if title is not None:
        node["title"] = title
    return "write", {"input_text": text, "memory_lane": lane, "nodes": [node]}


def _remembered(resp: Any) -> tuple[str, dict[str, Any]]:
    if hasattr(resp, "event_node_id"):
        node_id, uri = resp.event_node_id, resp.event_uri
    else:
        node_id, uri = resp.nodes[0].id, resp.nodes[0].uri
    artifact = {
        "node_id": node_id,
        "uri": uri,
        "commit_id": resp.commit_id,
        "commit_uri": resp.commit_uri,
        "request_id": resp.request_id,
    }
    return f"Remembered as {uri} (commit {resp.commit_id}).", artifact


class AionisRememberTool(_AionisTool):
    """Store a fact or an event in Aionis memory."""

    name: str = "aionis_remember"
    description: str = (
        "Store a durable fact or a notable event in long-term memory. Input: the text to "
        "remember, optionally a title and a session_id to group a conversation's events."
    )
    args_schema: type[BaseModel] = RememberInput

    def _run(
        self,
        text: str,
        title: str | None = None,
        session_id: str | None = None,
        kind: str = "event",
        run_manager: CallbackManagerForToolRun | None = None,
    ) -> tuple[str, dict[str, Any]]:
        route, body = _remember_call(text, title, session_id, kind, self.shared)
        client = self._sync()
        try:
            if route == "event":
                return _remembered(client.sessions.append_event(**body))
            return _remembered(client.memory.write(**body))
        except _ERRORS as exc:
            raise tool_exception(exc) from exc

    async def _arun(
        self,
        text: str,
        title: str | None = None,
        session_id: str | None = None,
        kind: str = "event",
        run_manager: AsyncCallbackManagerForToolRun | None = None,
    ) -> tuple[str, dict[str, Any]]:
        if self.async_client is None:
            return await super()._arun(text, title, session_id, kind)  # type: ignore[no-any-return]
        route, body = _remember_call(text, title, session_id, kind, self.shared)
        try:
            if route == "event":
                return _remembered(await self.async_client.sessions.append_event(**body))
            return _remembered(await self.async_client.memory.write(**body))
        except _ERRORS as exc:
            raise tool_exception(exc) from exc


class AionisRecallTool(_AionisTool):
    """Recall memories relevant to a query, with the URI of each to cite."""

    name: str = "aionis_recall"
    description: str = (
        "Search long-term memory for facts and events relevant to a query. Returns one "
        "memory per line with its aionis:// URI."
    )
    args_schema: type[BaseModel] = RecallInput
    default_k: int | None = Field(default=None, ge=1, le=200)

    def _body(self, query: str, k: int | None) -> dict[str, Any]:
        body: dict[str, Any] = {"query_text": query, "include_meta": True}
        limit = k if k is not None else self.default_k
        if limit is not None:
            body["limit"] = limit
        return body

    def _run(
        self,
        query: str,
        k: int | None = None,
        run_manager: CallbackManagerForToolRun | None = None,
    ) -> tuple[str, list[Document]]:
        try:
            resp = self._sync().memory.recall_text(**self._body(query, k))
        except _ERRORS as exc:
            raise tool_exception(exc) from exc
        docs = documents_from_recall(resp)
        return render_documents(docs), docs

    async def _arun(
        self,
        query: str,
        k: int | None = None,
        run_manager: AsyncCallbackManagerForToolRun | None = None,
    ) -> tuple[str, list[Document]]:
        if self.async_client is None:
            return await super()._arun(query, k)  # type: ignore[no-any-return]
        try:
            resp = await self.async_client.memory.recall_text(**self._body(query, k))
        except _ERRORS as exc:
            raise tool_exception(exc) from exc
        docs = documents_from_recall(resp)
        return render_documents(docs), docs


def create_aionis_tools(
    client: AionisClient | None = None,
    async_client: AsyncAionisClient | None = None,
    *,
    shared: bool = False,
) -> list[BaseTool]:
    """``[AionisRememberTool, AionisRecallTool]`` sharing the given client(s)."""
    if client is None and async_client is None:
        raise ValueError("create_aionis_tools needs client= or async_client=")
    return [
        AionisRememberTool(client=client, async_client=async_client, shared=shared),
        AionisRecallTool(client=client, async_client=async_client),
    ]
