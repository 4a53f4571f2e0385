"""The agent end to end: a real language server process, a real HTTP model server on 127.0.0.1.

Action offered → command → progress → diagnostics on the right lines (the flagged line
holds non-ASCII text, so a wrong encoding shows) → hover → "Apply" quick fix → a
repeat served from the cache with no second request reaching the model server.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Union

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcRequestCancelled
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from se_lsp.core.positions import LineIndex, col_to_units
from tests.fakemodel import FakeModel, Script, estimate_tokens

CACHE_DIR = tempfile.mkdtemp(prefix="se-lsp-cache-")
ENV = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SE_LSP_"))}
ENV |= {"FAKE_KEY": "test-key", "SE_LSP_CACHE_DIR": CACHE_DIR, "NO_PROXY": "*"}

URI = "file:///work/demo/src/lib.rs"
RUST = (
    "// 😀 héllo: a ünïcode line before the code\n"
    "fn total(xs: &[u64]) -> Vec<u64> {\n"
    "    let mut v = Vec::new(); // grows 😀\n"
    "    for x in xs {\n"
    "        v.push(*x);\n"
    "    }\n"
    "    v\n"
    "}\n"
)
SELECTION = types.Range(types.Position(2, 0), types.Position(7, 0))

FIRST = {
    "line_start": 3,
    "line_end": 3,
    "anchor": "let mut v = Vec::new(); // grows 😀",
    "severity": "warning",
    "category": "allocation",
    "title": "Vec grows while filled; reserve capacity once",
    "explanation": "Each growth reallocates and copies.",
    "replacement": "    let mut v = Vec::with_capacity(xs.len()); // grows 😀",
    "impact": "one allocation instead of about log2(n)",
    "measure": "cargo bench -- total",
    "confidence": 0.8,
}
SECOND = {  # wrong line number (7 instead of 5): repaired by its anchor
    **FIRST,
    "line_start": 7,
    "line_end": 7,
    "anchor": "v.push(*x);",
    "category": "copy",
    "title": "Copying loop; extend_from_slice copies in bulk",
    "replacement": None,
}
THIRD = {**FIRST, "line_start": 40, "line_end": 40, "anchor": "", "title": "nowhere"}
SUMMARY = "The loop is the hot spot."
REPLY = json.dumps({"findings": [FIRST, SECOND, THIRD], "summary": SUMMARY}, ensure_ascii=False)
CLIENTS = {"visual-studio-code": "utf-16", "neovim@v0.11.0": "utf-8"}


@pytest.fixture
def fake() -> Iterator[FakeModel]:
    with FakeModel() as f:
        yield f


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "se_lsp"], server_env=ENV),
)
async def client(lsp_client: LanguageClient):
    applied: list[types.ApplyWorkspaceEditParams] = []

    @lsp_client.feature(types.WORKSPACE_APPLY_EDIT)
    def _apply(params: types.ApplyWorkspaceEditParams):
        applied.append(params)
        return types.ApplyWorkspaceEditResult(applied=True)

    read_code_actions_like_editors(lsp_client)
    yield
    await lsp_client.shutdown_session()


async def start(
    client: LanguageClient,
    fake: FakeModel | None,
    caps: str = "visual-studio-code",
    uri: str = URI,
    **agent: Any,
) -> str:
    capabilities = client_capabilities(caps)
    if capabilities.window is None:
        capabilities.window = types.WindowClientCapabilities()
    capabilities.window.work_done_progress = True
    options: dict[str, Any] = {"builtin": {"debounceMs": 10}}
    if fake is not None:
        options["agent"] = {"baseUrl": fake.base_url, "model": "fake", "apiKeyEnv": "FAKE_KEY"}
    options.setdefault("agent", {}).update(agent)
    result = await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri="file:///work/demo",
            initialization_options={"seLsp": options},
        )
    )
    enc = result.capabilities.position_encoding
    waiter = asyncio.ensure_future(
        client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    )
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "rust", 1, RUST))
    )
    await asyncio.wait_for(waiter, 10)
    return str(getattr(enc, "value", enc))


def agent_diags(client: LanguageClient) -> list[types.Diagnostic]:
    return [d for d in client.diagnostics.get(URI, ()) if d.source == "systems-engineer"]


async def optimize(
    client: LanguageClient, token: str | None = None, force: bool = False, uri: str = URI
) -> dict[str, Any]:
    arg = {
        "uri": uri,
        "range": {"start": {"line": 2, "character": 0}, "end": {"line": 7, "character": 0}},
        "agent": "systems-engineer",
        "force": force,
    }
    if token is not None:
        client.progress_reports.setdefault(token, [])
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="se-lsp.optimize", arguments=[arg], work_done_token=token
        )
    )
    return dict(result._asdict()) if hasattr(result, "_asdict") else result


def as_action(item: Any) -> dict[str, Any]:
    """A code action or command as plain data, for uniform assertions."""
    if isinstance(item, types.CodeAction):
        cmd = item.command
        command = {"command": cmd.command, "arguments": cmd.arguments} if cmd else None
        disabled = {"reason": item.disabled.reason} if item.disabled else None
        return {"title": item.title, "kind": item.kind, "command": command, "disabled": disabled}
    return {"title": item.title, "kind": None, "command": {"command": item.command}}


def read_code_actions_like_editors(client: LanguageClient) -> None:
    """Tell a CodeAction from a Command by the type of `command`, as editors do.

    lsprotocol's hook reads every object with a `command` key as a Command, which turns
    a CodeAction that carries a command into a Command with the action's text in it.
    """
    converter = client.protocol._converter

    def hook(obj: Any, _: Any) -> types.Command | types.CodeAction:
        if isinstance(obj.get("command"), str):
            return converter.structure(obj, types.Command)
        return converter.structure(obj, types.CodeAction)

    converter.register_structure_hook(types.Command | types.CodeAction, hook)
    converter.register_structure_hook(Union[types.Command, types.CodeAction], hook)  # noqa: UP007


def apply_edits(text: str, edits: list[types.TextEdit], encoding: str) -> str:
    index = LineIndex(text)
    for e in sorted(
        edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True
    ):
        a = index.offset(index.from_client(e.range.start.line, e.range.start.character, encoding))
        b = index.offset(index.from_client(e.range.end.line, e.range.end.character, encoding))
        text = text[:a] + e.new_text + text[b:]
    return text


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
    tokens = [t for t, v in client.progress_reports.items() if v]
    assert tokens and all(
        type(client.progress_reports[t][-1]).__name__ == "WorkDoneProgressEnd" for t in tokens
    )


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
    arg = {"uri": URI, "range": _range(SELECTION), "agent": "cache-hawk"}
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="se-lsp.optimize", arguments=[arg])
    )
    assert fake.requests[0].body["messages"][0]["content"].startswith("You look at caches.")
    assert [d.source for d in client.diagnostics[URI] if d.source != "se-lsp"] == ["cache-hawk"]


def _range(r: types.Range) -> dict[str, Any]:
    return {
        "start": {"line": r.start.line, "character": r.start.character},
        "end": {"line": r.end.line, "character": r.end.character},
    }


async def test_at_most_max_concurrent_requests_in_flight(
    client: LanguageClient, fake: FakeModel
) -> None:
    await start(client, fake, maxConcurrent=1)
    empty = json.dumps({"summary": "", "findings": []})
    fake.push(Script(content=REPLY, chunk=4, hang_after=2), Script(content=empty))
    upper = {"uri": URI, "range": _range(types.Range(types.Position(1, 0), types.Position(2, 0)))}
    lower = {"uri": URI, "range": _range(types.Range(types.Position(6, 0), types.Position(7, 0)))}
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
