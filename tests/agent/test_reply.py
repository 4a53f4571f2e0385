"""Finding the reply object in what models write: reasoning, prose, fences, loose values."""

from __future__ import annotations

import json

import pytest

from se_lsp.agent.reply import (
    ReasoningFilter,
    ReplyFinding,
    ReplyShapeError,
    StreamParser,
    normal_category,
    normal_severity,
    parse_reply,
    read_finding,
    response_schema,
    strip_reasoning,
)


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


BODY = json.dumps({"summary": "s", "findings": [item()]})
# What a reasoning model writes before answering: code with braces, even a draft object.
THINK = (
    '<think>\nThe loop `for x in xs { v.push(*x); }` grows v. Maybe {"findings": []}? '
    "No: fn f() { let m = HashMap::new(); } is fine.\n</think>\n\n"
)


def stream(text: str, size: int) -> tuple[list[object], StreamParser]:
    parser = StreamParser()
    out: list[object] = []
    for i in range(0, len(text), size):
        out += parser.feed(text[i : i + size])
    return out, parser


def test_plain_fenced_and_prose_replies_parse() -> None:
    for text in (BODY, f"```json\n{BODY}\n```", f"Here you go:\n{BODY}\nHope it helps {{:)}}"):
        reply = parse_reply(text)
        assert reply.summary == "s" and reply.items[0]["line_start"] == 3


def test_braces_in_a_think_block_never_start_the_reply() -> None:
    reply = parse_reply(THINK + BODY)
    assert reply.items == [item()]
    for tag in ("thinking", "reasoning", "THINK"):
        text = THINK.replace("think>", f"{tag}>") + BODY
        assert parse_reply(text).items == [item()], tag


def test_prose_with_code_fences_then_a_json_fence() -> None:
    text = (
        "The hot spot is the loop:\n```rust\nfor x in xs {\n    v.push(*x);\n}\n```\n"
        'A map like `{"a": 1}` would not help.\n\n```json\n' + BODY + "\n```\n"
    )
    assert parse_reply(text).items == [item()]


def test_a_fenced_json_block_wins_over_an_object_in_prose() -> None:
    other = json.dumps({"summary": "draft", "findings": []})
    text = f"Draft: {other}\n\nFinal:\n```JSON\n{BODY}\n```"
    assert parse_reply(text).summary == "s"


def test_orphan_closing_tag_means_everything_before_was_reasoning() -> None:
    text = 'so {"findings": [{"line_start": 9, "title": "draft"}]} maybe\n</think>\n' + BODY
    assert parse_reply(text).items == [item()]


def test_replies_without_the_object_say_what_was_there() -> None:
    with pytest.raises(ReplyShapeError, match="no JSON object"):
        parse_reply("I cannot find anything wrong with this code.")
    with pytest.raises(ReplyShapeError, match=r"no 'findings' list.*issues"):
        parse_reply('{"summary": "x", "issues": [{"line": 3}]}')
    with pytest.raises(ReplyShapeError, match="only reasoning"):
        parse_reply("<think>\nlet me look at { this }\n")
    with pytest.raises(ReplyShapeError, match="empty"):
        parse_reply("  ")
    with pytest.raises(ReplyShapeError):
        parse_reply('{"findings": ' + "[" * 100_000)


def test_findings_as_one_object_or_null_are_read() -> None:
    assert parse_reply(json.dumps({"findings": item()})).items == [item()]
    assert parse_reply('{"summary": "none", "findings": null}').items == []
    with pytest.raises(ReplyShapeError, match="str"):
        parse_reply('{"findings": "none"}')


def test_stream_emits_each_finding_once_when_complete() -> None:
    body = json.dumps({"summary": 's {with} "braces"', "findings": [item(), item(line_start=5)]})
    parser = StreamParser()
    seen: list[int] = []
    cut_first = body.index("}", body.index('"findings"')) + 1
    for i, ch in enumerate(body):
        seen.extend(f["line_start"] for f in parser.feed(ch))  # type: ignore[index]
        if i + 1 == cut_first:
            assert seen == [3], "the first finding comes out as soon as its object closes"
    assert seen == [3, 5]


@pytest.mark.parametrize("size", [1, 3, 7, 64])
def test_stream_skips_think_blocks_split_anywhere(size: int) -> None:
    decoy = json.dumps({"summary": "", "findings": [item(title="decoy")]})
    text = f"<think>{decoy}</think>\n```json\n{BODY}\n```"
    out, parser = stream(text, size)
    assert out == [item()]
    assert not parser.thinking


