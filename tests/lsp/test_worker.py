"""The analysis process: same findings as in-process, edits instead of texts, a hard budget.

These drive the real supervisor and a real analysis process. The oracle for every
analysis is a fresh in-process `analyze` of the text the server holds.
"""

from __future__ import annotations

import asyncio
import pickle
import random

import pytest
from lsprotocol import types

from se_lsp.core.findings import from_row
from se_lsp.core.settings import Settings
from se_lsp.lsp.documents import DocumentStore
from se_lsp.lsp.supervisor import Crashed, Overrun, Supervisor
from se_lsp.rules import analyze
from tests.lsp.rawclient import ROOT

URI = "file:///w/a.rs"
SOURCE = (ROOT / "tests" / "rules" / "fixtures" / "rust" / "corpus" / "buffers.rs").read_text(
    encoding="utf-8"
)


def findings_of(rows: bytes) -> list:
    return [from_row(r) for r in pickle.loads(rows)]


def keys(findings: list) -> list[tuple]:
    return sorted((f.code, f.span.start, f.span.end) for f in findings)


@pytest.fixture
async def supervisor():
    sup = Supervisor()
    sup.configure(Settings(), budget_seconds=30)
    yield sup
    await sup.stop()


def open_doc(text: str = SOURCE, uri: str = URI, language: str = "rust") -> tuple:
    docs = DocumentStore()
    doc = docs.open(types.TextDocumentItem(uri, language, 1, text))
    return docs, doc


async def test_the_process_finds_what_analyze_finds(supervisor: Supervisor) -> None:
    _, doc = open_doc()
    answer = await supervisor.analyze(doc, exact=True, encoding="utf-16")
    assert answer.kind == "done" and answer.version == 1
    assert keys(findings_of(answer.rows)) == keys(analyze(SOURCE, "rust").findings)
    assert answer.sent_bytes > len(SOURCE), "the first analysis carries the text"


async def test_edits_travel_instead_of_the_text(supervisor: Supervisor) -> None:
    docs, doc = open_doc()
    await supervisor.analyze(doc, exact=True, encoding="utf-16")
    rng = random.Random(7)
    lines = SOURCE.count("\n")
    for version in range(2, 40):
        line = rng.randrange(lines)
        text = rng.choice(["", "    let x = Vec::new(); // é😀\n", "}\n", "fn g() {\n", "\n"])
        end = line + rng.choice([0, 0, 1])
        change = types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(line, 0), types.Position(end, 0)), text=text
        )
        params = types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=version, uri=URI), [change]
        )
        changed = docs.change(params, "utf-16")
        assert changed is not None
        supervisor.edited(URI, changed[1])
        if version % 3 == 0:
            answer = await supervisor.analyze(doc, exact=True, encoding="utf-16")
            assert answer.kind == "done" and answer.version == version
            assert answer.sent_bytes < 2_000, "only the edits were sent"
            assert keys(findings_of(answer.rows)) == keys(analyze(doc.text, "rust").findings)
    assert supervisor.starts == 1


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8"])
async def test_reused_rendering_equals_a_fresh_one(supervisor: Supervisor, encoding: str) -> None:
    """The process renders only the findings an edit replaced (the others are the same
    objects on unchanged lines): each answer, typing or exact, must equal rendering all of
    its findings from scratch against the text the server holds."""
    from se_lsp.core.findings import to_row
    from se_lsp.core.positions import LineIndex
    from se_lsp.lsp.render import render, rule_href
    from se_lsp.rules.batch import run_rules

    docs, doc = open_doc()
    await supervisor.analyze(doc, exact=True, encoding=encoding)
    # The same passes in this process, without any reuse of rendered findings: the oracle.
    here = run_rules(doc.text, "rust", Settings(), LineIndex(doc.text), path="/w/a.rs")
    rng = random.Random(11)
    for version in range(2, 40):
        lines = doc.text.count("\n")
        line = rng.randrange(lines)
        col = rng.choice([0, 0, 4])
        text = rng.choice(["", "é😀", "x", "\n", "    let v = Vec::new();\n", "}\n"])
        end = types.Position(line + rng.choice([0, 0, 1]), 0)
        change = types.TextDocumentContentChangePartial(
            range=types.Range(
                types.Position(line, col), end if end.line > line else types.Position(line, col)
            ),
            text=text,
        )
        params = types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=version, uri=URI), [change]
        )
        changed = docs.change(params, encoding)
        assert changed is not None
        supervisor.edited(URI, changed[1])
        exact = version % 4 == 0
        answer = await supervisor.analyze(doc, exact=exact, encoding=encoding)
        assert answer.kind == "done" and answer.version == version
        index = LineIndex(doc.text)
        here = run_rules(doc.text, "rust", Settings(), index, here, exact, "/w/a.rs")
        assert pickle.loads(answer.rows) == [to_row(f) for f in here.findings], version
        assert answer.rendered == render(here.findings, index, encoding, URI, rule_href)


