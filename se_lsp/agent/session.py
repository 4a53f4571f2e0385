"""Running an agent on a selection: the work behind `se-lsp.optimize` and friends.

One run: check the file may be sent, build the prompt, look in the cache, stream
the model's reply, and publish each finding as soon as it is complete and valid.
Findings are validated against the text the model saw; if the document has been
edited meanwhile they are re-anchored by their line text or dropped. Progress
always ends, also on error or cancel; a new run over overlapping lines of the same
document cancels the old one; at most `maxConcurrent` requests are in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from lsprotocol import types

from se_lsp.agent import CLEAR_CACHE, DISMISS, OPTIMIZE, SHOW_STATS
from se_lsp.agent.cache import Entry, ReplyCache, cache_key
from se_lsp.agent.client import AgentError, Endpoint, ModelClient, NotConfigured, endpoint_from
from se_lsp.agent.definitions import AgentDef, load_agents
from se_lsp.agent.prompt import PROMPT_VERSION, Prompt, PromptError, build_prompt
from se_lsp.agent.reply import (
    ReplyFinding,
    StreamParser,
    parse_reply,
    response_schema,
    shift_lines,
    to_finding,
)
from se_lsp.core.findings import BUILTIN_SOURCE, LINTER_SOURCES, Finding
from se_lsp.core.languages import parser
from se_lsp.core.policy import Policy
from se_lsp.core.positions import LineIndex, Pos, Span
from se_lsp.core.settings import Settings
from se_lsp.lsp.convert import span_of
from se_lsp.lsp.diagnostics import DiagnosticStore
from se_lsp.lsp.documents import Document, DocumentStore

log = logging.getLogger(__name__)


class Host(Protocol):
    """What the runner needs from the language server."""

    documents: DocumentStore
    diagnostics: DiagnosticStore
    settings: Settings
    policy: Policy
    root: Path | None

    @property
    def encoding(self) -> str: ...

    def notify_user(self, message: str, level: types.MessageType) -> None: ...

    def progress_api(self) -> Any: ...

    def client_supports(self, field: str) -> bool: ...


@dataclass
class Run:
    uri: str
    lines: tuple[int, int]
    task: asyncio.Task[dict[str, Any]]


@dataclass(frozen=True)
class _Snapshot:
    """The document as the prompt was built from it."""

    text: str
    index: LineIndex
    version: int


@dataclass
class Outcome:
    """What one run produced (returned by the command, printed by the CLI)."""

    findings: list[Finding] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    summary: str = ""
    cached: bool = False
    seen: int = 0  # reply findings looked at, kept or not


_tokens = itertools.count(1)


class AgentRunner:
    def __init__(self, host: Host) -> None:
        self.host = host
        self.client = ModelClient()
        self.stats = self.client.stats
        self.cache = ReplyCache()
        self._runs: list[Run] = []
        self._agents_key: tuple[tuple[str, ...], tuple[str, ...]] | None = None
        self._agents: dict[str, AgentDef] = {}
        self._semaphore: asyncio.Semaphore | None = None
        self._semaphore_size = 0
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="se-lsp-agent")

    # -- agents and actions ---------------------------------------------------------------

    def agents(self) -> dict[str, AgentDef]:
        cfg = self.host.settings.editor.agent
        key = (tuple(cfg.agents_dirs), tuple(cfg.agents))
        if key != self._agents_key:
            self._agents, problems = load_agents(cfg.agents_dirs, cfg.agents)
            self._agents_key = key
            for p in problems:
                self.host.notify_user(f"se-lsp: {p}", types.MessageType.Warning)
        return self._agents

    def excluded_by(self, doc: Document) -> str | None:
        """The exclusion pattern that keeps this file from ever reaching a model, if any."""
        from pygls.uris import to_fs_path

        fs_path = to_fs_path(doc.uri)
        return self.host.policy.never_sent(Path(fs_path) if fs_path else None)

    def actions(
        self, doc: Document, rng: types.Range, span: Span, *, disabled_support: bool = True
    ) -> list[types.CodeAction]:
        """ "Optimize selection with <agent>" for a non-empty selection in a supported file.

        In an excluded file the action is shown disabled, with the reason, rather than
        silently missing (clients without `disabled` support get it enabled: running it
        says the same).
        """
        if doc.language is None or not self.host.settings.editor.agent.enable:
            return []
        if span.start == span.end:
            return []
        pattern = self.excluded_by(doc)
        disabled = None
        if pattern is not None and disabled_support:
            disabled = types.CodeActionDisabled(
                reason=f"This file is excluded by '{pattern}': it is never sent to a model."
            )
        out = []
        for agent in self.agents().values():
            arg = {"uri": doc.uri, "range": _range_json(rng), "agent": agent.id}
            out.append(
                types.CodeAction(
                    title=f"Optimize selection with {agent.name}",
                    kind=types.CodeActionKind.RefactorRewrite,
                    disabled=disabled,
                    command=types.Command(
                        title=f"Optimize selection with {agent.name}",
                        command=OPTIMIZE,
                        arguments=[arg],
                    ),
                )
            )
        return out

    def finding_actions(self, doc: Document, span: Span) -> list[types.CodeAction]:
        """Re-run and Dismiss for agent findings under the cursor."""
        out = []
        for f in self.host.diagnostics.touching(doc.uri, span):
            if f.source == BUILTIN_SOURCE:
                continue
            run = f.extra.get("run_range")
            if run and f.extra.get("agent"):
                a, b = (int(x) for x in run.split(":"))
                arg: dict[str, Any] = {
                    "uri": doc.uri,
                    "range": {
                        "start": {"line": a, "character": 0},
                        "end": {"line": b + 1, "character": 0},
                    },
                    "agent": f.extra["agent"],
                    "force": True,
                    "encodingFree": True,
                }
                out.append(
                    types.CodeAction(
                        title=f"Re-run {f.source} (ignore the cache)",
                        kind=types.CodeActionKind.RefactorRewrite,
                        command=types.Command(title="Re-run", command=OPTIMIZE, arguments=[arg]),
                    )
                )
            out.append(
                types.CodeAction(
                    title=f"Dismiss: {f.title}",
                    kind=types.CodeActionKind.QuickFix,
                    command=types.Command(
                        title="Dismiss", command=DISMISS, arguments=[{"uri": doc.uri, "key": f.key}]
                    ),
                )
            )
        return out

    def dismiss(self, arg: Any) -> bool:
        if not isinstance(arg, dict):
            return False
        uri = str(arg.get("uri", ""))
        if self.host.documents.get(uri) is None:
            return False
        store = self.host.diagnostics
        finding = store.find(uri, str(arg.get("key", "")))
        if finding is None or finding.source == BUILTIN_SOURCE:
            return False
        store.remove(uri, finding.key)
        store.publish(uri)
        return True

    async def clear_cache(self) -> None:
        await self.cache.clear()
        self.host.notify_user("se-lsp: the agent cache is cleared.", types.MessageType.Info)

    def show_stats(self) -> str:
        text = self.stats.describe()
        self.host.notify_user(text, types.MessageType.Info)
        return text

    # -- the command ---------------------------------------------------------------------

    async def optimize(self, arg: Any, work_done_token: Any = None) -> dict[str, Any]:
        """Entry point of `se-lsp.optimize`; cancels overlapping runs, then runs this one."""
        request = _parse_arg(arg)
        if isinstance(request, str):
            self.host.notify_user(f"se-lsp: {request}", types.MessageType.Error)
            return {"error": request}
        uri, rng, agent_id, force, encoding_free = request
        doc = self.host.documents.get(uri)
        if doc is None or doc.language is None:
            msg = "the document is not open, or not Rust, C++ or Go"
            self.host.notify_user(f"se-lsp: {msg}", types.MessageType.Error)
            return {"error": msg}
        if encoding_free:
            span = Span(Pos(rng.start.line, 0), Pos(rng.end.line, 0))
        else:
            span = span_of(doc.index, rng, self.host.encoding)
        lines = (span.start.line, span.end.line)
        for run in list(self._runs):
            if run.uri == uri and run.lines[0] <= lines[1] and lines[0] <= run.lines[1]:
                run.task.cancel()
        task = asyncio.get_running_loop().create_task(
            self._run(doc, span, agent_id, force, work_done_token)
        )
        run = Run(uri, lines, task)
        self._runs.append(run)
        try:
            return await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the client cancelled this request
            return {"cancelled": True}
        finally:
            if run in self._runs:
                self._runs.remove(run)

    async def _run(
        self, doc: Document, span: Span, agent_id: str, force: bool, token: Any
    ) -> dict[str, Any]:
        host = self.host
        if not host.settings.editor.agent.enable:
            msg = "the agent is turned off (seLsp.agent.enable)"
            host.notify_user(f"se-lsp: {msg}", types.MessageType.Info)
            return {"error": msg}
        agent = self.agents().get(agent_id)
        if agent is None:
            msg = f"no agent named '{agent_id}'"
            host.notify_user(f"se-lsp: {msg}", types.MessageType.Error)
            return {"error": msg}
        settings = host.settings
        pattern = self.excluded_by(doc)
        if pattern is not None:
            msg = f"this file is excluded by '{pattern}' and is never sent to a model"
            host.notify_user(f"se-lsp: {msg}", types.MessageType.Warning)
            return {"error": msg}
        try:
            endpoint = endpoint_from(settings.editor.agent)
        except NotConfigured as err:
            host.notify_user(str(err), types.MessageType.Warning)
            return {"error": "not configured"}
        limits = settings.editor.limits
        assert doc.language is not None
        snapshot = _Snapshot(doc.text, doc.index, doc.version)
        build = functools.partial(
            build_prompt,
            snapshot.text,
            doc.language,
            span,
            hints=[  # the built-in rules' findings and the linters' (on the last save)
                f
                for f in host.diagnostics.touching(doc.uri, span)
                if f.source == BUILTIN_SOURCE or f.source in LINTER_SOURCES
            ],
            max_lines=limits.max_selection_lines,
            max_bytes=limits.max_selection_bytes,
            index=snapshot.index,
        )
        try:
            # Parsing and redaction are CPU work: off the event loop.
            prompt = await asyncio.get_running_loop().run_in_executor(self._pool, build)
        except PromptError as err:
            host.notify_user(f"se-lsp: {err}", types.MessageType.Warning)
            return {"error": str(err)}
        progress = _Progress(host, token)
        await progress.begin(f"{agent.name}: lines {prompt.first_line + 1}-{prompt.last_line + 1}")
        outcome = Outcome()
        ended = "done"
        try:
            waiter = progress.cancelled_future()
            work = asyncio.ensure_future(
                self._analyse(doc, snapshot, prompt, agent, endpoint, force, progress, outcome)
            )
            if waiter is not None:
                waiter.add_done_callback(lambda _f: work.cancel())
            try:
                await work
            except asyncio.CancelledError:
                if waiter is not None and waiter.cancelled() and not _cancelling():
                    ended = "cancelled"
                    return {"cancelled": True, "findings": len(outcome.findings)}
                raise
            n = len(outcome.findings)
            ended = f"{n} finding{'s' if n != 1 else ''}" + (" (cached)" if outcome.cached else "")
            return {"findings": n, "cached": outcome.cached, "dropped": outcome.dropped}
        except AgentError as err:
            ended = "failed"
            host.notify_user(f"se-lsp: {err}", types.MessageType.Error)
            return {"error": str(err), "findings": len(outcome.findings)}
        except asyncio.CancelledError:
            ended = "cancelled"
            raise
        finally:
            progress.end(ended)

    async def _analyse(
        self,
        doc: Document,
        snapshot: _Snapshot,
        prompt: Prompt,
        agent: AgentDef,
        endpoint: Endpoint,
        force: bool,
        progress: _Progress,
        outcome: Outcome,
    ) -> None:
        snapshot_text, snapshot_version = snapshot.text, snapshot.version
        snapshot_index = snapshot.index
        language = prompt.language
        original_parses = await asyncio.get_running_loop().run_in_executor(
            self._pool, _parses, language, snapshot_text
        )
        run_lines = Span(Pos(prompt.first_line, 0), Pos(prompt.last_line, 0))
        cleared = False

        def accept(raw: ReplyFinding) -> None:
            nonlocal cleared
            outcome.seen += 1
            checked = to_finding(
                raw,
                prompt,
                snapshot_text,
                source=agent.name,
                index=snapshot_index,
                original_parses=original_parses,
            )
            if checked.finding is None:
                outcome.dropped.append(checked.reason)
                return
            f = checked.finding
            original = "\n".join(
                snapshot_index.line(n) for n in range(f.span.start.line, f.span.end.line + 1)
            )
            extra = {
                "agent": agent.id,
                "run_range": f"{prompt.first_line}:{prompt.last_line}",
                "lines": original,
                "language": language,
            }
            f = replace(f, extra=extra)
            placed = _place(doc, f, snapshot_index, snapshot_version)
            if placed is None:
                outcome.dropped.append("the code changed while the agent was working")
                return
            store = self.host.diagnostics
            if not cleared:
                store.clear_lines(doc.uri, agent.name, run_lines.start.line, run_lines.end.line)
                cleared = True
            store.add(doc.uri, agent.name, placed)
            outcome.findings.append(placed)
            store.publish(doc.uri)
            progress.report(f"{len(outcome.findings)} found")

        key = cache_key(
            system_prompt=agent.system_prompt,
            model=endpoint.model,
            endpoint=endpoint.base_url,
            prompt_version=PROMPT_VERSION,
            snippet=prompt.cache_text,
        )
        use_cache = self.host.settings.editor.agent.cache
        entry = await self.cache.get(key) if use_cache and not force else None
        if entry is not None:
            self.stats.cache_hits += 1
            outcome.cached = True
            delta = prompt.first_line - entry.first_line
            try:
                reply = parse_reply(entry.reply)
            except ValueError:
                reply = None
            if reply is not None:
                for raw in reply.findings:
                    accept(shift_lines(raw, delta))
                self._finish(doc, agent, run_lines, reply.summary, cleared, outcome)
                return
        parser_ = StreamParser()

        def on_text(delta: str) -> None:
            for raw in parser_.feed(delta):
                accept(raw)

        semaphore = self._get_semaphore()
        async with semaphore:
            progress.report("waiting for the model")
            result = await self.client.complete(
                endpoint,
                agent.system_prompt,
                prompt.user,
                response_schema(),
                on_text,
                temperature=agent.temperature,
            )
        try:
            reply = parse_reply(result.text)
        except ValueError as err:
            raise AgentError(
                f"{endpoint.base_url}: {err}; the model did not follow the reply format. "
                "Try again, or a model that supports JSON output (seLsp.agent.model)."
            ) from None
        for raw in reply.findings[outcome.seen :]:
            accept(raw)  # anything the streaming scanner could not see complete
        self._finish(doc, agent, run_lines, reply.summary, cleared, outcome)
        if use_cache:
            await self.cache.put(key, Entry(result.text, prompt.first_line))

    def _finish(
        self,
        doc: Document,
        agent: AgentDef,
        run_lines: Span,
        summary: str | None,
        cleared: bool,
        outcome: Outcome,
    ) -> None:
        from se_lsp.agent.reply import LIMITS, clean_text

        store = self.host.diagnostics
        if not cleared:
            store.clear_lines(doc.uri, agent.name, run_lines.start.line, run_lines.end.line)
        text = clean_text(summary or "", LIMITS["summary"])
        end = Pos(run_lines.end.line, len(doc.index.line(run_lines.end.line)))
        store.set_summary(doc.uri, agent.name, Span(run_lines.start, end), text)
        outcome.summary = text
        store.publish(doc.uri)

    def _get_semaphore(self) -> asyncio.Semaphore:
        size = self.host.settings.editor.agent.max_concurrent
        if self._semaphore is None or size != self._semaphore_size:
            self._semaphore = asyncio.Semaphore(size)
            self._semaphore_size = size
        return self._semaphore

    async def shutdown(self) -> None:
        for run in self._runs:
            run.task.cancel()
        await self.client.aclose()
        self.cache.close()
        self._pool.shutdown(wait=False, cancel_futures=True)


def _parses(language: str, text: str) -> bool:
    return not parser(language).parse(text.encode("utf-8")).root_node.has_error


def _cancelling() -> bool:
    task = asyncio.current_task()
    return bool(task is not None and task.cancelling())


def _place(doc: Document, f: Finding, snapshot: LineIndex, snapshot_version: int) -> Finding | None:
    """The finding in the document as it is now: where its lines still are, or nowhere."""
    if doc.version == snapshot_version and doc.text is snapshot.text:
        return f
    index = doc.index
    want = [snapshot.line(n) for n in range(f.span.start.line, f.span.end.line + 1)]
    candidates = [
        n
        for n in range(index.line_count - len(want) + 1)
        if index.line(n) == want[0] and all(index.line(n + i) == w for i, w in enumerate(want))
    ]
    if not candidates:
        return None
    best = min(candidates, key=lambda n: abs(n - f.span.start.line))
    return f.shifted(best - f.span.start.line)


def _range_json(rng: types.Range) -> dict[str, Any]:
    return {
        "start": {"line": rng.start.line, "character": rng.start.character},
        "end": {"line": rng.end.line, "character": rng.end.character},
    }


def _parse_arg(arg: Any) -> tuple[str, types.Range, str, bool, bool] | str:
    try:
        if hasattr(arg, "_asdict"):
            arg = _plain(arg)
        uri = str(arg["uri"])
        r = arg["range"]
        rng = types.Range(
            types.Position(int(r["start"]["line"]), int(r["start"]["character"])),
            types.Position(int(r["end"]["line"]), int(r["end"]["character"])),
        )
        agent = str(arg.get("agent") or "systems-engineer")
        return uri, rng, agent, bool(arg.get("force")), bool(arg.get("encodingFree"))
    except (KeyError, TypeError, ValueError, AttributeError):
        return "se-lsp.optimize expects one argument {uri, range, agent}"


def _plain(value: Any) -> Any:
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


class _Progress:
    """Work-done progress that always ends: the client's token, or one we create if allowed."""

    def __init__(self, host: Host, token: Any) -> None:
        self.host = host
        self.token = token
        self.active = False

    async def begin(self, title: str) -> None:
        wdp = self.host.progress_api()
        if self.token is None and self.host.client_supports("window.work_done_progress"):
            token = f"se-lsp-agent-{next(_tokens)}"
            try:
                await asyncio.wait_for(wdp.create_async(token), 5)
                self.token = token
            except Exception as err:  # a client that refuses just gets no progress
                log.info("work done progress not created: %s", err)
        if self.token is None:
            return
        wdp.begin(
            self.token, types.WorkDoneProgressBegin(title=title, cancellable=True, message="sent")
        )
        self.active = True

    def cancelled_future(self) -> Future[Any] | None:
        if not self.active:
            return None
        fut: Future[Any] | None = self.host.progress_api().tokens.get(self.token)
        return fut

    def report(self, message: str) -> None:
        if self.active:
            self.host.progress_api().report(
                self.token, types.WorkDoneProgressReport(message=message)
            )

    def end(self, message: str) -> None:
        if self.active:
            self.active = False
            with contextlib.suppress(Exception):
                self.host.progress_api().end(self.token, types.WorkDoneProgressEnd(message=message))
                self.host.progress_api().tokens.pop(self.token, None)


__all__ = ["CLEAR_CACHE", "DISMISS", "OPTIMIZE", "SHOW_STATS", "AgentRunner"]