def test_stream_counts_only_the_findings_array() -> None:
    body = json.dumps({"notes": [{"a": 1}, {"b": 2}], "findings": [item()], "summary": ""})
    out, _ = stream(body, 5)
    assert out == [item()]


def test_stream_ignores_braces_after_the_object() -> None:
    parser = StreamParser()
    parser.feed(json.dumps({"findings": [item()]}))
    assert parser.feed(' and {"findings": [{"x": 1}, {"y": 2}]}') == []


def test_reasoning_filter_keeps_lone_angle_brackets_and_reports_thinking() -> None:
    f = ReasoningFilter()
    assert f.feed("a < b and Vec<u8> <thi") == "a < b and Vec<u8> "
    assert f.feed("nk>hidden") == "" and f.thinking
    assert f.feed("</th") == "" and f.thinking
    assert f.feed("ink>shown") == "shown" and not f.thinking
    assert f.feed(" x <th") == " x "
    assert f.flush() == "<th"
    assert strip_reasoning("1 <thinking>2</thinking> 3 <reasoning>4") == "1  3 "


def test_loose_values_are_read() -> None:
    raw = ReplyFinding.model_validate(
        {
            "line": "L42",
            "end_line": "44",
            "message": "Hoist the regex",
            "description": ["line one", "line two"],
            "severity": "Critical",
            "category": "memory allocation",
            "confidence": "high",
            "fix": {"code": "let re = Regex::new(p)?;", "description": "hoist"},
            "measure": None,
        }
    )
    assert (raw.line_start, raw.line_end, raw.title) == (42, 44, "Hoist the regex")
    assert raw.explanation == "line one\nline two"
    assert (raw.severity, raw.category, raw.confidence) == ("error", "allocation", 0.8)
    assert raw.replacement == "let re = Regex::new(p)?;" and raw.measure == ""
    pct = ReplyFinding.model_validate({"line_start": "7", "title": "t", "confidence": "85%"})
    assert pct.line_start == 7 and pct.confidence == pytest.approx(0.85)


@pytest.mark.parametrize(
    ("word", "severity"),
    [
        ("major", "warning"),
        ("low", "info"),
        ("nit", "hint"),
        ("blocker", "error"),
        ("?", "warning"),
    ],
)
def test_severity_words_map_to_the_nearest(word: str, severity: str) -> None:
    assert normal_severity(word) == severity


@pytest.mark.parametrize(
    ("word", "category"),
    [
        ("Heap allocation", "allocation"),
        ("lock contention", "concurrency"),
        ("false sharing", "cache"),
        ("vectorization", "simd"),
        ("Algorithmic complexity", "algorithm"),
        ("syscalls", "io"),
        ("branch misprediction", "branching"),
        ("clone", "copy"),
        ("readability", "other"),
    ],
)
def test_categories_map_to_the_nearest(word: str, category: str) -> None:
    assert normal_category(word) == category


def test_unreadable_entries_get_a_reason() -> None:
    assert read_finding("line 3 is slow") == "not an object"
    assert read_finding({"title": "no line"}) == "no line number"
    assert read_finding({"line_start": 3}) == "no title"
    assert read_finding({"line_start": "three", "title": "t"}) == "no line number"
    assert isinstance(read_finding(item()), ReplyFinding)


def test_schema_is_flat_and_lists_every_field() -> None:
    schema = response_schema()
    items = schema["properties"]["findings"]["items"]
    assert "$ref" not in json.dumps(schema)
    assert set(items["required"]) == set(ReplyFinding.model_fields)


def test_garbled_and_tangled_replies_are_refused_with_a_reason() -> None:
    body = json.dumps({"summary": "", "findings": [item()]})
    with pytest.raises(ReplyShapeError, match="garbled"):
        parse_reply('{"a' * 10_000 + body)
    with pytest.raises(ReplyShapeError, match="tangled"):
        parse_reply(('{"a": [' + "1," * 200) * 100 + body)
    out, _ = stream('{"a' * 10_000 + body, 16)
    assert out == [], "the streaming scanner never takes a fragment for the reply"


def test_an_object_split_anywhere_across_chunks_streams_the_same() -> None:
    text = 'Intro {"x": 1} then\n```json\n' + json.dumps({"findings": [item(), item()]}) + "\n```"
    for size in (1, 2, 5, 13, 64, len(text)):
        out, _ = stream(text, size)
        assert out == [item(), item()], size
