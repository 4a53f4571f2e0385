"""When the built-in analyzer runs for an open document, and what becomes of its answer.

Analyses are debounced while the user types, run in the analysis process
(supervisor.py, worker.py) so they never hold the server's interpreter lock, and
kept only if the document is still at the version they describe. A file that is
excluded, turned off or too large is not sent at all; one whose analysis overran
its budget is not tried again until it is saved. Each such case says so once.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from pathlib import Path

from se_lsp.core.findings import BUILTIN_SOURCE
from se_lsp.core.policy import Policy
from se_lsp.core.settings import Settings
from se_lsp.lsp.diagnostics import DiagnosticStore, PackedFindings, Rendered
from se_lsp.lsp.documents import Document, Edit
from se_lsp.lsp.supervisor import Crashed, Overrun, Supervisor

log = logging.getLogger(__name__)

# Seconds of no typing after which a fast re-analysis is completed by an exact one.
SETTLE = 0.6


class Analyzer:
    """Runs the built-in rules for documents and puts fresh results in the store."""

    def __init__(
        self,
        store: DiagnosticStore,
        inform: Callable[[str], None],
        encoding: Callable[[], str] = lambda: "utf-16",
        supervisor: Supervisor | None = None,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self._store = store
        self._inform = inform
        self._warn = warn or inform
        self._encoding = encoding
        self.supervisor = supervisor or Supervisor()
        self._pending: dict[str, asyncio.Task[None]] = {}
        self.settings = Settings()
        self.policy = Policy()
        # Documents whose analysis overran its budget: not tried again until saved.
        self._overran: set[str] = set()
        # (uri, reason) already told to the user, so each is said once.
        self._told: set[tuple[str, str]] = set()

    def configure(self, settings: Settings, policy: Policy) -> None:
        self.settings = settings
        self.policy = policy
        self.supervisor.configure(settings, settings.editor.builtin.time_budget_ms / 1000)
        self._overran.clear()  # new settings (rules, budget) deserve a new try

    def excluded(self, doc: Document) -> str | None:
        return self.policy.excluded(path_of(doc.uri))

    def opened(self, uri: str) -> None:
        self.supervisor.opened(uri)

    def edited(self, uri: str, edits: list[Edit] | None) -> None:
        self.supervisor.edited(uri, edits)

    def saved(self, doc: Document) -> None:
        self._overran.discard(doc.uri)
        self.schedule(doc)

    def schedule(self, doc: Document, delay: float = 0.0, *, typing: bool = False) -> None:
        """Analyse `doc` after `delay` seconds, replacing any analysis already waiting.

        While the user types (`typing`), re-analysis may leave file-scoped rules behind
        for speed; an exact pass follows once typing pauses for SETTLE seconds.
        """
        if doc.language is None:
            return
        old = self._pending.pop(doc.uri, None)
        if old is not None and not old.done():
            old.cancel()
        task = asyncio.get_running_loop().create_task(self._run(doc, delay, typing))
        self._pending[doc.uri] = task
        task.add_done_callback(functools.partial(self._done, doc.uri))

    def _done(self, uri: str, task: asyncio.Task[None]) -> None:
        if self._pending.get(uri) is task:
            del self._pending[uri]

    def cancel(self, uri: str) -> None:
        """Stop analysing `uri` and forget it (the document was closed)."""
        task = self._pending.pop(uri, None)
        if task is not None:
            task.cancel()
        self.supervisor.closed(uri)
        self._overran.discard(uri)
        self._told = {t for t in self._told if t[0] != uri}

    async def _run(self, doc: Document, delay: float, typing: bool) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        language = doc.language
        if language is None:
            return
        if self.excluded(doc) is not None or not self.settings.language_enabled(language):
            self._nothing(doc)
            return
        limit = self.settings.editor.builtin.max_file_kb * 1024
        if len(doc.text) > limit:
            self._nothing(doc)
            size = _size(len(doc.text))
            self._tell(
                doc,
                "size",
                f"{size}: the built-in analysis skips files over "
                f"{_size(limit)} (seLsp.builtin.maxFileKb)",
            )
            return
        if doc.uri in self._overran:
            self._nothing(doc)
            return
        exact = await self._analyse(doc, exact=not typing)
        if exact is None or exact:
            return
        # A new edit cancels this task, so the exact pass runs only once typing pauses.
        await asyncio.sleep(SETTLE)
        await self._analyse(doc, exact=True)

    async def _analyse(self, doc: Document, *, exact: bool) -> bool | None:
        """Analyse and publish if the document is unchanged; None when it was stale."""
        version, encoding = doc.version, self._encoding()
        try:
            answer = await self.supervisor.analyze(doc, exact=exact, encoding=encoding)
        except Overrun as err:
            self._overran.add(doc.uri)
            self._nothing(doc)
            self._tell(
                doc,
                "overrun",
                f"the built-in analysis took longer than {err} (seLsp.builtin.timeBudgetMs) and "
                "was stopped; it runs again when you save the file",
            )
            return None
        except Crashed as err:
            log.warning("the analysis process stopped while analysing %s: %s", doc.uri, err)
            self._overran.add(doc.uri)
            self._nothing(doc)
            self._tell(
                doc, "crash", "the built-in analysis stopped; it runs again when you save the file"
            )
            return None
        for problem in answer.problems:
            self._warn(f"se-lsp: {problem}")
        if doc.version != answer.version:
            return None  # a newer analysis is already scheduled for the new text
        if answer.kind == "skipped":
            self._nothing(doc)
            self._tell(doc, "skipped", f"not analysed: {answer.reason} (generated code?)")
            return None
        if answer.kind == "failed":
            log.warning("the built-in analysis of %s failed: %s", doc.uri, answer.reason)
            self._nothing(doc)
            self._tell(doc, "failed", f"the built-in analysis failed: {answer.reason}")
            return None
        self._store.replace(
            doc.uri,
            BUILTIN_SOURCE,
            PackedFindings(answer.rows, answer.count),
            version=version,
            follows_edits=False,
            rendered=Rendered(answer.rendered, encoding, version),
        )
        self._store.publish(doc.uri)
        return answer.exact

    def _nothing(self, doc: Document) -> None:
        """No built-in findings for this version of `doc` (excluded, disabled, skipped)."""
        self._store.replace(doc.uri, BUILTIN_SOURCE, [], version=doc.version, follows_edits=False)
        self._store.publish(doc.uri)

    def _tell(self, doc: Document, reason: str, message: str) -> None:
        if (doc.uri, reason) in self._told:
            return
        self._told.add((doc.uri, reason))
        path = path_of(doc.uri)
        self._inform(f"se-lsp: {path.name if path else doc.uri}: {message}.")

    async def shutdown(self) -> None:
        for task in self._pending.values():
            task.cancel()
        await self.supervisor.stop()


def _size(chars: int) -> str:
    if chars >= 1024 * 1024:
        return f"{chars / (1024 * 1024):.1f} MB"
    return f"{chars / 1024:.0f} KB"


def path_of(uri: str) -> Path | None:
    """The file system path of a file: URI (None for other schemes)."""
    from pygls.uris import to_fs_path

    path = to_fs_path(uri)
    return Path(path) if path else None
