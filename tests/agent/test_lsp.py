"""The agent end to end: a real language server process, a real HTTP model server on 127.0.0.1.

Action offered → command → progress → diagnostics on the right lines (the flagged line
holds non-ASCII text, so a wrong encoding shows) → hover → "Apply" quick fix → a
repeat served from the cache with no second request reaching the model server.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from pytest_lsp import LanguageClient

from se_lsp.agent.validate import OUTSIDE
from se_lsp.core.positions import col_to_units
from tests.agent.lspkit import (
    FIRST,
    RUST,
    SECOND,
    SELECTION,
    URI,
    agent_diags,
    apply_edits,
    as_action,
    optimize,
    range_json,
    start,
)
from tests.fakemodel import FakeModel, Script, estimate_tokens

THIRD = {**FIRST, "line_start": 40, "line_end": 40, "anchor": "", "title": "nowhere"}
SUMMARY = "The loop is the hot spot."
REPLY = json.dumps({"findings": [FIRST, SECOND, THIRD], "summary": SUMMARY}, ensure_ascii=False)
CLIENTS = {"visual-studio-code": "utf-16", "neovim@v0.11.0": "utf-8"}


@pytest.mark.parametrize("caps", list(CLIENTS))
async def test_select_optimize_hover_apply_and_cache(
    client: LanguageClient, fake: FakeModel, caps: str
) -> None:
    encoding = await start(client, fake, caps)
    assert encoding == CLIENTS[caps]
    first_done = REPLY.index("}", REPLY.index('"confidence"')) + 1
    fake.push(Script(content=REPLY, chunk=24, pause_at=first_done, pause=0.8))

    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(URI), SELECTION, types.CodeActionContext(diagnostics=[])
        )
    )
    optimize_action = next(a for a in map(as_action, actions or []) if a.get("command"))
    assert optimize_action["title"] == "Optimize selection with systems-engineer"
    assert optimize_action["kind"] == types.CodeActionKind.RefactorRewrite
    assert optimize_action["command"]["command"] == "se-lsp.optimize"

    # Run the command; watch for the first agent diagnostic while the model is paused.
    task = asyncio.create_task(optimize(client, token="tok-1"))
    arrived = None
    while arrived is None:
        await asyncio.wait_for(
            client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 10
        )
        if agent_diags(client):
            arrived = time.perf_counter()
    assert not task.done(), "the first finding is published while the stream is still going"
    latency = arrived - fake.sent_at[first_done]
    print(f"\n[{caps}] first complete finding -> diagnostic at the client: {latency * 1000:.1f} ms")
    result = await asyncio.wait_for(task, 10)
    assert result["findings"] == 2 and result["cached"] is False
    said = "2 findings, 1 dropped (1 line outside the selection)"  # THIRD is on line 40
    assert result["message"] == said and result["droppedReasons"] == {OUTSIDE: 1}
    assert client.progress_reports["tok-1"][-1].message == said  # type: ignore[union-attr]

    kinds = [type(v).__name__ for v in client.progress_reports["tok-1"]]
    assert kinds[0] == "WorkDoneProgressBegin" and kinds[-1] == "WorkDoneProgressEnd"
    assert "WorkDoneProgressReport" in kinds

    diags = sorted(agent_diags(client), key=lambda d: d.range.start.line)
    assert [d.range.start.line for d in diags] == [2, 4]
    line2 = RUST.splitlines()[2]
    assert diags[0].range.start.character == 4
    assert diags[0].range.end.character == col_to_units(line2, len(line2), encoding)
    assert diags[0].code == "agent/allocation"
    assert diags[0].message == FIRST["title"]

    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(URI), types.Position(2, 10))
    )
    assert hover is not None
    md = hover.contents.value  # type: ignore[union-attr]
    for part in ("Each growth reallocates", "**Impact:**", "cargo bench", "80%", "```rust"):
        assert part in md
    assert "Vec::with_capacity(xs.len())" in md
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(URI), types.Position(6, 4))
    )
    assert hover is not None and SUMMARY in hover.contents.value  # type: ignore[union-attr]

    # Repeat: served from the cache, the model server sees no second request.
    again = await optimize(client)
    assert again["cached"] is True and again["findings"] == 2
    assert len(fake.requests) == 1

    # The "Apply" quick fix, resolved lazily, rewrites exactly the flagged line.
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(URI),
            diags[0].range,
            types.CodeActionContext(diagnostics=[diags[0]]),
        )
    )
    apply = next(
        a
        for a in actions or []
        if isinstance(a, types.CodeAction) and a.title == f"Apply: {FIRST['title']}"
    )
    titles = [as_action(a)["title"] for a in actions or []]
    assert any(t.startswith("Dismiss") for t in titles) and any(
        t.startswith("Re-run") for t in titles
    )
    if apply.edit is None:
        apply = await client.code_action_resolve_async(apply)
    assert apply.edit is not None
    if apply.edit.document_changes:
        edits = list(apply.edit.document_changes[0].edits)  # type: ignore[union-attr]
    else:
        edits = list((apply.edit.changes or {})[URI])
    new_text = apply_edits(RUST, edits, encoding)
    assert new_text == RUST.replace("Vec::new()", "Vec::with_capacity(xs.len())")

    stats = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="se-lsp.showStats")
    )
    assert "1 model requests, 1 cache hits" in stats
    assert "4 findings, 2 dropped (2 line outside the selection) in all" in stats
    assert "last review: 2 findings, 1 dropped (1 line outside the selection) (cached)" in stats
    system = fake.requests[0].body["messages"][0]["content"]
    print(
        f"system prompt: {len(system)} chars, "
        f"about {estimate_tokens(system)} tokens (estimate: 4 chars/token)"
    )


async def test_fenced_reply_with_prose_is_understood(
    client: LanguageClient, fake: FakeModel
) -> None:
    await start(client, fake)
    body = json.dumps({"findings": [FIRST]}, ensure_ascii=False)
    fake.push(Script(content=f"Here is my review.\n```json\n{body}\n```\nThanks!", chunk=9))
    result = await optimize(client)
    assert result["findings"] == 1
    assert [d.range.start.line for d in agent_diags(client)] == [2]


async def test_truncated_stream_reports_and_keeps_only_complete_findings(
    client: LanguageClient, fake: FakeModel
) -> None:
    await start(client, fake)
    cut = REPLY.index('"title"', REPLY.index(SECOND["anchor"]))  # inside the second finding
    fake.push(Script(content=REPLY[:cut], finish_reason=None, done=False))
    result = await optimize(client, token="tok-t")
    assert "error" in result and "ended before it was complete" in result["error"]
    assert any("ended before it was complete" in m.message for m in client.messages)
    assert [d.range.start.line for d in agent_diags(client)] == [2]
    assert type(client.progress_reports["tok-t"][-1]).__name__ == "WorkDoneProgressEnd"


async def test_cancel_request_aborts_the_model_stream(
    client: LanguageClient, fake: FakeModel
) -> None:
    await start(client, fake)
    fake.push(Script(content=REPLY, chunk=4, hang_after=2))
    arg = {
        "uri": URI,
        "range": {"start": {"line": 2, "character": 0}, "end": {"line": 7, "character": 0}},
    }
    params = types.ExecuteCommandParams(command="se-lsp.optimize", arguments=[arg])
    task = asyncio.create_task(
        client.protocol.send_request_async(types.WORKSPACE_EXECUTE_COMMAND, params, msg_id=4242)
    )
    assert await asyncio.to_thread(fake.wait_for, lambda: len(fake.requests) == 1)
    client.cancel_request(types.CancelParams(id=4242))
    with pytest.raises(JsonRpcRequestCancelled):
        await asyncio.wait_for(task, 10)
    assert await asyncio.to_thread(fake.wait_for, lambda: fake.disconnects == 1)

    def ended() -> bool:
        tokens = [t for t, v in client.progress_reports.items() if v]
        return bool(tokens) and all(
            type(client.progress_reports[t][-1]).__name__ == "WorkDoneProgressEnd" for t in tokens
        )

    # The connection closes as the run unwinds; the progress end follows it on the wire.
    for _ in range(100):
        if ended():
            break
        await asyncio.sleep(0.05)
    assert ended(), client.progress_reports


async def test_edit_during_analysis_moves_findings_with_their_code(
    client: LanguageClient, fake: FakeModel
) -> None:
    await start(client, fake)
    fake.push(Script(content=REPLY, chunk=30, pause_at=1, pause=1.0))
    task = asyncio.create_task(optimize(client))
    assert await asyncio.to_thread(fake.wait_for, lambda: len(fake.requests) == 1)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=2, uri=URI),
            [
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(0, 0), types.Position(0, 0)),
                    text="use std::vec::Vec; // ✓ added above\n",
                )
            ],
        )
    )
    result = await asyncio.wait_for(task, 10)
    assert result["findings"] == 2
    assert sorted(d.range.start.line for d in agent_diags(client)) == [3, 5]


async def test_no_endpoint_gives_one_clear_message(client: LanguageClient) -> None:
    await start(client, None)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(URI), SELECTION, types.CodeActionContext(diagnostics=[])
        )
    )
    assert any(
        isinstance(a, types.CodeAction) and a.command and a.command.command == "se-lsp.optimize"
        for a in actions or []
    )
    before = len(client.messages)
    await optimize(client)
    new = client.messages[before:]
    assert len(new) == 1 and "seLsp.agent.baseUrl" in new[0].message
    assert agent_diags(client) == []


async def test_cancelling_the_progress_aborts_the_stream(
    client: LanguageClient, fake: FakeModel
) -> None:
    await start(client, fake)
    fake.push(Script(content=REPLY, chunk=4, hang_after=2))
    task = asyncio.create_task(optimize(client, token="tok-c"))
    assert await asyncio.to_thread(fake.wait_for, lambda: len(fake.requests) == 1)
    client.protocol.notify(
        types.WINDOW_WORK_DONE_PROGRESS_CANCEL, types.WorkDoneProgressCancelParams(token="tok-c")
    )
    result = await asyncio.wait_for(task, 10)
    assert result.get("cancelled") is True
    assert await asyncio.to_thread(fake.wait_for, lambda: fake.disconnects == 1)
    assert type(client.progress_reports["tok-c"][-1]).__name__ == "WorkDoneProgressEnd"


async def test_a_new_run_on_overlapping_lines_replaces_the_old(
    client: LanguageClient, fake: FakeModel
) -> None:
    await start(client, fake)
    fake.push(Script(content=REPLY, chunk=4, hang_after=2), Script(content=REPLY))
    old = asyncio.create_task(optimize(client))
    assert await asyncio.to_thread(fake.wait_for, lambda: len(fake.requests) == 1)
    new = await optimize(client, force=True)
    assert new["findings"] == 2
    assert (await asyncio.wait_for(old, 10)).get("cancelled") is True
    assert await asyncio.to_thread(fake.wait_for, lambda: fake.disconnects == 1)


async def test_secrets_in_the_selection_never_reach_the_model(
    client: LanguageClient, fake: FakeModel
) -> None:
    await start(client, fake)
    secret = "ghp_" + "A1b2C3d4E5" * 4
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=2, uri=URI),
            [
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(3, 0), types.Position(3, 0)),
                    text=f'    let token = "{secret}";\n',
                )
            ],
        )
    )
    fake.push(Script(content=json.dumps({"summary": "", "findings": []})))
    await optimize(client)
    sent = json.dumps(fake.requests[0].body)
    assert secret not in sent and "<REDACTED:github-token#1>" in sent
    assert "   4|     let token" in fake.requests[0].body["messages"][1]["content"]


async def test_dismiss_and_clear_cache(client: LanguageClient, fake: FakeModel) -> None:
    await start(client, fake)
    fake.push(Script(content=REPLY), Script(content=REPLY))
    await optimize(client)
    first = sorted(agent_diags(client), key=lambda d: d.range.start.line)[0]
    assert await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="se-lsp.dismiss", arguments=[first.data])
    )
    assert [d.range.start.line for d in agent_diags(client)] == [4]
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="se-lsp.clearCache")
    )
    result = await optimize(client)
    assert result["cached"] is False and len(fake.requests) == 2


async def test_excluded_files_are_never_sent(client: LanguageClient, fake: FakeModel) -> None:
    uri = "file:///work/demo/secrets/keys.rs"
    await start(client, fake, uri=uri)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri), SELECTION, types.CodeActionContext(diagnostics=[])
        )
    )
    optimize_actions = [as_action(a) for a in actions or [] if "Optimize" in as_action(a)["title"]]
    assert optimize_actions, "the action is shown, disabled with its reason, not hidden"
    for action in optimize_actions:
        assert "secrets/" in action["disabled"]["reason"]
        assert "never sent" in action["disabled"]["reason"]
    result = await optimize(client, uri=uri)
    assert "excluded" in result["error"] and fake.requests == []
    assert any("never sent" in m.message for m in client.messages)


async def test_each_user_agent_gets_its_own_action(
    client: LanguageClient, fake: FakeModel, tmp_path: Path
) -> None:
    (tmp_path / "hawk.md").write_text(
        "---\nname: cache-hawk\ndescription: caches\ntools: Read\ncolor: red\n---\n"
        "You look at caches. Reply with JSON findings.\n",
        encoding="utf-8",
    )
    await start(client, fake, agentsDirs=[str(tmp_path)])
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(URI), SELECTION, types.CodeActionContext(diagnostics=[])
        )
    )
    titles = {as_action(a)["title"] for a in actions or []}
    assert {
        "Optimize selection with systems-engineer",
        "Optimize selection with cache-hawk",
    } <= titles
    fake.push(Script(content=json.dumps({"summary": "", "findings": [FIRST]})))
    arg = {"uri": URI, "range": range_json(SELECTION), "agent": "cache-hawk"}
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="se-lsp.optimize", arguments=[arg])
    )
    assert fake.requests[0].body["messages"][0]["content"].startswith("You look at caches.")
    assert [d.source for d in client.diagnostics[URI] if d.source != "se-lsp"] == ["cache-hawk"]


async def test_at_most_max_concurrent_requests_in_flight(
    client: LanguageClient, fake: FakeModel
) -> None:
    await start(client, fake, maxConcurrent=1)
    empty = json.dumps({"summary": "", "findings": []})
    fake.push(Script(content=REPLY, chunk=4, hang_after=2), Script(content=empty))
    upper = {
        "uri": URI,
        "range": range_json(types.Range(types.Position(1, 0), types.Position(2, 0))),
    }
    lower = {
        "uri": URI,
        "range": range_json(types.Range(types.Position(6, 0), types.Position(7, 0))),
    }
    params = types.ExecuteCommandParams(command="se-lsp.optimize", arguments=[upper])
    first = asyncio.create_task(
        client.protocol.send_request_async(types.WORKSPACE_EXECUTE_COMMAND, params, msg_id=777)
    )
    assert await asyncio.to_thread(fake.wait_for, lambda: len(fake.requests) == 1)
    second = asyncio.create_task(
        client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="se-lsp.optimize", arguments=[lower])
        )
    )
    # The second run waits for the first's slot: no second request may arrive meanwhile.
    assert not await asyncio.to_thread(fake.wait_for, lambda: len(fake.requests) == 2, 1.5)
    client.cancel_request(types.CancelParams(id=777))
    with pytest.raises(JsonRpcRequestCancelled):
        await asyncio.wait_for(first, 10)
    await asyncio.wait_for(second, 10)
    assert len(fake.requests) == 2


async def test_secret_corpus_never_reaches_the_model(
    client: LanguageClient, fake: FakeModel
) -> None:
    """Every kind in the redaction corpus, planted in the selected code, is redacted."""
    from tests.core.test_policy import SECRET_VALUES, SECRETS
    from tests.reliability_report import record

    await start(client, fake)
    lines = []
    for kind in sorted(SECRETS):
        lines += [f"    // {kind}", *("    " + ln for ln in SECRETS[kind].split("\n"))]
    planted = "\n".join(lines) + "\n"
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=2, uri=URI),
            [
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(3, 0), types.Position(3, 0)), text=planted
                )
            ],
        )
    )
    fake.push(Script(content=json.dumps({"summary": "", "findings": []})))
    n = planted.count("\n")
    arg = {
        "uri": URI,
        "range": {"start": {"line": 2, "character": 0}, "end": {"line": 4 + n, "character": 0}},
        "agent": "systems-engineer",
    }
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="se-lsp.optimize", arguments=[arg])
    )
    assert len(fake.requests) == 1
    sent = json.dumps(fake.requests[0].body, ensure_ascii=False)
    seen = [kind for kind, value in SECRET_VALUES.items() if value in sent]
    record(
        "boundary",
        "secret_corpus",
        {"kinds": len(SECRETS), "requests": len(fake.requests), "secrets_seen": len(seen)},
    )
    assert not seen, f"reached the model: {seen}"
    assert sent.count("<REDACTED:") >= len(SECRETS)


async def test_the_optimize_action_resolves_with_its_document(
    client: LanguageClient, fake: FakeModel
) -> None:
    """Clients that resolve every action (VS Code) get it back enabled, command intact."""
    await start(client, fake)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(URI), SELECTION, types.CodeActionContext(diagnostics=[])
        )
    )
    action = next(
        a for a in actions or [] if isinstance(a, types.CodeAction) and a.title.startswith("Opt")
    )
    assert isinstance(action.data, dict) and action.data["uri"] == URI
    resolved = await client.code_action_resolve_async(action)
    assert resolved.disabled is None
    assert resolved.command is not None and resolved.command.command == "se-lsp.optimize"
    assert resolved.command.arguments == action.command.arguments  # type: ignore[union-attr]
