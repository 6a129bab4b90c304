"""Retry policy and the pure decisions behind it (spec §3.5, §5.8).

The decisions live here once; the sync and async clients hand them to tenacity's
``Retrying`` / ``AsyncRetrying`` as ``retry=``, ``wait=`` and ``stop=`` callables.

What is retried, and why:

* a transport failure before the request was sent (connect error, connect/pool timeout):
  always, since the server never saw it;
* 429 and 503: always, since the spec guarantees they had no effect; ``Retry-After`` is
  honoured, capped at ``max_retry_after``;
* 408, 500, 502, 504, read/write timeouts, read errors and dropped connections: only when
  the call is idempotent, because the request may have reached the server;
* never 501, 409 or any other 4xx.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import httpx
from tenacity import RetryCallState

from ._errors import APIConnectionError, CircuitOpenError, parse_retry_after

if TYPE_CHECKING:
    from ._request import PreparedCall

__all__ = [
    "ALWAYS_RETRYABLE_STATUSES",
    "DEFAULT_RETRY_STATUSES",
    "RetryPolicy",
    "backoff_delay",
    "should_retry_exception",
    "should_retry_response",
    "tenacity_options",
]

DEFAULT_RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: Statuses that mean "no effect" (§3.4), so retrying cannot duplicate anything.
ALWAYS_RETRYABLE_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class RetryPolicy:
    """How failed calls are retried.

    ``jitter="proportional"`` spreads each backoff delay by ±25 %; ``"full"`` picks uniformly
    in ``[0, delay]``; ``"none"`` disables jitter. ``total_timeout`` bounds the whole logical
    call, sleeps included: a retry whose delay would cross it is not attempted.
    """

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    jitter: Literal["proportional", "full", "none"] = "proportional"
    total_timeout: float | None = 60.0
    max_retry_after: float = 60.0
    retry_statuses: frozenset[int] = field(default=DEFAULT_RETRY_STATUSES)

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if self.initial_delay < 0 or self.max_delay < 0:
            raise ValueError("retry delays must be >= 0")

    def with_max_retries(self, max_retries: int) -> RetryPolicy:
        return replace(self, max_retries=max_retries)


def should_retry_exception(exc: BaseException, *, idempotent: bool) -> bool:
    """Whether a transport failure may be retried for a call of this idempotency."""
    if isinstance(exc, CircuitOpenError) or not isinstance(exc, APIConnectionError):
        return False
    return idempotent or not exc.may_have_reached_server


def should_retry_response(
    response: httpx.Response, *, idempotent: bool, policy: RetryPolicy
) -> bool:
    """Whether an HTTP response's status may be retried for a call of this idempotency."""
    status = response.status_code
    if status not in policy.retry_statuses:
        return False
    return idempotent or status in ALWAYS_RETRYABLE_STATUSES


def backoff_delay(
    retry_number: int,
    policy: RetryPolicy,
    *,
    response: httpx.Response | None = None,
    rand: Callable[[], float] = random.random,
) -> float:
    """Delay before retry number ``retry_number`` (1-based).

    A ``Retry-After`` header on the failed response wins (bounded by ``max_retry_after``);
    otherwise exponential backoff from ``initial_delay`` capped at ``max_delay``, with jitter.
    """
    if response is not None:
        hinted = parse_retry_after(response.headers.get("retry-after"))
        if hinted is not None:
            return min(hinted, policy.max_retry_after)
    base = min(policy.max_delay, policy.initial_delay * float(2 ** (retry_number - 1)))
    if policy.jitter == "full":
        return base * rand()
    if policy.jitter == "proportional":
        return base * (0.75 + 0.5 * rand())
    return base


def tenacity_options(
    call: PreparedCall,
    policy: RetryPolicy,
    *,
    clock: Callable[[], float],
    rand: Callable[[], float],
) -> dict[str, Any]:
    """The ``retry=``, ``wait=`` and ``stop=`` callables of one logical call."""

    def retry(state: RetryCallState) -> bool:
        outcome = state.outcome
        assert outcome is not None
        if outcome.failed:
            exc = outcome.exception()
            return exc is not None and should_retry_exception(exc, idempotent=call.idempotent)
        return should_retry_response(outcome.result(), idempotent=call.idempotent, policy=policy)

    def wait(state: RetryCallState) -> float:
        outcome = state.outcome
        response = None if outcome is None or outcome.failed else outcome.result()
        return backoff_delay(state.attempt_number, policy, response=response, rand=rand)

    def stop(state: RetryCallState) -> bool:
        if state.attempt_number > call.max_retries:
            return True
        if policy.total_timeout is None:
            return False
        elapsed = clock() - call.started
        return elapsed + state.upcoming_sleep > policy.total_timeout

    def give_up(state: RetryCallState) -> Any:
        assert state.outcome is not None
        return state.outcome.result()  # the last response, or re-raise the last error

    return {"retry": retry, "wait": wait, "stop": stop, "retry_error_callback": give_up}
