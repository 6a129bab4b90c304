"""Sessions and events (§7.7): POST bodies and GET query parsing (§2)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from ..errors import ApiError
from .write import Lane, NonEmpty, Unit

SessionId = Annotated[str, Field(min_length=1, max_length=128)]
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Ownership(_Lenient):
    actor: NonEmpty | None = None
    memory_lane: Lane | None = None
    producer_agent_id: NonEmpty | None = None
    owner_agent_id: NonEmpty | None = None
    owner_team_id: NonEmpty | None = None


class CreateSessionBody(_Ownership):
    session_id: SessionId
    title: Annotated[str, Field(max_length=512)] | None = None
    text_summary: Annotated[str, Field(max_length=4000)] | None = None
    input_text: str | None = None
    metadata: dict[str, Any] | None = None
    auto_embed: bool = False


class AppendEventBody(_Ownership):
    session_id: SessionId
    event_id: SessionId | None = None
    title: Annotated[str, Field(max_length=512)] | None = None
    text_summary: Annotated[str, Field(max_length=4000)] | None = None
    input_text: str | None = None
    metadata: dict[str, Any] | None = None
    auto_embed: bool = True
    edge_weight: Unit | None = None
    edge_confidence: Unit | None = None
    execution_state_v1: Any = None
    execution_packet_v1: Any = None
    execution_transitions_v1: Any = None


def _issue(path: str, message: str) -> ApiError:
    return ApiError(
        400, "invalid_request", "invalid request", issues=[{"path": path, "message": message}]
    )


def query_bool(query: Mapping[str, str], name: str, default: bool = False) -> bool:
    """A boolean query parameter: ``1,true,yes,on`` / ``0,false,no,off,""`` (case-insensitive)."""
    if name not in query:
        return default
    value = query[name].strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise _issue(name, "Expected boolean")


def query_int(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """A decimal integer query parameter within ``low..high``."""
    if name not in query:
        return default
    text = query[name].strip()
    if not text or not text.lstrip("-").isdigit() or not text.isascii() or len(text) > 12:
        raise _issue(name, "Expected integer")
    value = int(text)
    if not low <= value <= high:
        raise _issue(name, f"Number must be between {low} and {high}")
    return value


def query_text(query: Mapping[str, str], name: str) -> str | None:
    value = query.get(name)
    return value.strip() or None if value is not None else None
