"""Timestamps in the API's format: ISO-8601 UTC with milliseconds and a ``Z`` suffix."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

_lock = threading.Lock()
_last = ""


def now_iso() -> str:
    """The current UTC time as ``YYYY-MM-DDTHH:MM:SS.mmmZ``.

    Successive calls in one process never go backwards, so ``created_at`` orders rows in the
    order they were written even when the wall clock steps back.
    """
    global _last
    text = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    with _lock:
        if text < _last:
            text = _last
        _last = text
    return text
