"""pygls wiring: thin handlers that call the modules that do the work."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.capabilities import get_capability
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from se_lsp import __version__
from se_lsp.agent import AGENT_ACTION, CLEAR_CACHE, DISMISS, OPTIMIZE, SHOW_STATS
from se_lsp.core.findings import BUILTIN_SOURCE, LINTER_SOURCES, hover_markdown
from se_lsp.core.policy import Policy
from se_lsp.core.settings import Settings, resolve
from se_lsp.lsp import actions, logs
from se_lsp.lsp.analysis import Analyzer
from se_lsp.lsp.convert import pos_of, span_of
from se_lsp.lsp.diagnostics import DiagnosticStore
from se_lsp.lsp.documents import Document, DocumentStore
from se_lsp.lsp.fixcheck import PER_REQUEST, FixChecks, hover_line
from se_lsp.lsp.linting import FOLDING, Linting
from se_lsp.lsp.measuring import MEASURE, Measuring
from se_lsp.lsp.protocol import WORK_DONE_TOKEN, SeLspProtocol
from se_lsp.lsp.render import rule_href

if TYPE_CHECKING:
    from se_lsp.agent.session import AgentRunner

log = logging.getLogger(__name__)


class SeLspServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "se-lsp",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=SeLspProtocol,
        )
        self.documents = DocumentStore()
        self.diagnostics = DiagnosticStore(
            self.documents,
            self._send_json,
            encoding=lambda: self.encoding,
            href=rule_href,
            folding=FOLDING,
        )
        self.analyzer = Analyzer(
            self.diagnostics,
            lambda text: self.notify_user(text, types.MessageType.Info),
            encoding=lambda: self.encoding,
            warn=self.warn_once,
        )
        self.settings = Settings()
        self.policy = Policy()
        self.root: Path | None = None
        self.init_options: Any = None
        self._agent: AgentRunner | None = None
        self._told: set[str] = set()  # settings problems already shown: each is said once
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._closing: asyncio.Future[None] | None = None
        self._pinned_told: set[str] = set()
        self.fixchecks = FixChecks(self)
        self.linting = Linting(self)
        self._measuring: Measuring | None = None

    @property
    def measuring(self) -> Measuring:
        if self._measuring is None:
            self._measuring = Measuring(self, self.agent)
        return self._measuring

    @property
    def lsp(self) -> SeLspProtocol:
        protocol = self.protocol
        assert isinstance(protocol, SeLspProtocol)
        return protocol

    # -- documents (called by the protocol before the handlers below) -------------------

    def opened(self, params: types.DidOpenTextDocumentParams) -> None:
        self.documents.open(params.text_document)
        self.analyzer.opened(params.text_document.uri)

    def changed(self, params: types.DidChangeTextDocumentParams) -> None:
        changed = self.documents.change(params, self.encoding)
        if changed is not None:
            doc, edits = changed
            self.diagnostics.edited(doc.uri, edits, doc.version)
            self.analyzer.edited(doc.uri, edits)

    @property
    def agent(self) -> AgentRunner:
        """The agent runner, imported on first use (see warm_up_agent)."""
        if self._agent is None:
            from se_lsp.agent.session import AgentRunner

            self._agent = AgentRunner(self)
        return self._agent

    @property
    def encoding(self) -> str:
        try:
            enc = self.workspace.position_encoding
        except RuntimeError:
            return "utf-16"
        return str(getattr(enc, "value", enc))

    def client_supports(self, field: str) -> bool:
        return bool(get_capability(self.client_capabilities, field, False))

    def apply_settings(self, raw: Any) -> None:
        self.settings = resolve(raw, self.root)
        self.policy = Policy.build(self.settings, self.root)
        self.analyzer.configure(self.settings, self.policy)
        problems = self.configure_logs()
        for problem in [*self.settings.problems, *self.policy.problems, *problems]:
            self.warn_once(f"se-lsp: {problem}")

    def apply_later_settings(self, raw: Any) -> None:
        """Settings that arrive after start-up: where code goes stays as it started."""
        from se_lsp.core.policy import pin_destination

        raw, changed = pin_destination(raw, self.init_options)
        for key in changed:
            if key not in self._pinned_told:
                self._pinned_told.add(key)
                self.notify_user(
                    f"se-lsp: ignored a new value of seLsp.agent.{key} from the editor's "
                    "configuration: where code is sent is read only from the settings the "
                    "server starts with and from the environment. Restart the server to "
                    "change it.",
                    types.MessageType.Warning,
                )
        self.apply_settings(raw)

    def warn_once(self, message: str) -> None:
        """Show a warning about the settings, once per session however often it recurs."""
        if message in self._told:
            return
        self._told.add(message)
        self.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Warning, message=message)
        )

    def configure_logs(self) -> list[str]:
        editor = self.settings.editor
        trace = str(getattr(self.lsp.trace, "value", self.lsp.trace))
        return logs.configure(editor.log_level, editor.log_file, trace, self._log_trace)

    def trace_changed(self) -> None:
        self.configure_logs()

    def _log_trace(self, text: str) -> None:
        params = json.dumps({"message": text})
        loop = self._loop
        if loop is None:
            return
        if threading.get_ident() == self._loop_thread:
            self.lsp.notify_json_text("$/logTrace", params)
        else:
            loop.call_soon_threadsafe(self.lsp.notify_json_text, "$/logTrace", params)

    def report_server_error(self, error: Exception, source: Any) -> None:
        """One log line for an error pygls met outside a request (no popup, no traceback)."""
        log.warning("se-lsp: %s: %s", type(error).__name__, error)
        log.debug("se-lsp: error in the server", exc_info=error)

    def remember_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()

    async def close(self) -> None:
        """Stop what runs beside the event loop: the analysis process and agent runs."""
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._close())
        await asyncio.shield(self._closing)

    async def _close(self) -> None:
        self.fixchecks.shutdown()
        self.linting.shutdown()
        await self.analyzer.shutdown()
        if self._agent is not None:
            await self._agent.shutdown()

    def notify_user(self, message: str, level: types.MessageType) -> None:
        self.window_show_message(types.ShowMessageParams(type=level, message=message))

    def log_message(self, message: str) -> None:
        self.window_log_message(types.LogMessageParams(type=types.MessageType.Log, message=message))

    async def ask_user(self, message: str, actions: list[str]) -> str | None:
        """window/showMessageRequest: the title of the action the user chose, or None."""
        answer = await self.window_show_message_request_async(
            types.ShowMessageRequestParams(
                type=types.MessageType.Warning,
                message=message,
                actions=[types.MessageActionItem(title=a) for a in actions],
            )
        )
        title = getattr(answer, "title", None)
        return title if isinstance(title, str) else None

    def progress_api(self) -> Any:
        return self.work_done_progress

    async def show_file(self, path: Path) -> bool:
        """window/showDocument of a file (se-lsp's own, never the user's) for reading."""
        try:
            result = await self.window_show_document_async(
                types.ShowDocumentParams(uri=path.as_uri(), take_focus=True)
            )
        except Exception as err:
            log.info("showDocument failed: %s", err)
            return False
        return bool(result is not None and result.success)

    def _send_json(self, method: str, params: str) -> None:
        self.lsp.notify_json_text(method, params)

    def analyze_soon(self, doc: Document | None, delay: float = 0.0, typing: bool = False) -> None:
        if doc is not None:
            self.analyzer.schedule(doc, delay, typing=typing)


server = SeLspServer()


@server.feature(types.INITIALIZE)
def on_initialize(ls: SeLspServer, params: types.InitializeParams) -> None:
    ls.remember_loop()
    if params.trace is not None:
        ls.lsp.trace = params.trace
    root = params.root_uri
    if params.workspace_folders:
        root = params.workspace_folders[0].uri
    path = to_fs_path(root) if root else None
    ls.root = Path(path) if path else None
    ls.init_options = params.initialization_options
    ls.apply_settings(ls.init_options)


@server.feature(types.INITIALIZED)
async def on_initialized(ls: SeLspServer, params: types.InitializedParams) -> None:
    # Import the agent's modules on a worker thread now that the client is answered, so the
    # first code action does not pay for them.
    asyncio.get_running_loop().run_in_executor(None, warm_up_agent)
    ls.analyzer.supervisor.warm_up()
    if ls.client_supports("workspace.configuration"):
        await refresh_configuration(ls)


def warm_up_agent() -> None:
    import se_lsp.agent.review
    import se_lsp.agent.session  # noqa: F401

    settle_memory()


def settle_memory() -> None:
    """Move everything alive after start-up out of the garbage collector's sight.

    With pygls, lsprotocol, cattrs and the agent's modules loaded, a full collection
    walks ~65,000 objects for 20-70 ms with the interpreter lock held: a request that
    arrives then waits that long. Frozen objects are never walked again, so later full
    collections only see what the server made since (gc.freeze, Python 3.7+).
    """
    gc.collect()
    gc.freeze()


async def refresh_configuration(ls: SeLspServer) -> None:
    try:
        result = await asyncio.wait_for(
            ls.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section="seLsp")])
            ),
            timeout=10,
        )
    except Exception as err:  # a client that cannot answer keeps the settings it gave at start
        log.warning("workspace/configuration failed: %s", err)
        return
    raw = result[0] if result else None
    if raw is not None:
        ls.apply_later_settings(raw)
        for doc in ls.documents.all():
            ls.analyze_soon(doc)


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def on_configuration(ls: SeLspServer, params: types.DidChangeConfigurationParams) -> None:
    if ls.client_supports("workspace.configuration"):
        await refresh_configuration(ls)
        return
    ls.apply_later_settings(params.settings)
    for doc in ls.documents.all():
        ls.analyze_soon(doc)


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: SeLspServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.analyze_soon(ls.documents.get(params.text_document.uri))


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: SeLspServer, params: types.DidChangeTextDocumentParams) -> None:
    doc = ls.documents.get(params.text_document.uri)
    ls.analyze_soon(doc, ls.settings.editor.builtin.debounce_ms / 1000, typing=True)
    if doc is not None:
        ls.fixchecks.changed(doc)
    if doc is not None and ls.diagnostics.sources(doc.uri):
        # Agent findings moved with the edit: shown where they are now, unless a built-in
        # analysis of this version is on its way (which publishes both).
        ls.diagnostics.publish(doc.uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: SeLspServer, params: types.DidSaveTextDocumentParams) -> None:
    doc = ls.documents.get(params.text_document.uri)
    if doc is not None:
        ls.analyzer.saved(doc)
        ls.linting.saved(doc)  # the linters read the files on disk: on save, never per keystroke


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: SeLspServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.analyzer.cancel(params.text_document.uri)
    ls.fixchecks.closed(params.text_document.uri)
    ls.linting.closed(params.text_document.uri)
    ls.diagnostics.forget(params.text_document.uri)


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: SeLspServer, params: types.HoverParams) -> types.Hover | None:
    doc = ls.documents.get(params.text_document.uri)
    if doc is None or ls.diagnostics.empty(doc.uri):
        return None  # (and no line index is built for a document nobody asked about)
    pos = pos_of(doc.index, params.position, ls.encoding)
    parts = []
    found = ls.diagnostics.at(doc.uri, pos)
    ls.fixchecks.ensure(doc, found, limit=PER_REQUEST)  # someone is looking: check them
    for f in found:
        text = hover_markdown(f)
        agent = f.source != BUILTIN_SOURCE and f.source not in LINTER_SOURCES
        if agent and f.fix is not None:
            from se_lsp.agent.validate import replacement_markdown

            text += "\n\n" + replacement_markdown(f, doc.language or "")
        if f.fix is not None and (check := hover_line(ls.fixchecks.state(doc, f))):
            text += "\n\n" + check
        if agent and (measured := ls.measuring.hover(doc, f)):
            text += "\n\n" + measured
        parts.append(text)
    parts += ls.diagnostics.summaries_at(doc.uri, pos)
    if not parts:
        return None
    return types.Hover(
        contents=types.MarkupContent(
            kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)
        )
    )


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(
        code_action_kinds=[
            types.CodeActionKind.QuickFix,
            types.CodeActionKind.Refactor,  # Measure this change
            types.CodeActionKind.RefactorRewrite,
        ],
        resolve_provider=True,
    ),
)
def code_action(ls: SeLspServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    doc = ls.documents.get(params.text_document.uri)
    if doc is None or doc.language is None:
        return None
    span = span_of(doc.index, params.range, ls.encoding)
    context = list(params.context.diagnostics)
    keys = actions.context_keys(context, doc.uri)
    touching = ls.diagnostics.touching(doc.uri, span, keys)
    # Checked in the background, no request waits; the diagnostics the client sent first.
    named = sorted(touching, key=lambda f: f.key not in keys)
    ls.fixchecks.ensure(doc, named, limit=PER_REQUEST)
    out = actions.actions_for(
        doc,
        touching,
        context,
        ls.encoding,
        resolve_support=ls.client_supports("text_document.code_action.resolve_support"),
        document_changes=ls.client_supports("workspace.workspace_edit.document_changes"),
        verdict_of=ls.fixchecks.verdict_of(doc),
    )
    out += ls.agent.finding_actions(doc, span)
    out += ls.measuring.actions(doc, span)
    out += ls.agent.actions(
        doc,
        params.range,
        span,
        disabled_support=ls.client_supports("text_document.code_action.disabled_support"),
    )
    only = params.context.only
    if only:
        out = [a for a in out if a.kind is not None and any(a.kind.startswith(k) for k in only)]
    return out


@server.command(OPTIMIZE)
async def optimize(ls: SeLspServer, *args: Any) -> Any:
    protocol = ls.lsp
    msg_id = protocol.track_command()
    try:
        result = await ls.agent.optimize(args[0] if args else None, WORK_DONE_TOKEN.get())
    finally:
        protocol.command_tasks.pop(msg_id, None)
    ls.fixchecks.agent_done(args[0] if args else None)  # check its fixes before they are applied
    return result


@server.command(MEASURE)
async def measure(ls: SeLspServer, *args: Any) -> Any:
    protocol = ls.lsp
    msg_id = protocol.track_command()
    try:
        return await ls.measuring.run(args[0] if args else None, WORK_DONE_TOKEN.get())
    finally:
        protocol.command_tasks.pop(msg_id, None)


@server.command(DISMISS)
def dismiss(ls: SeLspServer, *args: Any) -> bool:
    return ls.agent.dismiss(args[0] if args else None)


@server.command(CLEAR_CACHE)
async def clear_cache(ls: SeLspServer, *args: Any) -> None:
    await ls.agent.clear_cache()


@server.command(SHOW_STATS)
def show_stats(ls: SeLspServer, *args: Any) -> str:
    parts = [ls.agent.stats.describe(), ls.fixchecks.describe(), ls.measuring.describe()]
    text = "\n".join(p for p in parts if p)
    ls.notify_user(text, types.MessageType.Info)
    return text


@server.feature(types.CODE_ACTION_RESOLVE)
def code_action_resolve(ls: SeLspServer, action: types.CodeAction) -> types.CodeAction:
    data = action.data if isinstance(action.data, dict) else {}
    if data.get("kind") == AGENT_ACTION:
        return action  # runs a command: nothing to resolve
    uri = str(data.get("uri", ""))
    doc = ls.documents.get(uri)
    finding = ls.diagnostics.find(uri, str(data.get("key", ""))) if doc is not None else None
    return actions.resolve(
        action,
        doc,
        finding,
        ls.encoding,
        ls.client_supports("workspace.workspace_edit.document_changes"),
        verdict_of=ls.fixchecks.verdict_of(doc) if doc is not None else actions.no_verdict,
    )


@server.feature(types.SHUTDOWN)
async def on_shutdown(ls: SeLspServer, params: None) -> None:
    await ls.close()
