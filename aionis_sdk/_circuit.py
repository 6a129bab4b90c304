"""An optional circuit breaker over transport failures (off unless configured).

After ``failure_threshold`` consecutive transport failures (no HTTP response at all) the
circuit opens: calls fail fast with ``CircuitOpenError`` for ``cooldown`` seconds. Then one
trial call is let through (half-open); its success closes the circuit, its failure reopens it.
Any HTTP response, even an error status, counts as success: the server is reachable.
The breaker is shared by ``with_options`` copies and is thread-safe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Literal

from ._errors import CircuitOpenError

__all__ = ["CircuitBreaker"]


class CircuitBreaker:
    def __init__(
        self,
        failure_threshold: int = 5,
        cooldown: float = 30.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be >= 1")
        self.failure_threshold = failure_threshold
        self.cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_in_flight = False

    @property
    def state(self) -> Literal["closed", "open", "half_open"]:
        with self._lock:
            return self._state_locked()

    def _state_locked(self) -> Literal["closed", "open", "half_open"]:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self.cooldown:
            return "half_open"
        return "open"

    def before_attempt(self) -> None:
        """Raise ``CircuitOpenError`` unless a request may be sent now."""
        with self._lock:
            state = self._state_locked()
            if state == "closed":
                return
            if state == "half_open" and not self._trial_in_flight:
                self._trial_in_flight = True
                return
            assert self._opened_at is not None
            remaining = max(0.0, self.cooldown - (self._clock() - self._opened_at))
        raise CircuitOpenError(
            f"circuit open after {self.failure_threshold} consecutive transport failures; "
            f"retry in {remaining:.1f}s"
        )

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial_in_flight = False

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._trial_in_flight or self._failures >= self.failure_threshold:
                self._opened_at = self._clock()
            self._trial_in_flight = False
