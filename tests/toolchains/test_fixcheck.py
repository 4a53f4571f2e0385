"""Fix checks in the server: which fixes start a check, and what a request sees meanwhile."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types

from se_lsp.core.findings import Finding, Fix
from se_lsp.core.positions import Pos, Span
from se_lsp.core.settings import EditorSettings, Settings
from se_lsp.lsp.diagnostics import DiagnosticStore
from se_lsp.lsp.documents import Document, DocumentStore
from se_lsp.lsp.fixcheck import PENDING, FixChecks
from tests.toolchains.conftest import GO_MAIN


@dataclass
class Host:
    documents: DocumentStore = field(default_factory=DocumentStore)
    settings: Settings = field(default_factory=Settings)
    root: Path | None = None

    def __post_init__(self) -> None:
        self.diagnostics = DiagnosticStore(self.documents, lambda _m, _p: None)


def fixes(n: int) -> list[Finding]:
    return [
        Finding(
            Span(Pos(12, 0), Pos(12, 5)),
            "agent/other",
            f"fix {i}",
            source="reviewer",
            fix=Fix(Span(Pos(12, 0), Pos(12, 0)), f"// {i}\n", "comment"),
        )
        for i in range(n)
    ]


def open_doc(host: Host, uri: str) -> Document:
    return host.documents.open(types.TextDocumentItem(uri, "go", 1, GO_MAIN))


async def test_one_request_starts_at_most_its_share_of_checks(go_module: Path) -> None:
    host = Host(root=go_module)
    doc = open_doc(host, (go_module / "pkg" / "a.go").as_uri())
    checks = FixChecks(host)
    found = fixes(10)
    checks.ensure(doc, found, limit=4)
    assert len(checks._tasks) == 4
    assert checks.state(doc, found[0]) == PENDING  # a request sees "running", never waits
    assert checks.state(doc, found[9]) is None  # not started
    checks.ensure(doc, found[:4], limit=4)  # already running: nothing more
    assert len(checks._tasks) == 4
    # An edit: the checks of the older text stop, also those still waiting their turn.
    checks.changed(doc)
    await asyncio.sleep(0.1)
    assert checks._tasks == {} and checks.state(doc, found[0]) is None
    checks.shutdown()


async def test_nothing_starts_when_off_or_for_an_unsaved_document(go_module: Path) -> None:
    host = Host(root=go_module)
    host.settings = Settings(editor=EditorSettings.model_validate({"verify": {"enabled": False}}))
    checks = FixChecks(host)
    doc = open_doc(host, (go_module / "pkg" / "a.go").as_uri())
    checks.ensure(doc, fixes(2))
    assert checks._tasks == {} and checks.state(doc, fixes(1)[0]) is None
    host.settings = Settings()
    untitled = open_doc(host, "untitled:Untitled-1")
    checks.ensure(untitled, fixes(2))
    assert checks._tasks == {}