async def test_a_full_text_change_sends_the_text_again(supervisor: Supervisor) -> None:
    docs, doc = open_doc()
    await supervisor.analyze(doc, exact=True, encoding="utf-16")
    new = SOURCE.replace("fn ", "fn  ")
    params = types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(version=2, uri=URI),
        [types.TextDocumentContentChangeWholeDocument(text=new)],
    )
    changed = docs.change(params, "utf-16")
    assert changed is not None and changed[1] is None
    supervisor.edited(URI, changed[1])
    answer = await supervisor.analyze(doc, exact=True, encoding="utf-16")
    assert answer.sent_bytes > len(new)
    assert keys(findings_of(answer.rows)) == keys(analyze(new, "rust").findings)


async def test_an_overrun_kills_and_replaces_the_process(supervisor: Supervisor) -> None:
    supervisor.configure(Settings(), budget_seconds=0.3)
    _, nested = open_doc("fn f() " + "{\n" * 100_000, uri="file:///w/nested.rs")
    with pytest.raises(Overrun):
        await supervisor.analyze(nested, exact=True, encoding="utf-16")
    assert supervisor.kills == 1
    supervisor.configure(Settings(), budget_seconds=30)
    _, doc = open_doc()
    answer = await supervisor.analyze(doc, exact=True, encoding="utf-16")
    assert answer.kind == "done" and supervisor.starts == 2


async def test_a_process_killed_from_outside_is_replaced(supervisor: Supervisor) -> None:
    _, doc = open_doc()
    await supervisor.analyze(doc, exact=True, encoding="utf-16")
    proc = supervisor._proc
    assert proc is not None
    proc.kill()  # between analyses: the next one simply starts a new process
    await proc.wait()
    answer = await supervisor.analyze(doc, exact=True, encoding="utf-16")
    assert answer.kind == "done" and supervisor.starts == 2
    # During an analysis: that one fails as a crash, the next one runs again.
    _, nested = open_doc("fn f() " + "{\n" * 100_000, uri="file:///w/nested.rs")
    running = asyncio.ensure_future(supervisor.analyze(nested, exact=True, encoding="utf-16"))
    await asyncio.sleep(1.0)
    proc = supervisor._proc
    assert proc is not None and not running.done()
    proc.kill()
    with pytest.raises(Crashed):
        await running
    answer = await supervisor.analyze(doc, exact=True, encoding="utf-16")
    assert answer.kind == "done" and supervisor.starts == 3


async def test_a_long_line_is_skipped_with_its_reason(supervisor: Supervisor) -> None:
    _, doc = open_doc("static T: [u8; 3] = [" + "1, " * 20_000 + "];\n", uri="file:///w/t.rs")
    answer = await supervisor.analyze(doc, exact=True, encoding="utf-16")
    assert answer.kind == "skipped" and "60,0" in answer.reason


async def test_cancelled_requests_are_dropped_and_the_latest_wins(supervisor: Supervisor) -> None:
    _, doc = open_doc()
    first = asyncio.ensure_future(supervisor.analyze(doc, exact=True, encoding="utf-16"))
    second = asyncio.ensure_future(supervisor.analyze(doc, exact=True, encoding="utf-16"))
    await asyncio.sleep(0)
    first.cancel()
    answer = await asyncio.wait_for(second, 60)
    assert answer.kind == "done"
    assert first.cancelled()


async def test_a_process_that_cannot_start_fails_the_analysis_quickly() -> None:
    import sys

    sup = Supervisor(argv=lambda: [sys.executable, "-c", "import sys; sys.exit(3)"])
    sup.configure(Settings(), budget_seconds=30)
    _, doc = open_doc()
    try:
        with pytest.raises(Crashed):
            await asyncio.wait_for(sup.analyze(doc, exact=True, encoding="utf-16"), 30)
        with pytest.raises(Crashed):  # and again, without hanging, for the next one
            await asyncio.wait_for(sup.analyze(doc, exact=True, encoding="utf-16"), 30)
    finally:
        await sup.stop()


async def test_a_document_opened_again_is_sent_whole(supervisor: Supervisor) -> None:
    """Re-opened with text of the same length: an edit list would not notice the change."""
    docs, doc = open_doc()
    await supervisor.analyze(doc, exact=True, encoding="utf-16")
    other = SOURCE.replace("let", "LET")
    assert len(other) == len(SOURCE) and other != SOURCE
    again = docs.open(types.TextDocumentItem(URI, "rust", 7, other))
    supervisor.opened(URI)
    answer = await supervisor.analyze(again, exact=True, encoding="utf-16")
    assert answer.sent_bytes > len(other)
    assert keys(findings_of(answer.rows)) == keys(analyze(other, "rust").findings)
