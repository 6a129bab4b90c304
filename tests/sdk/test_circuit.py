"""The optional circuit breaker: open after N transport failures, half-open after cool-down."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import respx
from conftest import Handle, ok

import aionis_sdk.types as t
from aionis_sdk import APIConnectionError, CircuitBreaker, CircuitOpenError


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_breaker_states() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=2, cooldown=10.0, clock=clock)
    breaker.record_failure()
    assert breaker.state == "closed"
    breaker.record_failure()
    assert breaker.state == "open"
    with pytest.raises(CircuitOpenError):
        breaker.before_attempt()
    clock.now = 10.0
    assert breaker.state == "half_open"
    breaker.before_attempt()  # the one trial
    with pytest.raises(CircuitOpenError):
        breaker.before_attempt()  # no second trial while the first is in flight
    breaker.record_failure()
    assert breaker.state == "open"  # a failed trial reopens at once
    clock.now = 20.0
    breaker.before_attempt()
    breaker.record_success()
    assert breaker.state == "closed"


def test_breaker_validation() -> None:
    with pytest.raises(ValueError):
        CircuitBreaker(failure_threshold=0)


def test_client_fails_fast_when_open(
    make_client: Callable[..., Handle], router: respx.MockRouter
) -> None:
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=3, cooldown=30.0, clock=clock)
    handle = make_client(circuit_breaker=breaker, max_retries=0)
    route = router.post("/v1/memory/find").mock(side_effect=httpx.ConnectError("refused"))
    for _ in range(3):
        with pytest.raises(APIConnectionError):
            handle.call(lambda c: c.memory.find())
    with pytest.raises(CircuitOpenError):
        handle.call(lambda c: c.memory.find())
    assert route.call_count == 3  # the fourth call never reached the transport

    clock.now = 30.0
    route.mock(side_effect=None, return_value=ok(t.FindResponse))
    handle.call(lambda c: c.memory.find())  # half-open trial succeeds
    assert breaker.state == "closed"


def test_open_circuit_is_not_retried(
    make_client: Callable[..., Handle], router: respx.MockRouter
) -> None:
    breaker = CircuitBreaker(failure_threshold=1, cooldown=30.0, clock=Clock())
    handle = make_client(circuit_breaker=breaker)
    route = router.post("/v1/memory/find").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(CircuitOpenError):
        handle.call(lambda c: c.memory.find())  # attempt 1 fails and opens; the retry fails fast
    assert route.call_count == 1
    assert handle.time.sleeps == [0.5]


def test_http_errors_do_not_trip_the_breaker(
    make_client: Callable[..., Handle], router: respx.MockRouter
) -> None:
    breaker = CircuitBreaker(failure_threshold=1, clock=Clock())
    handle = make_client(circuit_breaker=breaker, max_retries=0)
    router.post("/v1/memory/find").mock(return_value=httpx.Response(500))
    with pytest.raises(Exception, match="500"):
        handle.call(lambda c: c.memory.find())
    assert breaker.state == "closed"
