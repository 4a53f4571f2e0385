"""Compile checks of the fixes a document offers, run in the background for actions and hovers.

An agent's fixes are checked as soon as they are placed (and again once typing pauses,
since an edit changes the text they apply to); a built-in or linter fix when a code
action request first touches it. No request ever waits for a check: a fix whose check
is still running is offered as before, a fix that passed says so in its title, a fix
that failed is not offered (and, if it was offered while its check ran, resolving it
gives a disabled action quoting the compiler instead of an edit).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from se_lsp.core.findings import BUILTIN_SOURCE, LINTER_SOURCES, Finding
from se_lsp.core.settings import Settings
from se_lsp.lsp.diagnostics import DiagnosticStore
from se_lsp.lsp.documents import Document, DocumentStore
from se_lsp.verify import Status, Verdict

if TYPE_CHECKING:
    from se_lsp.verify.checker import Verifier

log = logging.getLogger(__name__)

# Seconds without an edit before an agent fix is checked again against the new text.
SETTLE = 1.0

# Fixes one code action or hover request may start checking (those the client named first).
PER_REQUEST = 4

PENDING = "pending"


class Host(Protocol):
    documents: DocumentStore
    diagnostics: DiagnosticStore
    settings: Settings
    root: Path | None


def agent_findings(store: DiagnosticStore, uri: str) -> list[Finding]:
    """The findings of the document's agent sources (not the built-in rules, not a linter)."""
    return [
        f
        for f in store.findings(uri)
        if f.source != BUILTIN_SOURCE and f.source not in LINTER_SOURCES
    ]


@dataclass(frozen=True)
class Target:
    """One fix as the compiler would see it."""

    path: Path
    language: str
    fixed: str
    original: str


def target(doc: Document, finding: Finding) -> Target | None:
    """The document's text with `finding`'s fix applied, for a document saved on disk."""
    from pygls.uris import to_fs_path

    if finding.fix is None or doc.language is None:
        return None
    fs_path = to_fs_path(doc.uri)
    if not fs_path:
        return None
    index = doc.index
    a = index.offset(finding.fix.span.start)
    b = index.offset(finding.fix.span.end)
    fixed = doc.text[:a] + finding.fix.new_text + doc.text[b:]
    return Target(Path(fs_path), doc.language, fixed, doc.text)


