"""Asking the agent for a benchmark pair: what is sent, and reading the pair back."""

from __future__ import annotations

import json

import pytest

from se_lsp.measure.request import build_request, parse_pair


def test_secrets_are_redacted_before_the_request_is_built() -> None:
    before = 'let token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";\nlet v = Vec::new();'
    user, redacted = build_request("rust", before, "let v = Vec::with_capacity(n);", "Reserve")
    assert redacted == 1
    assert "ghp_abcdefghijklmnopqrstuvwxyz0123456789" not in user
    assert "Vec::with_capacity(n)" in user and "Language: Rust" in user
    assert "ns/op" in user and "black_box" in user  # the harness contract for Rust


@pytest.mark.parametrize(
    "reply",
    [
        '{"before": "a", "after": "b", "description": "d"}',
        'Here it is:\n```json\n{"before": "a", "after": "b", "description": "d"}\n```\n',
        '{"note": "x"} then {"before": "a", "after": "b"}',
        '<think>{"before": 1}</think>{"before": "a", "after": "b", "description": "d"}',
    ],
)
def test_the_pair_is_read_from_what_models_write(reply: str) -> None:
    pair = parse_pair(reply, "go")
    assert (pair.language, pair.before, pair.after) == ("go", "a", "b")


@pytest.mark.parametrize(
    "reply",
    ["", "no json here", '{"findings": []}', '{"before": "", "after": "b"}', '{"before": "a"'],
)
def test_a_reply_without_a_pair_is_an_error(reply: str) -> None:
    with pytest.raises(ValueError, match="no benchmark pair"):
        parse_pair(reply, "rust")


def test_the_language_is_ours_not_the_model_s() -> None:
    pair = parse_pair(json.dumps({"before": "a", "after": "b", "language": "python"}), "cpp")
    assert pair.language == "cpp"
