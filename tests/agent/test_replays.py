"""Replies as real servers stream them, through the real server over stdio.

Every case plays one documented stream shape (tests/agent/replays.py) from the loopback
model and runs the Optimize command of a real se-lsp process. Each ends either with
the findings on the lines their anchors name, or with one clear message that names the
model; none ends in a silent "0 findings". What the user sees (the progress end, the
message, the diagnostics) is printed per case: `pytest -s tests/agent/test_replays.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from se_lsp.agent.prompt import CONTRACT_HEADING
from tests.agent.lspkit import (
    FIRST,
    SECOND,
    agent_diags,
    optimize,
    progress_messages,
    reply,
    start,
)
from tests.agent.replays import REFUSALS, SHAPES
from tests.fakemodel import FakeModel, Script

SECOND_RIGHT = {**SECOND, "line_start": 5, "line_end": 5}
PLAIN = reply(FIRST, SECOND_RIGHT, summary="The loop is the hot spot.")
# A reasoning model quoting code with braces, and drafting an object, before its answer.
REASONING = (
    "The selection: `for x in xs { v.push(*x); }`. A draft: "
    '{"summary": "", "findings": [{"line_start": 1, "title": "DRAFT"}]} - no, '
    "check the numbers. fn f() { } is unrelated."
)
PROSE_AND_FENCES = (
    "Two things stand out.\n\nThe vector grows inside the loop:\n```rust\n"
    "for x in xs {\n    v.push(*x);\n}\n```\nA `HashMap<u64, {}>` would not help here.\n\n"
    "```json\n" + PLAIN + "\n```\nMeasure before and after."
)
WORDS = reply(
    {**FIRST, "confidence": "high", "severity": "major", "category": "Heap allocation"},
    {**SECOND_RIGHT, "confidence": "Medium", "severity": "nit", "category": "copies"},
)
# Numbers counted from 1 at the top of the selection (it starts at the file's line 3).
RELATIVE = reply(
    {**FIRST, "line_start": 1, "line_end": 1},
    {**SECOND_RIGHT, "line_start": 3, "line_end": 3},
)
ONE_DROPPED = reply(FIRST, SECOND_RIGHT, {**FIRST, "anchor": "fn elsewhere() {}", "title": "x"})
PROSE_ONLY = "The code looks fine to me; I would not change anything here."
WRONG_OBJECT = '{"summary": "fine", "issues": [{"line": 3, "text": "grows"}]}'


@dataclass
class Case:
    name: str
    shape: str
    answer: str
    reasoning: str = ""
    lines: list[int] = field(default_factory=lambda: [2, 4])  # 0-based lines of findings
    error: tuple[str, ...] = ()  # words of the one error message
    ends: str = "2 findings"  # the progress end message starts with this


CASES = [
    Case("openai-plain-json", "openai", PLAIN),
    Case("azure-annotations-and-fenced-json", "azure-openai", f"```json\n{PLAIN}\n```"),
    Case("ollama-think-tags-with-braces", "ollama-think-tags", PLAIN, REASONING),
    Case("ollama-reasoning-field", "ollama-reasoning-field", PROSE_AND_FENCES, REASONING),
    Case("llama.cpp-none-think-in-content", "llama.cpp-reasoning-none", PLAIN, REASONING),
    Case("llama.cpp-deepseek-confidence-words", "llama.cpp-reasoning-deepseek", WORDS, REASONING),
    Case("llama.cpp-legacy-both", "llama.cpp-reasoning-legacy", PLAIN, REASONING),
    Case("vllm-prose-and-code-fences", "vllm-reasoning", PROSE_AND_FENCES, REASONING),
    Case("vllm-old-selection-relative-lines", "vllm-reasoning_content", RELATIVE, REASONING),
    Case("deepseek-reasoner-relative-lines", "deepseek-reasoner", RELATIVE, REASONING),
    Case("lm-studio-confidence-words", "lm-studio", WORDS),
    Case(
        "lm-studio-one-finding-dropped",
        "lm-studio",
        ONE_DROPPED,
        ends="2 findings, 1 dropped (1 anchor not in the selection)",
    ),
    Case(
        "litellm-prose-no-object",
        "litellm-proxy",
        PROSE_ONLY,
        lines=[],
        error=("'fake'", "no JSON object", 'It began: "The code looks fine'),
        ends="0 findings; failed",
    ),
    Case(
        "litellm-object-without-findings",
        "litellm-proxy",
        WRONG_OBJECT,
        lines=[],
        error=("'fake'", "no 'findings' list", "issues"),
        ends="0 findings; failed",
    ),
    Case(
        "ollama-only-thinking",
        "ollama-think-tags",
        "",
        REASONING,
        lines=[],
        error=("'fake'", "only reasoning"),
        ends="0 findings; failed",
    ),
]


def _seen(name: str, client: LanguageClient, ends: str) -> None:
    diags = sorted(d.range.start.line + 1 for d in agent_diags(client))
    errors = [m.message for m in client.messages if m.type == types.MessageType.Error]
    what = f"progress ends '{ends}'; diagnostics on lines {diags}"
    if errors:
        what += f"; message: {errors[0]}"
    print(f"\n- {name}: {what}")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_each_real_server_shape_ends_in_findings_or_one_clear_message(
    client: LanguageClient, fake: FakeModel, case: Case
) -> None:
    await start(client, fake, cache=False)
    fake.push(Script(chunks=SHAPES[case.shape](case.answer, case.reasoning, size=9)))
    result = await optimize(client, token="tok")
    messages = progress_messages(client, "tok")
    ends = messages[-1]
    _seen(case.name, client, ends)
    assert type(client.progress_reports["tok"][-1]).__name__ == "WorkDoneProgressEnd"
    assert ends.startswith(case.ends), messages
    assert sorted(d.range.start.line for d in agent_diags(client)) == case.lines
    assert all("DRAFT" not in d.message for d in agent_diags(client)), "reasoning is no answer"
    errors = [m.message for m in client.messages if m.type == types.MessageType.Error]
    if case.error:
        assert "error" in result and len(errors) == 1, (result, errors)
        for word in case.error:
            assert word in errors[0], errors[0]
        assert fake.base_url in errors[0]
    else:
        assert "error" not in result and errors == [], (result, errors)
        assert result["findings"] == len(case.lines)
        assert result["message"] == ends
    if case.reasoning and case.shape not in ("openai", "azure-openai"):
        assert "thinking…" in messages, messages  # reasoning shows as progress
    # The contract reached the model after the persona, whatever the server.
    system = fake.requests[0].body["messages"][0]["content"]
    assert system.startswith("You are a systems engineer") and CONTRACT_HEADING in system


async def test_confidence_words_and_loose_names_reach_the_editor(
    client: LanguageClient, fake: FakeModel
) -> None:
    await start(client, fake, cache=False)
    fake.push(Script(chunks=SHAPES["lm-studio"](WORDS, size=9)))
    await optimize(client)
    diags = sorted(agent_diags(client), key=lambda d: d.range.start.line)
    assert [d.code for d in diags] == ["agent/allocation", "agent/copy"]
    assert [d.severity for d in diags] == [
        types.DiagnosticSeverity.Warning,
        types.DiagnosticSeverity.Hint,
    ]
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(diags[0].data["uri"]), diags[0].range.start)
    )
    assert hover is not None and "confidence 80%" in hover.contents.value  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("body", "refused"),
    [
        ("openai-param", ("json_schema",)),
        ("llama.cpp", ("json_schema", "json_object")),
        ("lm-studio", ("json_schema", "json_object")),
    ],
)
async def test_an_endpoint_refusing_response_format_still_gets_the_contract(
    client: LanguageClient, fake: FakeModel, body: str, refused: tuple[str, ...]
) -> None:
    """HTTP 400 at each format level: the next request still carries the contract."""
    await start(client, fake, cache=False)
    fake.push(
        Script(
            chunks=SHAPES["llama.cpp-reasoning-none"](PLAIN, REASONING),
            reject_formats=refused,
            reject_body=REFUSALS[body],
        ),
        Script(chunks=SHAPES["llama.cpp-reasoning-none"](PLAIN)),
    )
    first = await optimize(client)
    assert first["findings"] == 2, first
    assert [r.response_format for r in fake.rejected] == list(refused)
    for request in [*fake.rejected, *fake.requests]:
        assert CONTRACT_HEADING in request.body["messages"][0]["content"]
    # The endpoint's answer is remembered: the next run goes straight to what worked.
    again = await optimize(client, force=True)
    assert again["findings"] == 2 and len(fake.rejected) == len(refused)
    expected = "json_object" if refused == ("json_schema",) else None
    assert [r.response_format for r in fake.requests] == [expected, expected]
    _seen(f"refuses-{'+'.join(refused)}-{body}", client, again["message"])