class FixChecks:
    def __init__(self, host: Host, verifier: Verifier | None = None) -> None:
        self.host = host
        self._verifier = verifier
        self._tasks: dict[asyncio.Task[None], Path] = {}  # running checks and their file
        # Fixes whose check is started but has not reached the verifier yet (by target).
        self._queued: set[Target] = set()
        self._settling: dict[str, asyncio.Task[None]] = {}
        self.counts = {s: 0 for s in Status}

    @property
    def verifier(self) -> Verifier:
        """Made on first use: the toolchain modules load only when a fix is checked."""
        if self._verifier is None:
            from se_lsp.verify.checker import Verifier

            self._verifier = Verifier()
        return self._verifier

    @property
    def enabled(self) -> bool:
        return self.host.settings.editor.verify.enabled

    def state(self, doc: Document, finding: Finding) -> Verdict | str | None:
        """The verdict on this fix for the current text, PENDING, or None (not started)."""
        if not self.enabled:
            return None
        t = target(doc, finding)
        if t is None:
            return None
        found = self.verifier.cached(t.path, t.language, t.fixed, t.original)
        if found is not None:
            return found
        if t in self._queued or self.verifier.running(t.path, t.language, t.fixed, t.original):
            return PENDING
        return None

    def verdict_of(self, doc: Document) -> Callable[[Finding], Verdict | None]:
        """A lookup for the action builder: the finished verdict on a finding's fix, if any."""

        def lookup(finding: Finding) -> Verdict | None:
            state = self.state(doc, finding)
            return state if isinstance(state, Verdict) else None

        return lookup

    def ensure(self, doc: Document, findings: Iterable[Finding], limit: int | None = None) -> None:
        """Start checks of these findings' fixes that are neither known nor running.

        `limit` caps how many fixes one request may start checking: code actions over a
        whole-file selection must not queue a compile per finding in the file.
        """
        if not self.enabled:
            return
        with_fix = [f for f in findings if f.fix is not None]
        if limit is not None:
            with_fix = with_fix[:limit]
        for finding in with_fix:
            t = target(doc, finding)
            if t is None:
                continue
            if self.verifier.cached(t.path, t.language, t.fixed, t.original) is not None:
                continue
            if t in self._queued or self.verifier.running(t.path, t.language, t.fixed, t.original):
                continue
            self._queued.add(t)
            task = asyncio.get_running_loop().create_task(self._check(t))
            self._tasks[task] = t.path
            task.add_done_callback(functools.partial(self._done, t))

    def changed(self, doc: Document) -> None:
        """The text changed: stop checks of the old text, check agent fixes once typing stops."""
        from pygls.uris import to_fs_path

        fs_path = to_fs_path(doc.uri)
        if fs_path:
            self._cancel(Path(fs_path))
        old = self._settling.pop(doc.uri, None)
        if old is not None:
            old.cancel()
        if self.enabled and agent_findings(self.host.diagnostics, doc.uri):
            task = asyncio.get_running_loop().create_task(self._settle(doc, doc.version))
            self._settling[doc.uri] = task

    def agent_done(self, arg: object) -> None:
        """A review ended (the optimize command's argument): check its fixes now."""
        uri = arg.get("uri") if isinstance(arg, dict) else getattr(arg, "uri", None)
        doc = self.host.documents.get(str(uri)) if uri else None
        if doc is not None:
            self.ensure(doc, agent_findings(self.host.diagnostics, doc.uri))

    def closed(self, uri: str) -> None:
        from pygls.uris import to_fs_path

        task = self._settling.pop(uri, None)
        if task is not None:
            task.cancel()
        fs_path = to_fs_path(uri)
        if fs_path:
            self._cancel(Path(fs_path))

    def _cancel(self, path: Path) -> None:
        """Stop the checks of `path`'s older text, started or still waiting their turn."""
        for task, of in list(self._tasks.items()):
            if of == path:
                task.cancel()
        if self._verifier is not None:
            self._verifier.cancel(path)

    async def _settle(self, doc: Document, version: int) -> None:
        await asyncio.sleep(SETTLE)
        if doc.version == version:
            self.ensure(doc, agent_findings(self.host.diagnostics, doc.uri))

    def _done(self, t: Target, task: asyncio.Task[None]) -> None:
        # Also for a task cancelled before it ever ran (its body's `finally` never would).
        self._tasks.pop(task, None)
        self._queued.discard(t)

    async def _check(self, t: Target) -> None:
        timeout = self.host.settings.editor.verify.timeout_ms / 1000
        try:
            verdict = await self.verifier.verify(
                t.path, t.language, t.fixed, self.host.root, original=t.original, timeout=timeout
            )
        except asyncio.CancelledError:
            return
        except Exception:  # a bug here must not take the server down; the fix stays unchecked
            log.exception("compile check of a fix in %s failed", t.path)
            return
        self.counts[verdict.status] += 1

    def describe(self) -> str:
        n = sum(self.counts.values())
        if n == 0:
            return "Compile checks of fixes: none yet."
        c = self.counts
        return (
            f"Compile checks of fixes: {n} ({c[Status.PASSED]} compile, {c[Status.FAILED]} do "
            f"not and were withheld, {c[Status.UNCHECKED]} could not be checked)."
        )

    def shutdown(self) -> None:
        for task in [*self._tasks, *self._settling.values()]:
            task.cancel()
        if self._verifier is not None:
            self._verifier.cancel_all()


def hover_line(state: Verdict | str | None) -> str:
    """What the hover says about a fix's compile check."""
    if state == PENDING:
        return "**Compile check:** running…"
    if isinstance(state, Verdict):
        return state.markdown()
    return ""
