"""The VS Code extension's contributed settings must match the server's settings model.

VS Code only shows, validates and sends the settings that package.json declares, so a
setting added to `se_lsp/core/settings.py` alone is unreachable from VS Code, and one added to
package.json alone is rejected by the server (extra keys are forbidden). Names, types,
defaults, enums and bounds are compared here so the two cannot drift apart.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from se_lsp.core.settings import EditorSettings

PACKAGE_JSON = Path(__file__).resolve().parents[1] / "editors" / "vscode" / "package.json"
PREFIX = "seLsp."
# Read by the extension only; stripped before the settings reach the server.
CLIENT_ONLY = {"server.path", "server.args", "trace.server"}
# Settings a workspace must not choose in restricted mode (where code goes, what runs).
MUST_BE_RESTRICTED = {
    "agent.baseUrl",
    "agent.model",
    "agent.apiKeyEnv",
    "agent.localOnly",
    "server.path",
}
BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def _package() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))
    return data


def _contributed() -> dict[str, dict[str, Any]]:
    props: dict[str, dict[str, Any]] = _package()["contributes"]["configuration"]["properties"]
    assert all(k.startswith(PREFIX) for k in props), [k for k in props if not k.startswith(PREFIX)]
    return {k.removeprefix(PREFIX): v for k, v in props.items()}


def _deref(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    target: dict[str, Any] = defs[ref.rsplit("/", 1)[-1]]
    return target


def _leaves(schema: dict[str, Any], defs: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested settings models to dotted names, as VS Code's settings are named."""
    out: dict[str, Any] = {}
    for name, prop in schema["properties"].items():
        prop = _deref(prop, defs)
        if prop.get("type") == "object" and "properties" in prop:
            out.update(_leaves(prop, defs, f"{prefix}{name}."))
        else:
            out[f"{prefix}{name}"] = prop
    return out


def _server_settings() -> dict[str, dict[str, Any]]:
    schema = EditorSettings.model_json_schema(by_alias=True)
    return _leaves(schema, schema.get("$defs", {}))


def _server_defaults() -> dict[str, Any]:
    """Defaults from a default instance: default_factory values are not in the schema."""

    def flat(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in d.items():
            if isinstance(v, dict) and f"{prefix}{k}" not in _server_settings():
                out.update(flat(v, f"{prefix}{k}."))
            else:
                out[f"{prefix}{k}"] = v
        return out

    return flat(EditorSettings().model_dump(by_alias=True, mode="json"))


def _shape(schema: dict[str, Any]) -> dict[str, Any]:
    """What matters of one setting's schema: types, enum, bounds, element and value shapes."""
    branches = schema.get("anyOf", [schema])
    types: set[str] = set()
    enum: set[Any] = set()
    bounds: dict[str, Any] = {}
    for b in branches:
        t = b.get("type")
        if isinstance(t, list):
            types.update(t)
        elif t is not None:
            types.add(t)
        enum.update(b.get("enum", []))
        bounds.update({k: b[k] for k in BOUNDS if k in b})
    bounds.update({k: schema[k] for k in BOUNDS if k in schema})
    shape: dict[str, Any] = {
        "types": sorted(types),
        "enum": sorted(enum, key=str),
        "bounds": {k: float(v) for k, v in bounds.items()},
    }
    if isinstance(schema.get("items"), dict):
        shape["items"] = _shape(schema["items"])
    if isinstance(schema.get("additionalProperties"), dict):
        shape["values"] = _shape(schema["additionalProperties"])
    return shape


def test_same_setting_names_on_both_sides() -> None:
    contributed = set(_contributed())
    server = set(_server_settings())
    assert server, "no settings found in the server model"
    assert contributed - CLIENT_ONLY - server == set(), "in package.json only"
    assert server - contributed == set(), "in se_lsp/core/settings.py only"
    assert CLIENT_ONLY <= contributed


@pytest.mark.parametrize("name", sorted(_server_settings()))
def test_types_enums_and_bounds_match(name: str) -> None:
    contributed = _contributed()
    assert name in contributed, f"seLsp.{name} is missing from package.json"
    assert _shape(contributed[name]) == _shape(_server_settings()[name])


@pytest.mark.parametrize("name", sorted(_server_settings()))
def test_defaults_match(name: str) -> None:
    contributed = _contributed()
    assert name in contributed, f"seLsp.{name} is missing from package.json"
    assert "default" in contributed[name], f"seLsp.{name} has no default in package.json"
    assert contributed[name]["default"] == _server_defaults()[name]


def test_every_setting_is_described() -> None:
    for name, prop in _contributed().items():
        text = prop.get("markdownDescription") or prop.get("description") or ""
        assert len(text) > 15, f"seLsp.{name} needs a description"


def test_restricted_mode_covers_endpoint_model_key_and_server() -> None:
    trust = _package()["capabilities"]["untrustedWorkspaces"]
    assert trust["supported"] == "limited"
    restricted = {k.removeprefix(PREFIX) for k in trust["restrictedConfigurations"]}
    assert restricted <= set(_contributed()), "restricted settings that do not exist"
    assert restricted >= MUST_BE_RESTRICTED


def test_shape_sees_a_difference() -> None:
    """The comparison itself must notice a changed type, enum, bound or element type."""
    base = {"type": "integer", "minimum": 1}
    assert _shape(base) != _shape({"type": "number", "minimum": 1})
    assert _shape(base) != _shape({"type": "integer", "minimum": 2})
    assert _shape({"type": "string", "enum": ["a"]}) != _shape({"type": "string", "enum": ["b"]})
    assert _shape({"type": "array", "items": {"type": "string"}}) != _shape(
        {"type": "array", "items": {"type": "integer"}}
    )
    nullable = {"anyOf": [{"type": "string"}, {"type": "null"}]}
    assert _shape(nullable) == _shape({"type": ["string", "null"]})
