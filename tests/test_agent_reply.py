"""Reply parsing and validation: tolerant JSON, streaming extraction, repair or drop."""

from __future__ import annotations

import json

import pytest

from se_lsp.agent.prompt import build_prompt
from se_lsp.agent.reply import (
    ReplyFinding,
    StreamParser,
    clean_text,
    parse_reply,
    response_schema,
    to_finding,
)
from se_lsp.core.positions import Pos, Span

RUST = (
    "// 😀 ünï\n"
    "fn total(xs: &[u64]) -> Vec<u64> {\n"
    "    let mut v = Vec::new();\n"
    "    for x in xs {\n"
    "        v.push(*x);\n"
    "    }\n"
    "    v\n"
    "}\n"
)
PROMPT = build_prompt(RUST, "rust", Span(Pos(2, 0), Pos(6, 5)))


def item(**kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "line_start": 3,
        "line_end": 3,
        "anchor": "let mut v = Vec::new();",
        "severity": "warning",
        "category": "allocation",
        "title": "Reserve capacity",
        "explanation": "grows",
        "replacement": "    let mut v = Vec::with_capacity(xs.len());",
        "impact": "fewer reallocations",
        "measure": "cargo bench",
        "confidence": 0.8,
    }
    base.update(kw)
    return base


def check(**kw: object):  # type: ignore[no-untyped-def]
    return to_finding(ReplyFinding.model_validate(item(**kw)), PROMPT, RUST, source="se")


def test_parse_plain_fenced_and_prose() -> None:
    body = json.dumps({"summary": "s", "findings": [item()]})
    for text in (body, f"```json\n{body}\n```", f"Here you go:\n{body}\nHope it helps {{:)}}"):
        reply = parse_reply(text)
        assert reply.summary == "s" and reply.findings[0].line_start == 3


def test_parse_rejects_non_json_and_hostile_nesting() -> None:
    with pytest.raises(ValueError):
        parse_reply("I cannot help with that.")
    with pytest.raises(ValueError):
        parse_reply('{"findings": ' + "[" * 100_000)


def test_malformed_finding_is_skipped_not_fatal() -> None:
    reply = parse_reply(json.dumps({"findings": [{"title": "no line"}, item()]}))
    assert len(reply.findings) == 1


def test_stream_emits_each_finding_once_when_complete() -> None:
    body = json.dumps({"summary": 's {with} "braces"', "findings": [item(), item(line_start=5)]})
    parser = StreamParser()
    seen: list[int] = []
    cut_first = body.index("}", body.index('"findings"')) + 1
    for i, ch in enumerate(body):
        got = parser.feed(ch)
        seen.extend(f.line_start for f in got)
        if i + 1 == cut_first:
            assert seen == [3], "first finding must come out as soon as its object closes"
    assert seen == [3, 5]
    assert parser.finish().summary == 's {with} "braces"'


def test_stream_with_prose_and_fence_before() -> None:
    parser = StreamParser()
    text = "Sure.\n```json\n" + json.dumps({"findings": [item()]}) + "\n```\n"
    out = [
        f for chunk in [text[i : i + 7] for i in range(0, len(text), 7)] for f in parser.feed(chunk)
    ]
    assert len(out) == 1


def test_valid_finding_maps_to_document_lines() -> None:
    res = check()
    f = res.finding
    assert f is not None and not res.repaired
    assert f.span.start == Pos(2, 4) and f.span.end.line == 2
    assert f.code == "agent/allocation" and f.source == "se"
    assert f.anchor == "    let mut v = Vec::new();"
    assert f.fix is not None and f.fix.span.start == Pos(2, 0)
    assert f.fix.new_text == "    let mut v = Vec::with_capacity(xs.len());"


def test_wrong_line_number_repaired_by_anchor() -> None:
    res = check(line_start=5, line_end=5)  # off by two; anchor is on line 3
    assert res.finding is not None and res.repaired
    assert res.finding.span.start.line == 2


def test_lines_outside_snippet_without_anchor_dropped() -> None:
    assert check(line_start=1, anchor="").finding is None
    assert check(line_start=40, anchor="").finding is None


def test_anchor_not_found_anywhere_near_is_dropped() -> None:
    res = check(anchor="let y = compute_something_else();")
    assert res.finding is None and "anchor" in res.reason


def test_line_end_clamped_to_snippet() -> None:
    f = check(line_end=99, replacement=None).finding
    assert f is not None and f.span.end.line == 6


def test_replacement_that_does_not_parse_is_dropped_finding_kept() -> None:
    f = check(replacement="    let mut v = Vec::with_capacity(;").finding
    assert f is not None and f.fix is None


def test_replacement_with_placeholder_is_dropped() -> None:
    f = check(replacement='    let k = "<REDACTED:openai-key#1>";').finding
    assert f is not None and f.fix is None


def test_unknown_severity_category_and_confidence_are_coerced() -> None:
    f = check(severity="catastrophic", category="vibes", confidence=7).finding
    assert f is not None
    assert (f.severity.value, f.category, f.confidence) == ("warning", "other", 1.0)


def test_text_is_sanitised() -> None:
    dirty = (
        "\x1b[31mred\x1b[0m a\u202eb\u200bc ![x](http://evil/?q=code) "
        "[docs](https://evil.example/?d=1) <img src=x> <script>1</script> `Vec<u8>`"
        " key sk-proj-abcdefghijklmnopqrstuvwxyz0123"
    )
    out = clean_text(dirty, 4000)
    for bad in ("\x1b", "\u202e", "\u200b", "http://evil", "https://evil", "<img", "<script"):
        assert bad not in out
    assert "`Vec<u8>`" in out and "docs" in out and "sk-proj-abc" not in out
    assert len(clean_text("x" * 10_000, 100)) == 100


def test_schema_is_flat_and_lists_every_field() -> None:
    schema = response_schema()
    items = schema["properties"]["findings"]["items"]
    assert "$ref" not in json.dumps(schema)
    assert set(items["required"]) == set(ReplyFinding.model_fields)


def test_stream_ignores_braces_after_the_object() -> None:
    parser = StreamParser()
    parser.feed(json.dumps({"findings": [item()]}))
    assert parser.feed(' and {"findings": [{"x": 1}, {"y": 2}]}') == []
