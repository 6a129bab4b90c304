"""The pure retry decisions, without a client."""

from __future__ import annotations

import httpx
import pytest

from aionis_sdk import APIConnectionError, CircuitOpenError, RetryPolicy
from aionis_sdk._errors import parse_retry_after
from aionis_sdk._retry import backoff_delay, should_retry_exception, should_retry_response


@pytest.mark.parametrize(
    ("jitter", "rand", "expected"),
    [
        ("none", 0.9, [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]),
        ("full", 0.5, [0.25, 0.5, 1.0, 2.0, 4.0, 4.0]),
        ("proportional", 0.0, [0.375, 0.75, 1.5, 3.0, 6.0, 6.0]),
    ],
)
def test_backoff_delay(jitter: str, rand: float, expected: list[float]) -> None:
    policy = RetryPolicy(jitter=jitter)  # type: ignore[arg-type]
    assert [backoff_delay(n, policy, rand=lambda: rand) for n in range(1, 7)] == expected


def test_retry_after_wins_over_backoff() -> None:
    response = httpx.Response(429, headers={"retry-after": "1.5"})
    assert backoff_delay(3, RetryPolicy(), response=response) == 1.5


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("0", 0.0),
        ("-3", 0.0),
        ("2.5", 2.5),
        ("nan", None),
        ("garbage", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after_future_date() -> None:
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0


def test_exception_decisions() -> None:
    unsent = APIConnectionError("x", may_have_reached_server=False)
    sent = APIConnectionError("x", may_have_reached_server=True)
    assert should_retry_exception(unsent, idempotent=False)
    assert not should_retry_exception(sent, idempotent=False)
    assert should_retry_exception(sent, idempotent=True)
    assert not should_retry_exception(CircuitOpenError("open"), idempotent=True)
    assert not should_retry_exception(ValueError("bug"), idempotent=True)


def test_custom_retry_statuses() -> None:
    policy = RetryPolicy(retry_statuses=frozenset({429}))
    assert should_retry_response(httpx.Response(429), idempotent=False, policy=policy)
    assert not should_retry_response(httpx.Response(503), idempotent=True, policy=policy)
