"""The language server end to end over stdio, as VS Code, Neovim 0.11 and Emacs talk to it.

The three clients negotiate utf-16, utf-8 and utf-32 positions; the document holds
non-ASCII and astral characters before the flagged code so a wrong column shows.
"""

from __future__ import annotations

import asyncio
import sys

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from se_lsp.core.positions import col_to_units

CLIENTS = {
    "visual-studio-code": "utf-16",
    "neovim@v0.11.0": "utf-8",
    "emacs": "utf-32",
}

URI = "file:///work/demo/src/main.cpp"
CPP = (
    "#include <iostream>\n"
    "void show(const char* s) {\n"
    '    std::cout << "héllo 😀 " << s << std::endl;\n'
    "}\n"
)
LINE = 2


def endl_col(encoding: str) -> int:
    line = CPP.splitlines()[LINE]
    return col_to_units(line, line.index("std::endl"), encoding)


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "se_lsp"]),
    params=list(CLIENTS),
)
async def client(request, lsp_client: LanguageClient):
    caps = client_capabilities(request.param)
    applied: list[types.ApplyWorkspaceEditParams] = []

    @lsp_client.feature(types.WORKSPACE_APPLY_EDIT)
    def _apply(params: types.ApplyWorkspaceEditParams):
        applied.append(params)
        return types.ApplyWorkspaceEditResult(applied=True)

    result = await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=caps,
            root_uri="file:///work/demo",
            initialization_options={"seLsp": {"builtin": {"debounceMs": 20}}},
        )
    )
    lsp_client.encoding = CLIENTS[request.param]  # type: ignore[attr-defined]
    lsp_client.server_encoding = result.capabilities.position_encoding  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def open_and_wait(client: LanguageClient, uri: str, text: str, language_id: str):
    waiter = asyncio.ensure_future(
        client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    )
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id=language_id, version=1, text=text)
        )
    )
    return await asyncio.wait_for(waiter, 10)


async def test_negotiates_the_clients_encoding(client: LanguageClient):
    assert str(getattr(client.server_encoding, "value", client.server_encoding)) == client.encoding


async def test_diagnostic_at_the_right_column(client: LanguageClient):
    params = await open_and_wait(client, URI, CPP, "cpp")
    assert params.version == 1
    endl = [d for d in params.diagnostics if d.code == "cpp/avoid-endl"]
    assert len(endl) == 1
    d = endl[0]
    assert d.source == "se-lsp"
    assert d.range.start == types.Position(LINE, endl_col(client.encoding))
    assert d.range.end.character - d.range.start.character == len("std::endl")
    assert d.code_description is not None and d.code_description.href.endswith("#cppavoid-endl")


async def test_hover_explains_the_finding(client: LanguageClient):
    params = await open_and_wait(client, URI, CPP, "cpp")
    d = next(d for d in params.diagnostics if d.code == "cpp/avoid-endl")
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(URI), d.range.start)
    )
    assert hover is not None
    text = hover.contents.value
    assert "flush" in text and "**Fix:**" in text and "**Measure:**" in text
    # Just before the diagnostic there is nothing to explain.
    before = types.Position(LINE, 0)
    assert (
        await client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(URI), before)
        )
        is None
    )


def apply_text_edits(text: str, edits, encoding: str) -> str:
    """Apply LSP edits the way a client does, converting columns in `encoding`."""
    from se_lsp.core.positions import LineIndex

    index = LineIndex(text)
    spans = []
    for e in edits:
        s = index.offset(index.from_client(e.range.start.line, e.range.start.character, encoding))
        t = index.offset(index.from_client(e.range.end.line, e.range.end.character, encoding))
        spans.append((s, t, e.new_text))
    for s, t, new in sorted(spans, reverse=True):
        text = text[:s] + new + text[t:]
    return text


def edits_of(edit: types.WorkspaceEdit, uri: str):
    if edit.document_changes:
        return [e for dc in edit.document_changes if dc.text_document.uri == uri for e in dc.edits]
    return list((edit.changes or {}).get(uri, []))


async def test_quick_fix_resolves_and_applies(client: LanguageClient):
    params = await open_and_wait(client, URI, CPP, "cpp")
    d = next(d for d in params.diagnostics if d.code == "cpp/avoid-endl")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(URI),
            d.range,
            types.CodeActionContext(diagnostics=[d]),
        )
    )
    titles = [a.title for a in actions]
    fix = next(a for a in actions if a.title.startswith("Fix:"))
    assert any(t == "Suppress cpp/avoid-endl on this line" for t in titles)
    if fix.edit is None:
        fix = await client.code_action_resolve_async(fix)
    assert fix.edit is not None
    new_text = apply_text_edits(CPP, edits_of(fix.edit, URI), client.encoding)
    assert new_text.splitlines()[LINE] == "    std::cout << \"héllo 😀 \" << s << '\\n';"

    # Send the edit back like an editor would; the finding disappears.
    line = CPP.splitlines()[LINE]
    waiter = asyncio.ensure_future(
        client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    )
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=2, uri=URI),
            [
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        types.Position(LINE, 0),
                        types.Position(LINE, col_to_units(line, len(line), client.encoding)),
                    ),
                    text=new_text.splitlines()[LINE],
                )
            ],
        )
    )
    after = await asyncio.wait_for(waiter, 10)
    assert after.version == 2
    assert not [x for x in after.diagnostics if x.code == "cpp/avoid-endl"]


async def test_suppress_action_inserts_comment(client: LanguageClient):
    params = await open_and_wait(client, URI, CPP, "cpp")
    d = next(d for d in params.diagnostics if d.code == "cpp/avoid-endl")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(URI), d.range, types.CodeActionContext(diagnostics=[d])
        )
    )
    sup = next(a for a in actions if a.title.startswith("Suppress"))
    if sup.edit is None:
        sup = await client.code_action_resolve_async(sup)
    text = apply_text_edits(CPP, edits_of(sup.edit, URI), client.encoding)
    assert text.splitlines()[LINE] == "    // se-lsp: ignore[cpp/avoid-endl]"
    from se_lsp.rules import analyze

    assert not [f for f in analyze(text, "cpp").findings if f.code == "cpp/avoid-endl"]


async def test_unsupported_language_gets_nothing(client: LanguageClient):
    uri = "file:///work/demo/notes.py"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="python", version=1, text="print(1)\n")
        )
    )
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(0, 0))
    )
    assert hover is None
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri),
            types.Range(types.Position(0, 0), types.Position(0, 5)),
            types.CodeActionContext(diagnostics=[]),
        )
    )
    assert not actions
    assert uri not in client.diagnostics
    assert not client.messages


async def test_close_clears_diagnostics(client: LanguageClient):
    await open_and_wait(client, URI, CPP, "cpp")
    waiter = asyncio.ensure_future(
        client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    )
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(URI))
    )
    params = await asyncio.wait_for(waiter, 10)
    assert params.uri == URI and len(params.diagnostics) == 0
