"""Shared fixtures: every client test runs once with the sync and once with the async client.

``make_client(**config)`` returns a :class:`Handle` whose ``call(fn)`` runs ``fn(client)``
and, for the async client, drives the returned coroutine on the handle's event loop. Tests
are written once and exercise both clients by construction.
"""

from __future__ import annotations

import asyncio
import inspect
import types
import typing
from collections.abc import Callable, Iterator
from typing import Any, Literal, get_args, get_origin

import httpx
import pytest
import respx
from pydantic import BaseModel

from aionis_sdk import AionisClient, AsyncAionisClient

BASE = "http://aionis.test"


class FakeTime:
    """A clock that only moves when the client sleeps, recording every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


class Handle:
    """One client (sync or async) plus the means to call it uniformly."""

    def __init__(self, client: Any, loop: asyncio.AbstractEventLoop | None, time: FakeTime):
        self.client = client
        self.loop = loop
        self.time = time
        self.is_async = loop is not None

    def call(self, fn: Callable[[Any], Any]) -> Any:
        result = fn(self.client)
        if inspect.isawaitable(result):
            assert self.loop is not None
            return self.loop.run_until_complete(result)
        return result

    def collect(self, fn: Callable[[Any], Any]) -> list[Any]:
        iterator = fn(self.client)
        if hasattr(iterator, "__aiter__"):
            assert self.loop is not None

            async def drain() -> list[Any]:
                return [item async for item in iterator]

            return self.loop.run_until_complete(drain())
        return list(iterator)

    def wrap(self, client: Any) -> Handle:
        """A handle for a derived client (e.g. ``with_options``) on the same loop."""
        return Handle(client, self.loop, self.time)


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def make_client(kind: str, router: respx.MockRouter) -> Iterator[Callable[..., Handle]]:
    loop = asyncio.new_event_loop() if kind == "async" else None
    clients: list[Any] = []

    def factory(**config: Any) -> Handle:
        config.setdefault("base_url", BASE)
        fake = FakeTime()
        client: Any = AsyncAionisClient(**config) if kind == "async" else AionisClient(**config)
        client._clock = fake.clock
        client._sleep = fake.asleep if kind == "async" else fake.sleep
        client._rand = lambda: 0.5  # jitter factor 1.0: delays are exact
        clients.append(client)
        return Handle(client, loop, fake)

    yield factory
    for client in clients:
        if loop is not None:
            loop.run_until_complete(client.aclose())
        else:
            client.close()
    if loop is not None:
        loop.close()


@pytest.fixture
def client(make_client: Callable[..., Handle]) -> Handle:
    return make_client()


def sample(model: type[BaseModel]) -> dict[str, Any]:
    """A minimal JSON object that validates as ``model``: every required field, dummy values."""
    return {
        (field.alias or name): _sample_value(field.annotation)
        for name, field in model.model_fields.items()
        if field.is_required()
    }


def _sample_value(annotation: Any) -> Any:
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _sample_value(get_args(annotation)[0])
    if origin is Literal:
        return get_args(annotation)[0]
    if origin in (typing.Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) < len(get_args(annotation)):
            return None
        return _sample_value(args[0])
    if origin in (list, tuple, set, frozenset):
        return []
    if origin is dict or annotation is dict:
        return {}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return sample(annotation)
    if annotation is bool:
        return True
    if annotation is int:
        return 0
    if annotation is float:
        return 0.0
    if annotation is str:
        return "x"
    return None


def ok(model: type[BaseModel], request_id: str | None = None, **fields: Any) -> httpx.Response:
    """A 200 response carrying a valid ``model`` body (plus ``fields``)."""
    headers = {"x-request-id": request_id} if request_id else {}
    return httpx.Response(200, json={**sample(model), **fields}, headers=headers)
