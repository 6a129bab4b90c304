"""Sans-I/O plans for the tool-selection helpers: logic once, sync and async drivers.

A plan is a generator that yields ``(operation, params)`` pairs, e.g.
``("tools.select", {...})``, and receives each response; its return value is the result.
An error raised by a call is thrown into the plan. The drivers resolve ``"tools.select"`` to
``client.tools.select``.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, TypeVar

__all__ = ["Plan", "Step", "arun", "run"]

T = TypeVar("T")
Step = tuple[str, dict[str, Any]]
Plan = Generator[Step, Any, T]


def _method(client: Any, op: str) -> Any:
    resource, name = op.split(".")
    return getattr(getattr(client, resource), name)


def run(client: Any, plan: Plan[T]) -> T:
    """Drive ``plan`` with a sync :class:`~aionis_sdk.AionisClient`."""
    try:
        op, params = next(plan)
        while True:
            try:
                result = _method(client, op)(**params)
            except Exception as exc:
                op, params = plan.throw(exc)
                continue
            op, params = plan.send(result)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


async def arun(client: Any, plan: Plan[T]) -> T:
    """Drive ``plan`` with an :class:`~aionis_sdk.AsyncAionisClient`."""
    try:
        op, params = next(plan)
        while True:
            try:
                result = await _method(client, op)(**params)
            except Exception as exc:
                op, params = plan.throw(exc)
                continue
            op, params = plan.send(result)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
