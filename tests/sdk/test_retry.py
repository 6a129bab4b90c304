"""The retry matrix: what is retried, how often, how long, and with which request id."""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from conftest import Handle, ok

import aionis_sdk.types as t
from aionis_sdk import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    Hooks,
    RetryInfo,
    RetryPolicy,
    ServiceUnavailableError,
)

FIND = ("/v1/memory/find", lambda c, **kw: c.memory.find(**kw), t.FindResponse)
SELECT = (
    "/v1/memory/tools/select",
    lambda c, **kw: c.tools.select(context={}, candidates=["a"], **kw),
    t.ToolsSelectResponse,
)
OPS = {"idempotent": FIND, "non_idempotent": SELECT}


def _status(code: int, **headers: str) -> httpx.Response:
    return httpx.Response(
        code, json={"status": code, "error": "x_error", "message": "m"}, headers=headers
    )


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
@pytest.mark.parametrize("op", ["idempotent", "non_idempotent"])
def test_retryable_statuses(client: Handle, router: respx.MockRouter, status: int, op: str) -> None:
    path, call, _ = OPS[op]
    route = router.post(path).mock(return_value=_status(status))
    with pytest.raises(APIStatusError) as info:
        client.call(lambda c: call(c))
    assert info.value.status_code == status
    always = status in (429, 503)
    assert route.call_count == (3 if op == "idempotent" or always else 1)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 501])
@pytest.mark.parametrize("op", ["idempotent", "non_idempotent"])
def test_never_retried_statuses(
    client: Handle, router: respx.MockRouter, status: int, op: str
) -> None:
    path, call, _ = OPS[op]
    route = router.post(path).mock(return_value=_status(status))
    with pytest.raises(APIStatusError):
        client.call(lambda c: call(c))
    assert route.call_count == 1
    assert client.time.sleeps == []


def test_recovers_after_transient_failure(client: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/memory/find").mock(side_effect=[_status(502), ok(t.FindResponse)])
    result = client.call(lambda c: c.memory.find())
    assert isinstance(result, t.FindResponse)
    assert route.call_count == 2


def test_exponential_backoff_delays(client: Handle, router: respx.MockRouter) -> None:
    router.post("/v1/memory/find").mock(return_value=_status(500))
    with pytest.raises(APIStatusError):
        client.call(lambda c: c.memory.find())
    assert client.time.sleeps == [0.5, 1.0]  # jitter factor fixed at 1.0 by the fixture


def test_retry_after_seconds(client: Handle, router: respx.MockRouter) -> None:
    router.post("/v1/memory/find").mock(
        side_effect=[_status(429, **{"retry-after": "3"}), ok(t.FindResponse)]
    )
    client.call(lambda c: c.memory.find())
    assert client.time.sleeps == [3.0]


def test_retry_after_http_date(client: Handle, router: respx.MockRouter) -> None:
    date = email.utils.formatdate(time.time() + 10, usegmt=True)
    router.post("/v1/memory/find").mock(
        side_effect=[_status(503, **{"retry-after": date}), ok(t.FindResponse)]
    )
    client.call(lambda c: c.memory.find())
    assert len(client.time.sleeps) == 1
    assert 8.0 <= client.time.sleeps[0] <= 10.0


def test_retry_after_is_capped(
    make_client: Callable[..., Handle], router: respx.MockRouter
) -> None:
    handle = make_client(retry=RetryPolicy(max_retry_after=2.0, total_timeout=None))
    router.post("/v1/memory/find").mock(
        side_effect=[_status(429, **{"retry-after": "500"}), ok(t.FindResponse)]
    )
    handle.call(lambda c: c.memory.find())
    assert handle.time.sleeps == [2.0]


def test_deadline_exhaustion(make_client: Callable[..., Handle], router: respx.MockRouter) -> None:
    handle = make_client(retry=RetryPolicy(max_retries=10, total_timeout=5.0))
    route = router.post("/v1/memory/find").mock(return_value=_status(503, **{"retry-after": "4"}))
    with pytest.raises(ServiceUnavailableError) as info:
        handle.call(lambda c: c.memory.find())
    assert info.value.retry_after == 4.0
    assert route.call_count == 2  # a second 4 s wait would cross the 5 s deadline
    assert handle.time.sleeps == [4.0]


@pytest.mark.parametrize("op", ["idempotent", "non_idempotent"])
def test_connect_errors_are_retried_for_every_call(
    client: Handle, router: respx.MockRouter, op: str
) -> None:
    path, call, model = OPS[op]
    route = router.post(path).mock(
        side_effect=[httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), ok(model)]
    )
    assert isinstance(client.call(lambda c: call(c)), model)
    assert route.call_count == 3


