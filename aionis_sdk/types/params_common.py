"""Keyword-argument types shared by every resource method (see :mod:`aionis_sdk.types.params`).

No ``from __future__ import annotations`` here: ``Required[...]`` must be a real object when
the class is created, so that ``__required_keys__`` is right at runtime (the drift test and
users' own introspection read it).
"""

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol, SupportsIndex, TypeVar, overload

from typing_extensions import TypedDict

from .._config import NotGiven, TimeoutTypes
from .common import MemoryLane

__all__ = [
    "NodeViewParams",
    "ReadIdentityParams",
    "RequestOptionsParams",
    "ScopedParams",
    "SequenceNotStr",
    "WriteIdentityParams",
]

_T_co = TypeVar("_T_co", covariant=True)


class SequenceNotStr(Protocol[_T_co]):
    """A sequence that is not a ``str``: ``list``/``tuple`` of strings pass, a bare string
    (which is a ``Sequence[str]`` too, and would be split into characters) does not."""

    @overload
    def __getitem__(self, index: SupportsIndex, /) -> _T_co: ...
    @overload
    def __getitem__(self, index: slice, /) -> Sequence[_T_co]: ...
    def __contains__(self, value: object, /) -> bool: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[_T_co]: ...
    def __reversed__(self) -> Iterator[_T_co]: ...
    def index(self, value: Any, start: int = 0, stop: int = ..., /) -> int: ...
    def count(self, value: Any, /) -> int: ...


class RequestOptionsParams(TypedDict, total=False):
    """The per-call options every method accepts as keywords (never sent as fields)."""

    timeout: TimeoutTypes | NotGiven
    extra_headers: Mapping[str, str] | None
    extra_query: Mapping[str, Any] | None
    extra_body: Mapping[str, Any] | None
    request_id: str | None
    max_retries: int | None
    retry_unsafe: bool


class ScopedParams(RequestOptionsParams, total=False):
    """:class:`~aionis_sdk.types.ScopedRequest` fields (plus the per-call options)."""

    tenant_id: str | None
    scope: str | None


class ReadIdentityParams(ScopedParams, total=False):
    """:class:`~aionis_sdk.types.ReadIdentity`: filled from the client's agent identity."""

    consumer_agent_id: str | None
    consumer_team_id: str | None


class WriteIdentityParams(ScopedParams, total=False):
    """:class:`~aionis_sdk.types.WriteIdentity`: filled from the client's agent identity."""

    actor: str | None
    producer_agent_id: str | None
    owner_agent_id: str | None
    owner_team_id: str | None
    memory_lane: MemoryLane | None


class NodeViewParams(TypedDict, total=False):
    """:class:`~aionis_sdk.types.NodeViewOptions`: optional blocks of returned nodes."""

    include_meta: bool | None
    include_slots: bool | None
    include_slots_preview: bool | None
    slots_preview_keys: int | None
