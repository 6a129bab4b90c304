"""Drivers: run a store plan with a sync or an async Aionis client (plus optional embeddings,
and the store's read cache if it has one: see ``._cache``)."""

from __future__ import annotations

from typing import Any, TypeVar

from langchain_core.embeddings import Embeddings

from aionis_sdk import NotFoundError

from ._cache import MISS, ReadCache
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


def run(
    client: Any, embeddings: Embeddings | None, plan: Plan[T], cache: ReadCache | None = None
) -> T:
    """Drive ``plan`` to completion with a sync ``AionisClient``."""
    response: Any = None
    while True:
        try:
            call = plan.send(response)
        except StopIteration as stop:
            result: T = stop.value
            return result
        if cache is None:
            response = _sync_call(client, embeddings, call)
            continue
        with cache.around(call) as slot:
            if slot.response is MISS:
                slot.response = _sync_call(client, embeddings, call)
        response = slot.response


async def arun(
    client: Any, embeddings: Embeddings | None, plan: Plan[T], cache: ReadCache | None = None
) -> T:
    """Drive ``plan`` to completion with an ``AsyncAionisClient``."""
    response: Any = None
    while True:
        try:
            call = plan.send(response)
        except StopIteration as stop:
            result: T = stop.value
            return result
        if cache is None:
            response = await _async_call(client, embeddings, call)
            continue
        with cache.around(call) as slot:
            if slot.response is MISS:
                slot.response = await _async_call(client, embeddings, call)
        response = slot.response
