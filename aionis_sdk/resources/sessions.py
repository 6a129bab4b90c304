"""``client.sessions``: create, list (+ auto-paging), append_event, events (+ auto-paging)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

from typing_extensions import Unpack, overload

from .._operations import APPEND_EVENT, CREATE_SESSION, LIST_EVENTS, LIST_SESSIONS
from ..types import (
    AppendEventRequest,
    AppendEventResponse,
    CreateSessionRequest,
    CreateSessionResponse,
    ListEventsRequest,
    ListEventsResponse,
    ListSessionsRequest,
    ListSessionsResponse,
    SessionEvent,
    SessionSummary,
)
from ..types.params import (
    AppendEventParams,
    CreateSessionParams,
    ListEventsParams,
    ListSessionsParams,
    RequestOptionsParams,
)
from ._resource import AsyncResource, SyncResource, aiter_pages, iter_pages, page_params

__all__ = ["AsyncSessions", "Sessions"]


def _sessions(response: ListSessionsResponse) -> list[SessionSummary]:
    return list(response.sessions)


def _events(response: ListEventsResponse) -> list[SessionEvent]:
    return list(response.events)


class Sessions(SyncResource):
    @overload
    def create(
        self, request: CreateSessionRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> CreateSessionResponse: ...
    @overload
    def create(self, /, **params: Unpack[CreateSessionParams]) -> CreateSessionResponse: ...
    def create(
        self, request: CreateSessionRequest | None = None, /, **params: Any
    ) -> CreateSessionResponse:
        """POST /v1/memory/sessions (idempotent: the session id is the caller's)."""
        return self._client._call(CREATE_SESSION, request, params)

    @overload
    def list(
        self, request: ListSessionsRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> ListSessionsResponse: ...
    @overload
    def list(self, /, **params: Unpack[ListSessionsParams]) -> ListSessionsResponse: ...
    def list(
        self, request: ListSessionsRequest | None = None, /, **params: Any
    ) -> ListSessionsResponse:
        """GET /v1/memory/sessions: one page, most recently active first."""
        return self._client._call(LIST_SESSIONS, request, params)

    @overload
    def list_all(
        self, request: ListSessionsRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> Iterator[SessionSummary]: ...
    @overload
    def list_all(self, /, **params: Unpack[ListSessionsParams]) -> Iterator[SessionSummary]: ...
    def list_all(
        self, request: ListSessionsRequest | None = None, /, **params: Any
    ) -> Iterator[SessionSummary]:
        """Every visible session, fetching pages lazily."""
        return iter_pages(lambda p: self.list(**p), page_params(request, params), _sessions)

    @overload
    def append_event(
        self, request: AppendEventRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> AppendEventResponse: ...
    @overload
    def append_event(self, /, **params: Unpack[AppendEventParams]) -> AppendEventResponse: ...
    def append_event(
        self, request: AppendEventRequest | None = None, /, **params: Any
    ) -> AppendEventResponse:
        """POST /v1/memory/events. Without ``event_id`` the client generates one (uuid4),
        so the call is idempotent and safe to retry."""
        return self._client._call(APPEND_EVENT, request, params)

    @overload
    def events(
        self, request: ListEventsRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> ListEventsResponse: ...
    @overload
    def events(self, /, **params: Unpack[ListEventsParams]) -> ListEventsResponse: ...
    def events(
        self, request: ListEventsRequest | None = None, /, **params: Any
    ) -> ListEventsResponse:
        """GET /v1/memory/sessions/{session_id}/events: one page, newest first."""
        return self._client._call(LIST_EVENTS, request, params)

    @overload
    def events_all(
        self, request: ListEventsRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> Iterator[SessionEvent]: ...
    @overload
    def events_all(self, /, **params: Unpack[ListEventsParams]) -> Iterator[SessionEvent]: ...
    def events_all(
        self, request: ListEventsRequest | None = None, /, **params: Any
    ) -> Iterator[SessionEvent]:
        """Every event of a session, newest first, fetching pages lazily."""
        return iter_pages(lambda p: self.events(**p), page_params(request, params), _events)


class AsyncSessions(AsyncResource):
    @overload
    async def create(
        self, request: CreateSessionRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> CreateSessionResponse: ...
    @overload
    async def create(self, /, **params: Unpack[CreateSessionParams]) -> CreateSessionResponse: ...
    async def create(
        self, request: CreateSessionRequest | None = None, /, **params: Any
    ) -> CreateSessionResponse:
        """POST /v1/memory/sessions (idempotent: the session id is the caller's)."""
        return await self._client._call(CREATE_SESSION, request, params)

    @overload
    async def list(
        self, request: ListSessionsRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> ListSessionsResponse: ...
    @overload
    async def list(self, /, **params: Unpack[ListSessionsParams]) -> ListSessionsResponse: ...
    async def list(
        self, request: ListSessionsRequest | None = None, /, **params: Any
    ) -> ListSessionsResponse:
        """GET /v1/memory/sessions: one page, most recently active first."""
        return await self._client._call(LIST_SESSIONS, request, params)

    @overload
    def list_all(
        self, request: ListSessionsRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> AsyncIterator[SessionSummary]: ...
    @overload
    def list_all(
        self, /, **params: Unpack[ListSessionsParams]
    ) -> AsyncIterator[SessionSummary]: ...
    def list_all(
        self, request: ListSessionsRequest | None = None, /, **params: Any
    ) -> AsyncIterator[SessionSummary]:
        """Every visible session (``async for``), fetching pages lazily."""
        return aiter_pages(lambda p: self.list(**p), page_params(request, params), _sessions)

    @overload
    async def append_event(
        self, request: AppendEventRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> AppendEventResponse: ...
    @overload
    async def append_event(self, /, **params: Unpack[AppendEventParams]) -> AppendEventResponse: ...
    async def append_event(
        self, request: AppendEventRequest | None = None, /, **params: Any
    ) -> AppendEventResponse:
        """POST /v1/memory/events; see :meth:`Sessions.append_event`."""
        return await self._client._call(APPEND_EVENT, request, params)

    @overload
    async def events(
        self, request: ListEventsRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> ListEventsResponse: ...
    @overload
    async def events(self, /, **params: Unpack[ListEventsParams]) -> ListEventsResponse: ...
    async def events(
        self, request: ListEventsRequest | None = None, /, **params: Any
    ) -> ListEventsResponse:
        """GET /v1/memory/sessions/{session_id}/events: one page, newest first."""
        return await self._client._call(LIST_EVENTS, request, params)

    @overload
    def events_all(
        self, request: ListEventsRequest, /, **options: Unpack[RequestOptionsParams]
    ) -> AsyncIterator[SessionEvent]: ...
    @overload
    def events_all(self, /, **params: Unpack[ListEventsParams]) -> AsyncIterator[SessionEvent]: ...
    def events_all(
        self, request: ListEventsRequest | None = None, /, **params: Any
    ) -> AsyncIterator[SessionEvent]:
        """Every event of a session (``async for``), fetching pages lazily."""
        return aiter_pages(lambda p: self.events(**p), page_params(request, params), _events)
