"""Scheduling the built-in analyzer for open documents: debounce, off-loop, never stale.

Parsing and rule checks run in a small thread pool of their own (not pygls's,
which also reads stdin), so a 10,000-line file never delays a hover. A result is
kept only if the document is still at the version it was computed for.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from se_lsp.core.findings import BUILTIN_SOURCE
from se_lsp.core.policy import Policy
from se_lsp.core.positions import LineIndex
from se_lsp.core.settings import Settings
from se_lsp.lsp.diagnostics import DiagnosticStore, Rendered
from se_lsp.lsp.documents import Document
from se_lsp.lsp.render import render, rule_href
from se_lsp.rules import Analysis
from se_lsp.rules.batch import run_rules

log = logging.getLogger(__name__)

# How many documents keep their syntax tree between analyses.
KEEP_TREES = 8

# Seconds of no typing after which a fast re-analysis is completed by an exact one.
SETTLE = 0.6


class _State:
    """The last analysis of one document, reused by the next one; one worker at a time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.analysis: Analysis | None = None
        self.settings: Settings | None = None

    def run(
        self,
        text: str,
        language: str,
        settings: Settings,
        index: LineIndex,
        exact: bool,
        path: str | None = None,
    ) -> Analysis:
        with self.lock:
            previous = self.analysis if self.settings is settings else None
            result = run_rules(text, language, settings, index, previous, exact, path)
            self.analysis, self.settings = result, settings
            return result


def _analyse_and_render(
    state: _State,
    text: str,
    language: str,
    settings: Settings,
    index: LineIndex | None,
    exact: bool,
    uri: str,
    encoding: str,
) -> tuple[Analysis, str, LineIndex]:
    """Analyse, then render the diagnostics JSON here too: the event loop only writes it.

    A newly opened document's line index is built here as well (~8 ms for 10,000 lines).
    """
    from pygls.uris import to_fs_path

    index = index or LineIndex(text)
    result = state.run(text, language, settings, index, exact, to_fs_path(uri))
    return result, render(result.findings, index, encoding, uri, rule_href), index


class Analyzer:
    """Runs the built-in rules for documents and hands fresh results to `publish`."""

    def __init__(
        self,
        store: DiagnosticStore,
        workers: int = 2,
        encoding: Callable[[], str] = lambda: "utf-16",
    ) -> None:
        self._store = store
        self._encoding = encoding
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="se-lsp-rules")
        self._pending: dict[str, asyncio.Task[None]] = {}
        self.settings = Settings()
        self.policy = Policy()
        # Syntax trees of the documents edited most recently, for incremental re-parsing.
        # Trees are the bulk of the server's memory (~0.65 MB per 1,000 lines, measured), so the
        # others are parsed afresh when they change again.
        self._states: OrderedDict[str, _State] = OrderedDict()

    def configure(self, settings: Settings, policy: Policy) -> None:
        self.settings = settings
        self.policy = policy

    def excluded(self, doc: Document) -> str | None:
        return self.policy.excluded(path_of(doc.uri))

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
        if not task.cancelled() and task.exception() is not None:
            log.error("analysis of %s failed", uri, exc_info=task.exception())

    def cancel(self, uri: str) -> None:
        """Stop analysing `uri` and forget its state (the document was closed)."""
        self._states.pop(uri, None)
        task = self._pending.pop(uri, None)
        if task is not None:
            task.cancel()

    async def _run(self, doc: Document, delay: float, typing: bool) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        language = doc.language
        if language is None:
            return
        if self.excluded(doc) is not None or not self.settings.language_enabled(language):
            self._nothing(doc)
            return
        try:
            exact = await self._analyse(doc, language, exact=not typing)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the built-in analysis of %s failed", doc.uri)
            self._nothing(doc)
            return
        if exact is None or exact:
            return
        # A new edit cancels this task, so the exact pass runs only once typing pauses.
        await asyncio.sleep(SETTLE)
        await self._analyse(doc, language, exact=True)

    async def _analyse(self, doc: Document, language: str, *, exact: bool) -> bool | None:
        """Run the rules, publish if the document is unchanged; None when it was stale."""
        version, text, index = doc.version, doc.text, doc.built_index()
        state = self._states.get(doc.uri)
        if state is None:
            state = self._states[doc.uri] = _State()
            while len(self._states) > KEEP_TREES:
                self._states.popitem(last=False)
        else:
            self._states.move_to_end(doc.uri)
        loop = asyncio.get_running_loop()
        encoding = self._encoding()
        result, rendered, built = await loop.run_in_executor(
            self._pool,
            _analyse_and_render,
            state,
            text,
            language,
            self.settings,
            index,
            exact,
            doc.uri,
            encoding,
        )
        if doc.version != version or doc.text is not text:
            return None  # a newer analysis is already scheduled for the new text
        doc.adopt_index(built)
        self._store.replace(
            doc.uri,
            BUILTIN_SOURCE,
            result.findings,
            version=version,
            follows_edits=False,
            rendered=Rendered(rendered, encoding, version),
        )
        self._store.publish(doc.uri)
        return result.exact

    def _nothing(self, doc: Document) -> None:
        """No built-in findings for this version of `doc` (excluded, disabled or failed)."""
        self._store.replace(doc.uri, BUILTIN_SOURCE, [], version=doc.version, follows_edits=False)
        self._store.publish(doc.uri)

    def shutdown(self) -> None:
        for task in self._pending.values():
            task.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)


def path_of(uri: str) -> Path | None:
    """The file system path of a file: URI (None for other schemes)."""
    from pygls.uris import to_fs_path

    path = to_fs_path(uri)
    return Path(path) if path else None
