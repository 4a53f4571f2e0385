"""The linters on save: run for the saved file's package, their findings put on open documents.

Never per keystroke: a run starts when a document is saved (the linters read the
files on disk), and a newer save of the same file cancels a run still going. A run
covers more than the saved file (clippy lints the whole package, the Go tools the
package directory); every open document it covers gets its findings, provided the
document's text is what is on disk (else the linter's positions would not fit it).
A missing tool is said once per session, as information.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Protocol

from lsprotocol import types

from se_lsp.core.findings import LINTER_SOURCES, Finding
from se_lsp.core.policy import Policy
from se_lsp.core.settings import Settings
from se_lsp.lsp.diagnostics import DiagnosticStore, Folding
from se_lsp.lsp.documents import Document, DocumentStore

log = logging.getLogger(__name__)


class Host(Protocol):
    documents: DocumentStore
    diagnostics: DiagnosticStore
    policy: Policy
    settings: Settings
    root: Path | None

    def notify_user(self, message: str, level: types.MessageType) -> None: ...


def _same(built_in: Finding, linted: Finding) -> bool:
    from se_lsp.linters.findings import MIRROR
    from se_lsp.linters.merge import same_check

    b, lf = built_in.span, linted.span
    return same_check(
        built_in.code,
        (b.start.line, b.end.line),
        linted.extra.get(MIRROR, ""),
        (lf.start.line, lf.end.line),
    )


def _combine(built_in: Finding, linted: Finding) -> Finding:
    from se_lsp.linters.merge import combine

    return combine(built_in, linted)


# How the diagnostics store shows a built-in finding and the linter check it mirrors on
# the same lines: once, as the built-in finding naming both (the rules load on first use).
FOLDING = Folding(LINTER_SOURCES, _same, _combine)


class Linting:
    def __init__(self, host: Host) -> None:
        self.host = host
        self._running: dict[str, asyncio.Task[None]] = {}
        self._told: set[str] = set()
        self.runs = 0

    def saved(self, doc: Document) -> None:
        """Lint after a save (cancelling a run for the same file that is still going)."""
        from pygls.uris import to_fs_path

        settings = self.host.settings.editor.linters
        if not settings.enabled or doc.language is None:
            return
        fs_path = to_fs_path(doc.uri)
        if not fs_path or self.host.policy.excluded(Path(fs_path)) is not None:
            return  # excluded files are not analysed, by se-lsp or by the tools it runs
        old = self._running.pop(doc.uri, None)
        if old is not None:
            old.cancel()
        task = asyncio.get_running_loop().create_task(self._run(doc, Path(fs_path)))
        self._running[doc.uri] = task
        task.add_done_callback(lambda t: self._done(doc.uri, t))

    def _done(self, uri: str, task: asyncio.Task[None]) -> None:
        if self._running.get(uri) is task:
            del self._running[uri]
        if not task.cancelled() and task.exception() is not None:
            log.error("linting %s failed", uri, exc_info=task.exception())

    async def _run(self, doc: Document, path: Path) -> None:
        from se_lsp.linters.runner import lint

        outcome = await lint([path], self.host.settings.editor.linters, self.host.root)
        self.runs += 1
        for note in outcome.notes:
            tool = note.split(":", 1)[0]
            if note not in self._told and tool not in self._told:
                self._told.update((note, tool))
                self.host.notify_user(f"se-lsp: {note}", types.MessageType.Info)
        for other in self.host.documents.all():
            from pygls.uris import to_fs_path

            fs_path = to_fs_path(other.uri)
            if not fs_path or not outcome.covers(Path(fs_path)):
                continue
            if self.host.policy.excluded(Path(fs_path)) is not None:
                continue
            if not await asyncio.to_thread(_same_as_disk, other, fs_path):
                continue  # edited since it was saved: the linter's positions would not fit
            found = outcome.findings.get(Path(fs_path).resolve(), [])
            store = self.host.diagnostics
            here = Path(fs_path)
            for tool in {r.tool for r in outcome.runs if r.covers(here)} & LINTER_SOURCES:
                # Each tool is a source of its own; its findings follow edits until the
                # next save brings new ones.
                mine: list[Finding] = [f for f in found if f.source == tool]
                store.replace(other.uri, tool, mine, version=other.version, follows_edits=True)
            store.publish(other.uri)

    def closed(self, uri: str) -> None:
        task = self._running.pop(uri, None)
        if task is not None:
            task.cancel()

    def shutdown(self) -> None:
        for task in self._running.values():
            task.cancel()


def _same_as_disk(doc: Document, fs_path: str) -> bool:
    try:
        return Path(fs_path).read_bytes().decode("utf-8", "replace") == doc.text
    except OSError:
        return False
