"""Resource groups of the client (``client.memory``, ``client.sessions``, ...).

Every method takes either a request model as its only positional argument or the request
model's fields as keyword arguments, plus the per-call options (``timeout``,
``extra_headers``, ``extra_query``, ``extra_body``, ``request_id``, ``max_retries``,
``retry_unsafe``). Fields are validated client-side before any I/O.
"""

from .context import AsyncContext, AsyncPlanning, Context, Planning
from .memory import AsyncMemory, Memory
from .packs import AsyncPacks, Packs
from .rules import AsyncRules, Rules
from .sessions import AsyncSessions, Sessions
from .tools import AsyncTools, Tools

__all__ = [
    "AsyncContext",
    "AsyncMemory",
    "AsyncPacks",
    "AsyncPlanning",
    "AsyncRules",
    "AsyncSessions",
    "AsyncTools",
    "Context",
    "Memory",
    "Packs",
    "Planning",
    "Rules",
    "Sessions",
    "Tools",
]
