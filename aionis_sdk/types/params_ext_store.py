"""Keyword ``TypedDict`` s of ``client.ext_store`` (the optional ``ext.store_index``)."""

from collections.abc import Mapping, Sequence
from typing import Any

from typing_extensions import Required

from .params_common import ReadIdentityParams, SequenceNotStr

__all__ = [
    "ExtStoreHeadsParams",
    "ExtStoreNamespacesParams",
    "ExtStoreSearchParams",
    "ExtStoreWatchParams",
]


class ExtStoreHeadsParams(ReadIdentityParams, total=False):
    """``client.ext_store.heads(...)`` (:class:`~aionis_sdk.types.ExtStoreHeadsRequest`)."""

    items: Required[SequenceNotStr[str]]


class ExtStoreSearchParams(ReadIdentityParams, total=False):
    """``client.ext_store.search(...)`` (:class:`~aionis_sdk.types.ExtStoreSearchRequest`)."""

    namespace_prefix: SequenceNotStr[str] | None
    filter: Mapping[str, Any] | None
    query_text: str | None
    query_embedding: Sequence[float] | None
    now: str | None
    limit: int | None
    offset: int | None


class ExtStoreNamespacesParams(ReadIdentityParams, total=False):
    """``client.ext_store.namespaces(...)`` (:class:`~aionis_sdk.types.ExtStoreNamespacesRequest`)."""

    namespace_prefix: SequenceNotStr[str] | None
    now: str | None


class ExtStoreWatchParams(ReadIdentityParams, total=False):
    """``client.ext_store.watch(...)`` (:class:`~aionis_sdk.types.ExtStoreWatchRequest`)."""

    after: int | None
    epoch: str | None
    timeout_ms: int | None
    limit: int | None
