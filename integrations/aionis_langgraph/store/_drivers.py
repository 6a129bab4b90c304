"""Drivers: run a store plan with a sync or an async Aionis client (plus optional embeddings)."""

from __future__ import annotations

from typing import Any, TypeVar

from langchain_core.embeddings import Embeddings

from aionis_sdk import NotFoundError

from ._calls import Call, Plan, as_plain

__all__ = ["arun", "run"]

T = TypeVar("T")


def _method(client: Any, name: str) -> Any:
    """The SDK method behind a call name: ``ext_search`` -> ``client.ext_store.search``."""
    if name.startswith("ext_"):
        return getattr(client.ext_store, name[4:])
    return getattr(client.memory, name)


def _sync_call(client: Any, embeddings: Embeddings | None, call: Call) -> Any:
    if call.name == "embed_documents":
        assert embeddings is not None
        return embeddings.embed_documents(list(call.kwargs["texts"]))
    if call.name == "embed_query":
        assert embeddings is not None
        return embeddings.embed_query(str(call.kwargs["text"]))
    try:
        return as_plain(_method(client, call.name)(**call.kwargs))
    except NotFoundError:
        if call.name != "resolve":
            raise
        return None  # a plan asking to resolve something treats "not found" as data


async def _async_call(client: Any, embeddings: Embeddings | None, call: Call) -> Any:
    if call.name == "embed_documents":
        assert embeddings is not None
        return await embeddings.aembed_documents(list(call.kwargs["texts"]))
    if call.name == "embed_query":
        assert embeddings is not None
        return await embeddings.aembed_query(str(call.kwargs["text"]))
    try:
        return as_plain(await _method(client, call.name)(**call.kwargs))
    except NotFoundError:
        if call.name != "resolve":
            raise
        return None


def run(client: Any, embeddings: Embeddings | None, plan: Plan[T]) -> T:
    """Drive ``plan`` to completion with a sync ``AionisClient``."""
    response: Any = None
    while True:
        try:
            call = plan.send(response)
        except StopIteration as stop:
            result: T = stop.value
            return result
        response = _sync_call(client, embeddings, call)


async def arun(client: Any, embeddings: Embeddings | None, plan: Plan[T]) -> T:
    """Drive ``plan`` to completion with an ``AsyncAionisClient``."""
    response: Any = None
    while True:
        try:
            call = plan.send(response)
        except StopIteration as stop:
            result: T = stop.value
            return result
        response = await _async_call(client, embeddings, call)