def test_connect_errors_exhausted(client: Handle, router: respx.MockRouter) -> None:
    router.post("/v1/memory/find").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(APIConnectionError) as info:
        client.call(lambda c: c.memory.find())
    assert not isinstance(info.value, APITimeoutError)
    assert info.value.may_have_reached_server is False


@pytest.mark.parametrize(
    "exc", [httpx.ReadTimeout("slow"), httpx.ReadError("reset"), httpx.RemoteProtocolError("eof")]
)
@pytest.mark.parametrize("op", ["idempotent", "non_idempotent"])
def test_failures_after_send_only_retried_when_idempotent(
    client: Handle, router: respx.MockRouter, op: str, exc: Exception
) -> None:
    path, call, _ = OPS[op]
    route = router.post(path).mock(side_effect=exc)
    with pytest.raises(APIConnectionError) as info:
        client.call(lambda c: call(c))
    assert info.value.may_have_reached_server is True
    assert isinstance(info.value, APITimeoutError) == isinstance(exc, httpx.TimeoutException)
    assert route.call_count == (3 if op == "idempotent" else 1)


def test_retry_unsafe_opts_in(client: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/memory/tools/select").mock(return_value=_status(500))
    with pytest.raises(APIStatusError):
        client.call(lambda c: c.tools.select(context={}, candidates=["a"], retry_unsafe=True))
    assert route.call_count == 3


def test_per_call_max_retries(client: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/memory/find").mock(return_value=_status(503))
    with pytest.raises(APIStatusError):
        client.call(lambda c: c.memory.find(max_retries=0))
    assert route.call_count == 1
    with pytest.raises(APIStatusError):
        client.call(lambda c: c.memory.find(max_retries=4))
    assert route.call_count == 1 + 5


def test_client_max_retries(make_client: Callable[..., Handle], router: respx.MockRouter) -> None:
    handle = make_client(max_retries=0)
    route = router.post("/v1/memory/find").mock(return_value=_status(503))
    with pytest.raises(APIStatusError):
        handle.call(lambda c: c.memory.find())
    assert route.call_count == 1


def test_same_request_id_on_every_attempt(client: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/memory/find").mock(return_value=_status(503))
    with pytest.raises(APIStatusError) as info:
        client.call(lambda c: c.memory.find())
    ids = {call.request.headers["x-request-id"] for call in route.calls}
    assert len(ids) == 1
    assert route.call_count == 3
    assert info.value.request_id == ids.pop()


def test_caller_request_id_is_used(client: Handle, router: respx.MockRouter) -> None:
    route = router.post("/v1/memory/find").mock(side_effect=[_status(503), ok(t.FindResponse)])
    result = client.call(lambda c: c.memory.find(request_id="my-id"))
    assert [c.request.headers["x-request-id"] for c in route.calls] == ["my-id", "my-id"]
    assert result.request_id == "my-id"  # no x-request-id header: falls back to the id sent


def test_generated_event_id_is_stable_across_retries(
    client: Handle, router: respx.MockRouter
) -> None:
    route = router.post("/v1/memory/events").mock(
        side_effect=[httpx.ReadTimeout("slow"), ok(t.AppendEventResponse)]
    )
    client.call(lambda c: c.sessions.append_event(session_id="s", input_text="x"))
    bodies = [json.loads(call.request.content) for call in route.calls]
    assert len(bodies) == 2
    assert bodies[0]["event_id"] == bodies[1]["event_id"]


@pytest.mark.parametrize(("candidates", "calls"), [(None, 3), ([], 3), (["a"], 1)])
def test_planning_idempotent_unless_tool_candidates(
    client: Handle, router: respx.MockRouter, candidates: Any, calls: int
) -> None:
    route = router.post("/v1/memory/planning/context").mock(return_value=_status(500))
    with pytest.raises(APIStatusError):
        client.call(lambda c: c.planning.context(query_text="q", tool_candidates=candidates))
    assert route.call_count == calls


def test_on_retry_hook(make_client: Callable[..., Handle], router: respx.MockRouter) -> None:
    seen: list[RetryInfo] = []
    handle = make_client(hooks=Hooks(on_retry=seen.append))
    router.post("/v1/memory/find").mock(side_effect=[_status(502), ok(t.FindResponse)])
    handle.call(lambda c: c.memory.find())
    assert len(seen) == 1
    assert seen[0].operation == "memory.find"
    assert seen[0].reason == "http_502"
    assert seen[0].attempt == 1


def test_policy_validation() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_retries=-1)
    with pytest.raises(ValueError):
        RetryPolicy(initial_delay=-1)
