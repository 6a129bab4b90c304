"""Base behaviour of the SDK models: extras, request ids, strictness, to_body."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

import aionis_sdk.types as t
from aionis_sdk.types import AionisModel, RequestModel


def test_every_exported_name_is_importable() -> None:
    for name in t.__all__:
        assert getattr(t, name) is not None


def _all_models(base: type[Any]) -> list[type[Any]]:
    return [
        obj
        for name in t.__all__
        if isinstance(obj := getattr(t, name), type) and issubclass(obj, base)
    ]


def test_response_models_allow_extra_and_requests_forbid() -> None:
    for model in _all_models(AionisModel):
        assert model.model_config.get("extra") == "allow", model
    for model in _all_models(RequestModel):
        assert model.model_config.get("extra") == "forbid", model


def test_request_id_is_private_and_read_only() -> None:
    body = {"limit": 20, "offset": 0, "returned": 0, "has_more": False}
    assert t.Page.model_validate(body).request_id is None
    page = t.Page.model_validate(body)
    page._set_request_id("rid-1")
    assert page.request_id == "rid-1"
    assert "request_id" not in page.model_dump()
    with pytest.raises(AttributeError):
        setattr(page, "request_id", "x")  # noqa: B010


def test_body_key_named_request_id_does_not_clash() -> None:
    page = t.Page.model_validate(
        {"limit": 1, "offset": 0, "returned": 1, "has_more": True, "request_id": "body"}
    )
    assert page.request_id is None
    assert page.model_extra == {"request_id": "body"}


def test_unknown_keys_are_preserved_in_nested_models() -> None:
    body = {
        "tenant_id": "default",
        "scope": "default",
        "commit_id": "c",
        "commit_uri": "aionis://default/default/commit/c",
        "commit_hash": "h",
        "nodes": [{"id": "n", "uri": "u", "type": "event", "future": {"x": 1}}],
        "edges": [],
        "new_top_level": [1, 2],
    }
    resp = t.WriteResponse.model_validate(body, strict=True)
    assert resp.model_extra == {"new_top_level": [1, 2]}
    assert resp.nodes[0].model_extra == {"future": {"x": 1}}
    assert resp.model_dump(exclude_none=True) == body


def test_strict_mode_accepts_json_ints_for_floats_and_rejects_strings() -> None:
    ranked = t.RankedNode.model_validate({"id": "n", "activation": 1, "score": 0}, strict=True)
    assert ranked.activation == 1.0
    assert isinstance(ranked.activation, float)
    with pytest.raises(ValidationError):
        t.RankedNode.model_validate({"id": "n", "activation": "0.5", "score": 0.1}, strict=True)
    with pytest.raises(ValidationError):
        t.RankedNode.model_validate({"id": "n", "activation": True, "score": 0.1}, strict=True)
    # lax mode still coerces numeric strings
    assert (
        t.RankedNode.model_validate({"id": "n", "activation": "0.5", "score": 1}).activation == 0.5
    )


def test_strict_mode_rejects_wrong_literal_and_int_for_bool() -> None:
    with pytest.raises(ValidationError):
        t.Page.model_validate({"limit": 1, "offset": 0, "returned": 0, "has_more": 0}, strict=True)
    with pytest.raises(ValidationError):
        t.WrittenNode.model_validate({"id": "n", "uri": "u", "type": "bogus"}, strict=True)


def test_numbers_are_not_range_checked_on_responses() -> None:
    seed = t.RecallSeed.model_validate(
        {"id": "n", "similarity": 1.0000000000000002, "salience": 7}, strict=True
    )
    assert seed.similarity is not None
    assert seed.similarity > 1


def test_missing_required_key_fails() -> None:
    with pytest.raises(ValidationError) as err:
        t.Page.model_validate({"limit": 1, "offset": 0, "returned": 0})
    assert err.value.errors()[0]["loc"] == ("has_more",)


def test_requests_reject_unknown_keys() -> None:
    with pytest.raises(ValidationError):
        t.FindRequest.model_validate({"limt": 5})
    with pytest.raises(ValidationError):
        t.FindRequest(limt=5)  # type: ignore[call-arg]


def test_to_body_omits_none_but_keeps_nulls_inside_open_objects() -> None:
    req = t.FindRequest(
        slots_contains={"a": None, "b": [None, 1]}, limit=5, consumer_agent_id="agent-1"
    )
    assert req.to_body() == {
        "slots_contains": {"a": None, "b": [None, 1]},
        "limit": 5,
        "consumer_agent_id": "agent-1",
    }
    assert t.FindRequest().to_body() == {}


def test_model_version_field_does_not_warn() -> None:
    # protected_namespaces=() : `model_version` is a wire field, not a pydantic name
    req = t.WriteRequest(input_text="x", model_version="m1")
    assert req.to_body()["model_version"] == "m1"


def test_tenant_and_scope_validation() -> None:
    assert t.FindRequest(tenant_id="acme", scope="proj").to_body() == {
        "tenant_id": "acme",
        "scope": "proj",
    }
    for bad in (
        {"tenant_id": "-bad"},
        {"tenant_id": "a" * 65},
        {"scope": "tenant:x"},
        {"scope": " "},
    ):
        with pytest.raises(ValidationError):
            t.FindRequest.model_validate(bad)


def test_to_query_renders_scalars_as_text() -> None:
    req = t.ListSessionsRequest(include_meta=False, limit=10, consumer_agent_id="a")
    assert req.to_query() == {"include_meta": "false", "limit": "10", "consumer_agent_id": "a"}


def test_strict_json_mode_as_the_client_parses_responses() -> None:
    ranked = t.RankedNode.model_validate_json(
        '{"id":"n","activation":1,"score":0,"x":null}', strict=True
    )
    assert ranked.activation == 1.0
    assert ranked.model_extra == {"x": None}
    with pytest.raises(ValidationError):
        t.RankedNode.model_validate_json('{"id":"n","activation":"0.5","score":0}', strict=True)
    health = t.HealthResponse.model_validate_json('{"ok":1,"embedding":{"dim":"x"}}', strict=True)
    assert health.ok is None
    assert health.embedding_dim == 1536
