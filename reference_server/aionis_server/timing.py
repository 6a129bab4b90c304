"""``Server-Timing`` response header (W3C Server Timing): where a request's time went.

Off by default (``--server-timing``; it tells clients how long storage took). When on,
:class:`ServerTimingMiddleware` gives each request a :class:`Timing` in a context variable and
writes it into the response's ``Server-Timing`` header, in milliseconds:

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
import time

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ServerTimingMiddleware", "Timing", "current", "record"]

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


def current() -> Timing | None:
    """The running request's :class:`Timing`, or ``None`` (header off, or no request)."""
    return _current.get()


def record(phase: str, seconds: float) -> None:
    """Add ``seconds`` to ``phase`` of the running request, if it is being timed."""
    timing = _current.get()
    if timing is not None:
        timing.add(phase, seconds)


class ServerTimingMiddleware:
    """Times each HTTP request and adds the ``Server-Timing`` header to its response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        timing = Timing()
        token = _current.set(timing)
        started = time.perf_counter()

        async def send_with_timing(message: Message) -> None:
            if message["type"] == "http.response.start":
                timing.add("app", time.perf_counter() - started)
                MutableHeaders(scope=message).append("server-timing", timing.header())
            await send(message)

        try:
            await self.app(scope, receive, send_with_timing)
        finally:
            _current.reset(token)
