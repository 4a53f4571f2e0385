"""Editor runs of the agent: the work behind `se-lsp.optimize` and friends.

One run: prepare the request off the event loop, then follow the shared pipeline
(review.py) and place each finding as soon as it arrives. Findings are validated
against the text the model saw; if the document has been edited meanwhile they are
re-anchored by their line text or dropped (and counted). Progress always ends, also on
error or cancel, with the outcome in words; a new run over overlapping lines of the
same document cancels the old one; at most `maxConcurrent` requests are in flight.
Every failure is one message, from the typed errors of errors.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from lsprotocol import types

from se_lsp.agent import AGENT_ACTION, CLEAR_CACHE, DISMISS, OPTIMIZE, SHOW_STATS
from se_lsp.agent.consent import AskingGate
from se_lsp.agent.definitions import AgentDef, load_agents, origin
from se_lsp.agent.errors import AgentError, UnknownAgent, short
from se_lsp.agent.review import Done, Dropped, Found, Outcome, Request, Reviewer, Status, prepare
from se_lsp.agent.validate import CODE_CHANGED
from se_lsp.core.findings import BUILTIN_SOURCE, LINTER_SOURCES, Finding
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

    def log_message(self, message: str) -> None: ...

    async def ask_user(self, message: str, actions: list[str]) -> str | None: ...

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


_tokens = itertools.count(1)


class AgentRunner:
    def __init__(self, host: Host) -> None:
        self.host = host
        self.gate = AskingGate(
            ask=host.ask_user, can_ask=lambda: host.client_supports("window.show_message")
        )
        self.reviewer = Reviewer(self.gate)
        self.client = self.reviewer.client
        self.stats = self.reviewer.stats
        self.cache = self.reviewer.cache
        self._runs: list[Run] = []
        self._agents_key: tuple[tuple[str, ...], tuple[str, ...]] | None = None
        self._agents: dict[str, AgentDef] = {}
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="se-lsp-agent")

    # -- agents and actions ---------------------------------------------------------------

    def agents(self) -> dict[str, AgentDef]:
        cfg = self.host.settings.editor.agent
        key = (tuple(cfg.agents_dirs), tuple(cfg.agents))
        if key != self._agents_key:
            self._agents, problems = load_agents(cfg.agents_dirs, cfg.agents, self.host.root)
            self._agents_key = key
            for p in problems:
                self.host.notify_user(f"se-lsp: {p}", types.MessageType.Warning)
            for agent in self._agents.values():
                if agent.replaces:
                    self.host.log_message(
                        f"se-lsp: agent '{agent.name}' from {agent.path} replaces the "
                        "built-in one of that name"
                    )
        return self._agents

    def excluded_by(self, doc: Document) -> str | None:
        """The exclusion pattern that keeps this file from ever reaching a model, if any."""
        return self.host.policy.never_sent(_path_of(doc))

    def actions(
        self, doc: Document, rng: types.Range, span: Span, *, disabled_support: bool = True
    ) -> list[types.CodeAction]:
        """ "Optimize selection with <agent>" for a non-empty selection in a supported file.

        In an excluded file the action is shown disabled, with the reason, rather than
        silently missing (clients without `disabled` support get it enabled: running it
        says the same). The action carries its document in `data`, so a client that
        resolves every action gets it back intact.
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
            title = f"Optimize selection with {agent.name}"
            about = f"{agent.description}\n" if agent.description else ""
            out.append(
                types.CodeAction(
                    title=title,
                    kind=types.CodeActionKind.RefactorRewrite,
                    disabled=disabled,
                    command=types.Command(
                        title=title,
                        command=OPTIMIZE,
                        arguments=[arg],
                        tooltip=f"{about}Agent file: {origin(agent)}",
                    ),
                    data={"uri": doc.uri, "kind": AGENT_ACTION, "agent": agent.id},
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

    def _failed(self, err: AgentError, outcome: Outcome | None = None) -> dict[str, Any]:
        """The one place a failed run becomes a message and a result."""
        level = types.MessageType.Warning if err.level == "warning" else types.MessageType.Error
        self.host.notify_user(f"se-lsp: {err.message}", level)
        result = outcome.as_result() if outcome is not None else {}
        return {**result, "error": err.message}

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
            return self._failed(UnknownAgent(f"no agent named '{agent_id}'"))
        assert doc.language is not None
        snapshot = _Snapshot(doc.text, doc.index, doc.version)
        build = functools.partial(
            prepare,
            snapshot.text,
            doc.language,
            span,
            agent=agent,
            settings=host.settings,
            path=_path_of(doc),
            never_sent=host.policy.never_sent,
            hints=[  # the built-in rules' findings and the linters' (on the last save)
                f
                for f in host.diagnostics.touching(doc.uri, span)
                if f.source == BUILTIN_SOURCE or f.source in LINTER_SOURCES
            ],
            index=snapshot.index,
            force=force,
        )
        try:
            # Exclusion, parsing and redaction are CPU work: off the event loop.
            req = await asyncio.get_running_loop().run_in_executor(self._pool, build)
        except AgentError as err:
            return self._failed(err)
        self.reviewer.limit(host.settings.editor.agent.max_concurrent)
        progress = _Progress(host, token)
        prompt = req.prompt
        await progress.begin(f"{agent.name}: lines {prompt.first_line + 1}-{prompt.last_line + 1}")
        outcome = Outcome()
        ended = "done"
        try:
            waiter = progress.cancelled_future()
            work = asyncio.ensure_future(self._follow(doc, snapshot, req, progress, outcome))
            if waiter is not None:
                waiter.add_done_callback(lambda _f: work.cancel())
            try:
                await work
            except asyncio.CancelledError:
                if waiter is not None and waiter.cancelled() and not _cancelling():
                    ended = "cancelled"
                    return {"cancelled": True, **outcome.as_result()}
                raise
            ended = outcome.describe()
            host.log_message(f"se-lsp: {agent.name} on lines {_lines(req)}: {ended}")
            return outcome.as_result()
        except AgentError as err:
            ended = f"{outcome.describe()}; failed: {short(err.message, 120)}"
            return self._failed(err, outcome)
        except asyncio.CancelledError:
            ended = "cancelled"
            raise
        finally:
            progress.end(ended)

    async def _follow(
        self,
        doc: Document,
        snapshot: _Snapshot,
        req: Request,
        progress: _Progress,
        outcome: Outcome,
    ) -> None:
        """Place what the pipeline yields, as it yields it."""
        prompt = req.prompt
        run_lines = Span(Pos(prompt.first_line, 0), Pos(prompt.last_line, 0))
        store = self.host.diagnostics
        placer = _Placer(store, doc, req.agent, snapshot, run_lines, prompt.language)
        async for event in self.reviewer.review(req, outcome):
            if isinstance(event, Status):
                progress.report(event.message)
            elif isinstance(event, Found):
                if placer.add(event.finding):
                    store.publish(doc.uri)
                    progress.report(f"{outcome.findings} found")
                else:
                    outcome.findings -= 1
                    outcome.dropped[CODE_CHANGED] += 1
                    self.stats.findings -= 1
                    self.stats.dropped[CODE_CHANGED] += 1
            elif isinstance(event, Dropped):
                log.info("%s: finding dropped: %s", req.agent.name, event.reason)
            elif isinstance(event, Done):
                placer.finish(event.outcome.summary)
                store.publish(doc.uri)

    async def shutdown(self) -> None:
        for run in self._runs:
            run.task.cancel()
        await self.reviewer.aclose()
        self._pool.shutdown(wait=False, cancel_futures=True)


def _lines(req: Request) -> str:
    return f"{req.prompt.first_line + 1}-{req.prompt.last_line + 1}"


def _path_of(doc: Document) -> Path | None:
    from pygls.uris import to_fs_path

    fs_path = to_fs_path(doc.uri)
    return Path(fs_path) if fs_path else None


def _cancelling() -> bool:
    task = asyncio.current_task()
    return bool(task is not None and task.cancelling())


# -- placing findings: the only code that writes agent findings into a document --------------


class _Placer:
    """Puts one run's findings into the store, on their document's lines as they are now."""

    def __init__(
        self,
        store: DiagnosticStore,
        doc: Document,
        agent: AgentDef,
        snapshot: _Snapshot,
        lines: Span,
        language: str,
    ) -> None:
        self.store = store
        self.doc = doc
        self.agent = agent
        self.snapshot = snapshot
        self.lines = lines
        self.language = language
        self.cleared = False

    def add(self, f: Finding) -> bool:
        """Place one finding; False when its code is no longer in the document."""
        index = self.snapshot.index
        original = "\n".join(index.line(n) for n in range(f.span.start.line, f.span.end.line + 1))
        extra = {
            "agent": self.agent.id,
            "run_range": f"{self.lines.start.line}:{self.lines.end.line}",
            "lines": original,
            "language": self.language,
        }
        placed = _where_now(self.doc, replace(f, extra=extra), self.snapshot)
        if placed is None:
            return False
        self._clear_once()
        self.store.add(self.doc.uri, self.agent.name, placed)
        return True

    def finish(self, summary: str) -> None:
        """The run is over: its summary replaces the old one on these lines."""
        self._clear_once()
        last = self.lines.end.line
        end = Pos(last, len(self.doc.index.line(last)))
        self.store.set_summary(self.doc.uri, self.agent.name, Span(self.lines.start, end), summary)

    def _clear_once(self) -> None:
        """Drop this agent's earlier findings on the lines analysed again (once per run)."""
        if self.cleared:
            return
        self.cleared = True
        self.store.clear_lines(
            self.doc.uri, self.agent.name, self.lines.start.line, self.lines.end.line
        )


def _where_now(doc: Document, f: Finding, snapshot: _Snapshot) -> Finding | None:
    """The finding in the document as it is now: where its lines still are, or nowhere."""
    if doc.version == snapshot.version and doc.text is snapshot.text:
        return f
    index = doc.index
    want = [snapshot.index.line(n) for n in range(f.span.start.line, f.span.end.line + 1)]
    candidates = [
        n
        for n in range(index.line_count - len(want) + 1)
        if index.line(n) == want[0] and all(index.line(n + i) == w for i, w in enumerate(want))
    ]
    if not candidates:
        return None
    best = min(candidates, key=lambda n: abs(n - f.span.start.line))
    return f.shifted(best - f.span.start.line)


# -- command arguments and progress -----------------------------------------------------


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


__all__ = ["AGENT_ACTION", "CLEAR_CACHE", "DISMISS", "OPTIMIZE", "SHOW_STATS", "AgentRunner"]
