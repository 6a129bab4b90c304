"""``Server-Timing`` response header (W3C Server Timing): where a request's time went.

Off by default (``--server-timing``; it tells clients how long storage took). When on, the
app's ``ServerTimingMiddleware`` gives each request a :class:`Timing` (:func:`start`) and writes
it into the response's ``Server-Timing`` header, in milliseconds:

``app``     from the request entering the app to its response starting
``handoff`` waiting for a worker thread and for the event loop to resume after it
``work``    blocking service code in the worker thread (includes ``db`` and ``commit``)
``db``      the request's own statements inside its write transaction
``commit``  ``BEGIN``/``COMMIT`` (the fdatasync) of the transaction it was stored in, shared
            with the other requests of a group commit

Worker threads see the same :class:`Timing` (anyio runs them in a copy of the caller's
context, and the copy refers to the same object), so storage code adds to it directly.
"""

from __future__ import annotations

import contextvars

__all__ = ["Timing", "current", "end", "record", "start"]

# The order phases appear in the header.
PHASES = ("app", "handoff", "work", "db", "commit")


class Timing:
    """Seconds spent per phase during one request (phases add up when repeated)."""

    __slots__ = ("phases",)

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}

    def add(self, phase: str, seconds: float) -> None:
        self.phases[phase] = self.phases.get(phase, 0.0) + max(0.0, seconds)

    def header(self) -> str:
        """The ``Server-Timing`` value: ``name;dur=ms`` entries, known phases first."""
        names = [p for p in PHASES if p in self.phases]
        names += sorted(p for p in self.phases if p not in PHASES)
        return ", ".join(f"{name};dur={self.phases[name] * 1e3:.3f}" for name in names)


_current: contextvars.ContextVar[Timing | None] = contextvars.ContextVar(
    "aionis_server_timing", default=None
)


def start() -> tuple[Timing, contextvars.Token[Timing | None]]:
    """A new :class:`Timing` for the running request, and the token that ends it."""
    timing = Timing()
    return timing, _current.set(timing)


def end(token: contextvars.Token[Timing | None]) -> None:
    """Stop timing the request :func:`start` began."""
    _current.reset(token)


def current() -> Timing | None:
    """The running request's :class:`Timing`, or ``None`` (header off, or no request)."""
    return _current.get()


def record(phase: str, seconds: float) -> None:
    """Add ``seconds`` to ``phase`` of the running request, if it is being timed."""
    timing = _current.get()
    if timing is not None:
        timing.add(phase, seconds)
