"""The keyword ``TypedDict`` s of ``aionis_sdk.types.params`` never drift from the request models.

For every request model (and every nested request object): same keys (wire names), same
required keys, same ``None``-ability, and the same coarse type per field (str/int/float/bool,
literal values, mappings, sequences, nested objects). Every resource method's keyword
overload uses the ``Params`` of the model its implementation accepts.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Union

import pytest
import typing_extensions
from pydantic import BaseModel

import aionis_sdk.resources as resources
import aionis_sdk.types as t
from aionis_sdk.types import memory as m
from aionis_sdk.types import params as p
from aionis_sdk.types import params_ext_store as pe
from aionis_sdk.types import params_recall, planning, recall
from aionis_sdk.types._base import RequestModel, StrictRequestModel
from aionis_sdk.types.params_common import SequenceNotStr

# request model -> its keyword TypedDict (mixins included, so every field is covered once)
PAIRS: dict[type[BaseModel], type] = {
    t.ScopedRequest: p.ScopedParams,
    t.ReadIdentity: p.ReadIdentityParams,
    t.WriteIdentity: p.WriteIdentityParams,
    t.NodeViewOptions: p.NodeViewParams,
    m.WriteNode: p.WriteNodeParam,
    m.EdgeEndpoint: p.EdgeEndpointParam,
    m.WriteEdge: p.WriteEdgeParam,
    t.WriteRequest: p.WriteParams,
    t.FindRequest: p.FindParams,
    t.ResolveRequest: p.ResolveParams,
    recall.MemoryLayerPreference: p.MemoryLayerPreferenceParam,
    recall.RecallOptions: p.RecallOptionsParams,
    recall._RecallExtras: params_recall._RecallExtrasParams,
    t.RecallRequest: p.RecallParams,
    t.RecallTextRequest: p.RecallTextParams,
    planning._CompositeRequest: params_recall._CompositeParams,
    t.PlanningContextRequest: p.PlanningContextParams,
    t.ContextAssembleRequest: p.ContextAssembleParams,
    t.CreateSessionRequest: p.CreateSessionParams,
    t.ListSessionsRequest: p.ListSessionsParams,
    t.AppendEventRequest: p.AppendEventParams,
    t.ListEventsRequest: p.ListEventsParams,
    t.PackExportRequest: p.PackExportParams,
    t.PackImportRequest: p.PackImportParams,
    t.RuleStateRequest: p.RuleStateParams,
    t.RulesEvaluateRequest: p.RulesEvaluateParams,
    t.RuleFeedbackRequest: p.RuleFeedbackParams,
    t.ToolsSelectRequest: p.ToolsSelectParams,
    t.ToolsDecisionRequest: p.ToolsDecisionParams,
    t.ToolsRunRequest: p.ToolsRunParams,
    t.ToolsFeedbackRequest: p.ToolsFeedbackParams,
    t.ExtStoreHeadsRequest: pe.ExtStoreHeadsParams,
    t.ExtStoreSearchRequest: pe.ExtStoreSearchParams,
    t.ExtStoreNamespacesRequest: pe.ExtStoreNamespacesParams,
    t.ExtStoreWatchRequest: pe.ExtStoreWatchParams,
}
PARAM_TO_MODEL = {param: model for model, param in PAIRS.items()}

# Request-side models that are not method arguments: a rule's ``then`` goes into node slots.
NOT_ARGUMENTS = {"PolicyPatch", "ToolPolicyPatch", "OutputPolicyPatch"}

OPTION_KEYS = set(p.RequestOptionsParams.__annotations__)


def _all_request_models() -> set[type[BaseModel]]:
    found: set[type[BaseModel]] = set()
    todo: list[type[BaseModel]] = [RequestModel]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("aionis_sdk.types") and sub.__name__ not in NOT_ARGUMENTS:
                found.add(sub)
    found.discard(StrictRequestModel)
    return found


def _kinds(tp: Any) -> frozenset[Any]:
    """A coarse, comparable description of an annotation (``None`` is one kind)."""
    origin = typing.get_origin(tp)
    if tp is Any:
        return frozenset({"any"})
    if tp is type(None):
        return frozenset({"none"})
    if origin is typing.Annotated:
        return _kinds(typing.get_args(tp)[0])
    if origin in (Union, types.UnionType):
        return frozenset().union(*(_kinds(a) for a in typing.get_args(tp)))
    if origin is Literal:
        return frozenset({("literal", frozenset(typing.get_args(tp)))})
    if origin in (list, Sequence, SequenceNotStr):
        (item,) = typing.get_args(tp)
        return frozenset({("seq", _kinds(item))})
    if origin in (dict, Mapping):
        return frozenset({("map", typing.get_args(tp))})
    if tp in PARAM_TO_MODEL:
        return frozenset({("object", PARAM_TO_MODEL[tp].__name__)})
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return frozenset({("object", tp.__name__)})
    if tp in (str, int, float, bool):
        return frozenset({tp.__name__})
    raise AssertionError(f"unhandled annotation {tp!r}")


def _model_fields(model: type[BaseModel]) -> dict[str, Any]:
    return {(f.alias or name): f for name, f in model.model_fields.items()}


def _param_hints(param: type) -> dict[str, Any]:
    hints = typing_extensions.get_type_hints(param)
    return {k: v for k, v in hints.items() if k not in OPTION_KEYS}


def test_every_request_model_has_a_params_typeddict() -> None:
    missing = {cls.__name__ for cls in _all_request_models()} - {c.__name__ for c in PAIRS}
    assert not missing, f"request models without a TypedDict in aionis_sdk.types.params: {missing}"


@pytest.mark.parametrize("model", list(PAIRS), ids=lambda c: c.__name__)
def test_same_keys(model: type[BaseModel]) -> None:
    assert set(_param_hints(PAIRS[model])) == set(_model_fields(model))


@pytest.mark.parametrize("model", list(PAIRS), ids=lambda c: c.__name__)
def test_same_required_keys(model: type[BaseModel]) -> None:
    required = {key for key, f in _model_fields(model).items() if f.is_required()}
    assert set(PAIRS[model].__required_keys__) == required


@pytest.mark.parametrize("model", list(PAIRS), ids=lambda c: c.__name__)
def test_same_field_types(model: type[BaseModel]) -> None:
    hints = _param_hints(PAIRS[model])
    for key, field in _model_fields(model).items():
        assert _kinds(hints[key]) == _kinds(field.annotation), f"{model.__name__}.{key}"


@pytest.mark.parametrize("model", [m for m in PAIRS if issubclass(m, t.ScopedRequest)])
def test_top_level_params_take_the_call_options(model: type[BaseModel]) -> None:
    assert set(typing_extensions.get_type_hints(PAIRS[model])) >= OPTION_KEYS
    assert not OPTION_KEYS & set(_model_fields(model)), "an option name shadows a field"


def _methods() -> list[tuple[str, Any]]:
    out = []
    for name in resources.__all__:
        cls = getattr(resources, name)
        for meth_name, func in inspect.getmembers(cls, inspect.isfunction):
            if not meth_name.startswith("_"):
                out.append((f"{name}.{meth_name}", func))
    return out


@pytest.mark.parametrize(("name", "func"), _methods(), ids=[n for n, _ in _methods()])
def test_method_overloads_match_their_model(name: str, func: Any) -> None:
    impl = func.__annotations__
    model_name = impl["request"].removesuffix(" | None")
    assert impl["params"] == "Any"
    assert hasattr(t, model_name), name
    by_model, by_keywords = typing_extensions.get_overloads(func)
    assert by_model.__annotations__["request"] == model_name
    assert by_model.__annotations__["options"] == "Unpack[RequestOptionsParams]"
    params_name = PAIRS[getattr(t, model_name)].__name__
    assert by_keywords.__annotations__["params"] == f"Unpack[{params_name}]"
    assert by_model.__annotations__["return"] == by_keywords.__annotations__["return"]
    assert by_model.__annotations__["return"] == impl["return"]
