"""Shared parts of the agent's end-to-end tests: a real server over stdio, a loopback model.

The sample document has non-ASCII text before the flagged code on the same line, so a
position in the wrong encoding shows. `start` initializes the server with the fake
model's endpoint; `optimize` runs the command the Optimize action carries.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from typing import Any, Union

from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from se_lsp.core.positions import LineIndex
from tests.fakemodel import FakeModel

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


async def start(
    client: LanguageClient,
    fake: FakeModel | None,
    caps: str = "visual-studio-code",
    uri: str = URI,
    *,
    base_url: str | None = None,
    ask: bool = True,
    **agent: Any,
) -> str:
    """Initialize with `seLsp.agent` pointing at the fake (or `base_url`), open the sample."""
    capabilities = client_capabilities(caps)
    if capabilities.window is None:
        capabilities.window = types.WindowClientCapabilities()
    capabilities.window.work_done_progress = True
    if not ask:
        capabilities.window.show_message = None
    options: dict[str, Any] = {"builtin": {"debounceMs": 10}}
    if fake is not None:
        url = base_url or fake.base_url
        options["agent"] = {"baseUrl": url, "model": "fake", "apiKeyEnv": "FAKE_KEY"}
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


def agent_diags(client: LanguageClient, source: str = "systems-engineer") -> list[types.Diagnostic]:
    return [d for d in client.diagnostics.get(URI, ()) if d.source == source]


async def optimize(
    client: LanguageClient,
    token: str | None = None,
    force: bool = False,
    uri: str = URI,
    agent: str = "systems-engineer",
) -> dict[str, Any]:
    arg = {
        "uri": uri,
        "range": {"start": {"line": 2, "character": 0}, "end": {"line": 7, "character": 0}},
        "agent": agent,
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


def range_json(r: types.Range) -> dict[str, Any]:
    return {
        "start": {"line": r.start.line, "character": r.start.character},
        "end": {"line": r.end.line, "character": r.end.character},
    }


def progress_messages(client: LanguageClient, token: str) -> list[str]:
    """Every message of a progress token: begin, reports, end."""
    return [getattr(v, "message", None) or "" for v in client.progress_reports.get(token, [])]


def reply(*findings: dict[str, Any], summary: str = "") -> str:
    return json.dumps({"summary": summary, "findings": list(findings)}, ensure_ascii=False)
