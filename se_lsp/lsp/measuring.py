""" "Measure this change": a benchmark pair from the agent, run only once the user says so.

The action is offered on an agent finding that has a replacement. Running it asks the
agent for two self-contained programs (the code before and after), writes them to a
file in se-lsp's scratch area and shows it (window/showDocument when the editor has it),
and asks (window/showMessageRequest) whether to build and run them. Only the answer
"Run benchmark" runs anything, in a scratch directory with the time and memory limits
of seLsp.measure; the figures go to the finding's hover and to showStats.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from lsprotocol import types

from se_lsp.core.findings import Finding
from se_lsp.core.policy import Policy
from se_lsp.core.positions import Span
from se_lsp.core.settings import Settings
from se_lsp.lsp.diagnostics import DiagnosticStore
from se_lsp.lsp.documents import Document, DocumentStore
from se_lsp.lsp.fixcheck import agent_findings

log = logging.getLogger(__name__)

MEASURE = "se-lsp.measure"
RUN = "Run benchmark"
CANCEL = "Cancel"

_tokens = itertools.count(1)


class Host(Protocol):
    documents: DocumentStore
    diagnostics: DiagnosticStore
    policy: Policy
    settings: Settings
    root: Path | None

    def notify_user(self, message: str, level: types.MessageType) -> None: ...

    def client_supports(self, field: str) -> bool: ...

    def progress_api(self) -> Any: ...

    async def ask_user(self, message: str, choices: list[str]) -> str | None: ...

    async def show_file(self, path: Path) -> bool: ...


@dataclass(frozen=True)
class Measured:
    title: str
    headline: str
    markdown: str


def _finding_id(uri: str, f: Finding) -> str:
    """Stable while the finding moves with edits above it (its key changes then)."""
    raw = f"{uri}|{f.source}|{f.title}|{f.extra.get('lines', '')}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


class Measuring:
    def __init__(self, host: Host, runner: Any) -> None:
        self.host = host
        # The agent runner: its ModelClient (connections, stats) and its consent gate.
        self.runner = runner
        self.results: dict[str, Measured] = {}
        self.order: list[str] = []

    def actions(self, doc: Document, span: Span) -> list[types.CodeAction]:
        settings = self.host.settings.editor
        if not settings.measure.enabled or not settings.agent.enable:
            return []
        out = []
        for f in agent_findings(self.host.diagnostics, doc.uri):
            if f.fix is None or not f.span.overlaps(span):
                continue
            out.append(
                types.CodeAction(
                    title=f"Measure this change: {f.title}",
                    kind=types.CodeActionKind.Refactor,
                    command=types.Command(
                        title="Measure this change",
                        command=MEASURE,
                        arguments=[{"uri": doc.uri, "key": f.key}],
                    ),
                )
            )
        return out

    def hover(self, doc: Document, finding: Finding) -> str:
        found = self.results.get(_finding_id(doc.uri, finding))
        return found.markdown if found is not None else ""

    def describe(self) -> str:
        if not self.order:
            return ""
        lines = [f"- {self.results[k].title}: {self.results[k].headline}" for k in self.order]
        return "Measured changes:\n" + "\n".join(lines)

    async def run(self, arg: Any, token: Any = None) -> dict[str, Any]:
        """The command: pair from the agent, shown, confirmed, run, reported."""
        host = self.host
        if not isinstance(arg, dict):
            arg = _plain(arg)
        doc = host.documents.get(str(arg.get("uri", ""))) if isinstance(arg, dict) else None
        finding = (
            host.diagnostics.find(doc.uri, str(arg.get("key", ""))) if doc is not None else None
        )
        if doc is None or finding is None or finding.fix is None or doc.language is None:
            return self._fail(
                "the finding to measure is gone (the code changed); run the review again"
            )
        try:
            pair = await self._ask_agent(doc, finding)
        except _Refused as err:
            return self._fail(str(err))
        review = await asyncio.to_thread(_write_review, pair, finding, doc.language)
        shown = (
            await host.show_file(review)
            if host.client_supports("window.show_document.support")
            else False
        )
        m = host.settings.editor.measure
        where = f"shown in {review}" if shown else f"written to {review}"
        question = (
            f"se-lsp: build and run this benchmark pair for “{finding.title}”? "
            f"The agent wrote it ({where}). It is built and run {m.runs} times per side in "
            f"a scratch directory, at most {m.timeout_ms / 1000:g} s and {m.memory_mb} MB; "
            "nothing runs in your workspace."
        )
        if not shown:
            question += f"\n\nBefore:\n{pair.before}\n\nAfter:\n{pair.after}"
        try:
            answer = await host.ask_user(question, [RUN, CANCEL])
        except Exception as err:  # a client that fails to ask has not said yes
            log.info("showMessageRequest failed: %s", err)
            answer = None
        if answer != RUN:
            return {"cancelled": True, "review": str(review)}
        return await self._measure(doc, finding, pair, token)

    async def _ask_agent(self, doc: Document, finding: Finding) -> Any:
        from pygls.uris import to_fs_path

        from se_lsp.agent.client import endpoint_from
        from se_lsp.agent.errors import AgentError
        from se_lsp.core.policy import PolicyError
        from se_lsp.measure.request import SYSTEM, build_request, parse_pair, response_schema

        host = self.host
        fs_path = to_fs_path(doc.uri)
        pattern = host.policy.never_sent(Path(fs_path) if fs_path else None)
        if pattern is not None:
            raise _Refused(f"this file is excluded by '{pattern}' and is never sent to a model")
        try:
            endpoint = endpoint_from(host.settings.editor.agent)
            await host.policy.check_endpoint(endpoint.base_url)
            # The host consent every review asks for (agent/consent.py): never skipped here.
            await self.runner.gate.check(endpoint)
        except (AgentError, PolicyError) as err:
            raise _Refused(str(err)) from None
        assert finding.fix is not None and doc.language is not None
        index = doc.index
        before = finding.extra.get("lines") or "\n".join(
            index.line(n) for n in range(finding.span.start.line, finding.span.end.line + 1)
        )
        context = ""
        run_range = finding.extra.get("run_range", "")
        if ":" in run_range:
            a, b = (int(x) for x in run_range.split(":"))
            context = "\n".join(index.line(n) for n in range(a, min(b, a + 400) + 1))
        user, _ = build_request(doc.language, before, finding.fix.new_text, finding.title, context)
        progress = _Progress(host, None)
        await progress.begin("se-lsp: asking for a benchmark pair")
        try:
            result = await self.runner.client.complete(endpoint, SYSTEM, user, response_schema())
        except AgentError as err:
            raise _Refused(str(err)) from None
        finally:
            progress.end("done")
        try:
            return parse_pair(result.text, doc.language)
        except ValueError as err:
            raise _Refused(f"{endpoint.model}: {err}") from None

    async def _measure(
        self, doc: Document, finding: Finding, pair: Any, token: Any
    ) -> dict[str, Any]:
        from se_lsp.measure.runner import MeasureError, measure

        m = self.host.settings.editor.measure
        progress = _Progress(self.host, token)
        await progress.begin(f"se-lsp: measuring “{finding.title}”")
        ended = "failed"
        try:
            result = await measure(
                pair, runs=m.runs, timeout=m.timeout_ms / 1000, memory_mb=m.memory_mb
            )
        except MeasureError as err:
            progress.end(ended)
            return self._fail(f"the benchmark could not be measured: {err}")
        except asyncio.CancelledError:
            progress.end("cancelled")
            raise
        c = result.comparison
        headline = c.headline()
        ended = headline
        progress.end(ended)
        key = _finding_id(doc.uri, finding)
        if key not in self.results:
            self.order.append(key)
        self.results[key] = Measured(finding.title, headline, result.markdown())
        self.host.notify_user(f"se-lsp: {finding.title}: {headline}", types.MessageType.Info)
        return {
            "headline": headline,
            "ratio": c.ratio,
            "runs": c.runs,
            "spread": c.spread,
            "before": c.before.median,
            "after": c.after.median,
            "unit": c.unit,
        }

    def _fail(self, message: str) -> dict[str, Any]:
        self.host.notify_user(f"se-lsp: {message}", types.MessageType.Warning)
        return {"error": message}


class _Refused(Exception):
    pass


def _write_review(pair: Any, finding: Finding, language: str) -> Path:
    """The pair as a markdown file in se-lsp's scratch area, for the user to read."""
    from se_lsp.toolchain.scratch import scratch_home

    fence = {"rust": "rust", "cpp": "cpp", "go": "go"}[language]
    text = (
        f"# Benchmark pair: {finding.title}\n\n{pair.description}\n\n"
        f"Nothing runs until you choose “{RUN}”. Each side is built and run in a scratch "
        "directory, never in your workspace.\n\n"
        f"## Before\n\n```{fence}\n{pair.before}\n```\n\n"
        f"## After\n\n```{fence}\n{pair.after}\n```\n"
    )
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    directory = scratch_home() / "measure"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"pair-{digest}.md"
    path.write_text(text, encoding="utf-8")
    return path


def _plain(value: Any) -> Any:
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    return value


class _Progress:
    """Work-done progress that always ends (the client's token, or one we create)."""

    def __init__(self, host: Host, token: Any) -> None:
        self.host = host
        self.token = token
        self.active = False

    async def begin(self, title: str) -> None:
        wdp = self.host.progress_api()
        if self.token is None and self.host.client_supports("window.work_done_progress"):
            token = f"se-lsp-measure-{next(_tokens)}"
            try:
                await asyncio.wait_for(wdp.create_async(token), 5)
                self.token = token
            except Exception as err:  # a client that refuses just gets no progress
                log.info("work done progress not created: %s", err)
        if self.token is None:
            return
        wdp.begin(self.token, types.WorkDoneProgressBegin(title=title, cancellable=False))
        self.active = True

    def end(self, message: str) -> None:
        if self.active:
            self.active = False
            with contextlib.suppress(Exception):
                self.host.progress_api().end(self.token, types.WorkDoneProgressEnd(message=message))
