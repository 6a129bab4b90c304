"""with_options, timeouts, the raw escape hatch, lifecycle."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import httpx
import pytest
import respx
from conftest import BASE, Handle, ok

import aionis_sdk.types as t
from aionis_sdk import NOT_GIVEN, AionisClient, AsyncAionisClient, RetryPolicy


def test_with_options_shares_the_pool(client: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/memory/find").mock(return_value=ok(t.FindResponse))
    copy = client.client.with_options(agent_id="other", max_retries=5, timeout=3.0)
    assert copy._http is client.client._http
    assert copy.config.retry.max_retries == 5
    assert copy.config.timeout == httpx.Timeout(3.0)
    assert client.client.config.agent_id is None
    assert copy.memory._client is copy
    client.wrap(copy).call(lambda c: c.memory.find())
    assert json.loads(route.calls.last.request.content)["consumer_agent_id"] == "other"
    if client.is_async:
        client.call(lambda c: copy.aclose())
    else:
        copy.close()
    assert not client.client._http.is_closed  # closing a copy leaves the shared pool open


def test_with_options_rejects_unknown(client: Handle) -> None:
    with pytest.raises(TypeError):
        client.client.with_options(http_client=None)


def test_timeout_defaults_and_sentinel(
    make_client: Callable[..., Handle], router: respx.MockRouter
) -> None:
    route = router.get("/health").mock(return_value=ok(t.HealthResponse))
    default = make_client()
    default.call(lambda c: c.health())
    assert (
        route.calls.last.request.extensions["timeout"] == httpx.Timeout(30.0, connect=5.0).as_dict()
    )
    none = make_client(timeout=None)
    none.call(lambda c: c.health())
    assert route.calls.last.request.extensions["timeout"] == httpx.Timeout(None).as_dict()
    explicit_not_given = make_client(timeout=NOT_GIVEN)
    explicit_not_given.call(lambda c: c.health(timeout=2.5))
    assert route.calls.last.request.extensions["timeout"] == httpx.Timeout(2.5).as_dict()
    explicit_not_given.call(lambda c: c.health(timeout=None))
    assert route.calls.last.request.extensions["timeout"] == httpx.Timeout(None).as_dict()


def test_raw_request(client: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/handoff/store").mock(
        return_value=httpx.Response(200, json={"stored": True})
    )
    out = client.call(
        lambda c: c.request("post", "v1/handoff/store", body={"k": 1}, extra_headers={"x-a": "b"})
    )
    assert out == {"stored": True}
    request = route.calls.last.request
    assert json.loads(request.content) == {"k": 1}
    assert request.headers["x-a"] == "b"


def test_raw_request_get_params_and_cast(client: Handle, router: respx.MockRouter) -> None:
    route = router.get("/v1/memory/sessions").mock(
        return_value=ok(t.ListSessionsResponse, request_id="r9")
    )
    out = client.call(
        lambda c: c.request(
            "GET",
            "/v1/memory/sessions",
            params={"include_meta": True},
            cast_to=t.ListSessionsResponse,
        )
    )
    assert isinstance(out, t.ListSessionsResponse)
    assert out.request_id == "r9"
    assert route.calls.last.request.url.params["include_meta"] == "true"


def test_raw_request_is_not_retried_unless_idempotent(
    client: Handle, router: respx.MockRouter
) -> None:
    route = router.post("/v1/automations/run").mock(return_value=httpx.Response(500))
    with pytest.raises(Exception, match="500"):
        client.call(lambda c: c.request("POST", "/v1/automations/run"))
    assert route.call_count == 1
    with pytest.raises(Exception, match="500"):
        client.call(lambda c: c.request("POST", "/v1/automations/run", idempotent=True))
    assert route.call_count == 4


def test_raw_request_rejects_unknown_kwargs(client: Handle) -> None:
    with pytest.raises(TypeError):
        client.call(lambda c: c.request("GET", "/health", bogus=1))


def test_raw_request_empty_body(client: Handle, router: respx.MockRouter) -> None:
    router.post("/v1/x").mock(return_value=httpx.Response(200))
    assert client.call(lambda c: c.request("POST", "/v1/x")) is None


def test_injected_http_client_is_not_closed(router: respx.MockRouter) -> None:
    router.get("/health").mock(return_value=ok(t.HealthResponse))
    http = httpx.Client()
    with AionisClient(base_url=BASE, http_client=http) as client:
        client.health()
    assert not http.is_closed
    http.close()


async def test_async_context_manager(router: respx.MockRouter) -> None:
    router.get("/health").mock(return_value=ok(t.HealthResponse, ok=True))
    async with AsyncAionisClient(base_url=BASE) as client:
        health = await client.health()
        assert health.ok is True
    assert client._http.is_closed


def test_default_query_is_sent(
    make_client: Callable[..., Handle], router: respx.MockRouter
) -> None:
    route = router.post("/v1/memory/find").mock(return_value=ok(t.FindResponse))
    make_client(default_query={"debug": False}).call(lambda c: c.memory.find())
    assert route.calls.last.request.url.params["debug"] == "false"


def test_retry_and_max_retries_combine() -> None:
    with AionisClient(retry=RetryPolicy(initial_delay=0.1), max_retries=7) as client:
        assert client.config.retry.max_retries == 7
        assert client.config.retry.initial_delay == 0.1


def test_injected_client_headers_are_kept(router: respx.MockRouter) -> None:
    route = router.get("/health").mock(return_value=ok(t.HealthResponse))
    http = httpx.Client(headers={"X-Proxy-Auth": "p", "User-Agent": "theirs"})
    with AionisClient(base_url=BASE, http_client=http) as client:
        client.health()
    headers = route.calls.last.request.headers
    assert headers["x-proxy-auth"] == "p"
    assert headers["user-agent"] == "aionis-sdk-python/1.0.0.dev0"
    http.close()


def test_is_closed_follows_the_shared_pool() -> None:
    client = AionisClient(base_url="http://127.0.0.1:9")
    copy = client.with_options(agent_id="other")
    assert not client.is_closed
    assert not copy.is_closed
    copy.close()  # a copy does not own the pool
    assert not client.is_closed
    client.close()
    assert client.is_closed
    assert copy.is_closed


def test_async_is_closed_follows_the_pool() -> None:
    async def main() -> None:
        client = AsyncAionisClient(base_url="http://127.0.0.1:9")
        assert not client.is_closed
        await client.aclose()
        assert client.is_closed

    asyncio.run(main())
