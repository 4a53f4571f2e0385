"""The JSON-RPC layer: framing, message checks and every workaround for pygls 2.1.1.

pygls does the dispatching; this module decides what reaches it. Each workaround
names the upstream issue it works around (or says that none is filed yet):

1. Framing (`FrameReader`, replacing `pygls.io_.run_async`). pygls expects exactly
   `Content-Length: N\\r\\n` and a blank line; after one bad frame (a length too small
   or not a number, a missing blank line) the next header is glued to the rest of the
   broken body, never matches again, and the server is alive but deaf for good.
   Upstream: none filed yet (see the reproduction in docs/reliability.md).
2. Messages that are JSON but not valid requests (`SeLspProtocol.handle_body`). pygls
   structures messages inside `json.loads(object_hook=...)`; a failure there is logged
   with a traceback and the request is never answered: params of the wrong type, a
   position with character -1, a request without a method, invalid UTF-8.
   Upstream: pygls#326 (be less strict with wrong types) covers part of it; the
   unanswered request itself is not filed yet.
3. Requests after `shutdown` are dropped instead of answered with InvalidRequest, and
   replies to the server's own requests after `shutdown` are dropped too: pygls#605.
4. `exit` without `shutdown` must end the process with code 1; pygls raises
   SystemExit(1) in the handler but `start_io` swallows it and the process ends with 0.
   Upstream: none filed yet (pygls#118 asked for the exit codes originally).
5. A late reply to a server request whose waiting task was cancelled raises
   InvalidStateError inside pygls: pygls#621 (fixed after 2.1.1).
6. Every outgoing message is logged at INFO ("Sending data: ..."), which editors record
   as errors when it reaches stderr: see logs.py, which keeps pygls's loggers at WARNING
   unless the user asks for a debug log or a verbose trace (jedi-language-server#186
   and jupyterlab-lsp#715 show the same flood).
7. executeCommand runs the command under a fresh inner id, so `$/cancelRequest` for the
   client's id cannot reach it: commands register their task here. Upstream: none filed.
8. An exception in a handler is answered with the whole Python traceback in
   `error.data` and logged with it; here the client gets one line and the traceback goes
   to the debug log only.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import attrs
import cattrs
from lsprotocol import types
from pygls.protocol import LanguageServerProtocol, lsp_method

if TYPE_CHECKING:
    from se_lsp.lsp.server import SeLspServer

log = logging.getLogger(__name__)

# JSON-RPC and LSP error codes.
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_NOT_INITIALIZED = -32002

# The workDoneToken of the executeCommand request being dispatched (commands only get arguments).
WORK_DONE_TOKEN: contextvars.ContextVar[Any] = contextvars.ContextVar(
    "work_done_token", default=None
)

# -- framing -----------------------------------------------------------------------------

_HEADER = re.compile(rb"([A-Za-z][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*?)[ \t]*")
_HEADER_START = re.compile(rb"[A-Za-z][A-Za-z0-9-]*[ \t]*:")
_NAME_SO_FAR = re.compile(rb"[A-Za-z][A-Za-z0-9-]*[ \t]*")
_LENGTH_HEADER = re.compile(rb"content-length[ \t]*:", re.IGNORECASE)
_LSP_HEADER_START = re.compile(rb"content-(?:length|type)[ \t]*:", re.IGNORECASE)
# A header block longer than this is not a header block.
MAX_HEADER_BYTES = 64 * 1024
# Bytes skipped while looking for the next header before the stream is declared lost.
MAX_GARBAGE_BYTES = 4 * 1024 * 1024
# A message larger than this is refused (the stream is declared lost).
MAX_MESSAGE_BYTES = 1024 * 1024 * 1024
# How long a partial frame may sit with nothing more arriving before it is looked at:
# a body shorter than its Content-Length says is taken as it is if it is complete JSON.
STALL_SECONDS = 0.5


class StreamLost(Exception):
    """The input cannot be read as LSP messages any more; the server must exit."""


@dataclass(frozen=True)
class Unreadable:
    """Bytes that arrived as a message but are not JSON (answered with a parse error)."""

    raw: bytes
    reason: str


class FrameReader:
    """Cuts the byte stream into messages, parsing each body once.

    A normal frame costs one header match and one `json.loads`. After a framing
    error the reader resynchronises on the next `Content-Length` header when that
    is unambiguous: a body whose declared length is wrong is recovered when it is a
    complete JSON value followed by nothing or by the next header (a truncated or
    overlong JSON text cannot be), and bytes that are no message are skipped and
    reported. Two broken frames in a row, or megabytes without a header, mean the
    stream is lost: `StreamLost`.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self._eof = False
        self._wake: asyncio.Event | None = None
        self._last_broken = False
        self.recovered = 0  # framing errors recovered from (a figure for tests)
        # Called with one line for each framing problem.
        self.report: Callable[[str], None] = lambda text: log.warning("se-lsp: %s", text)

    # -- feeding ---------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        self._buf += data
        if self._wake is not None:
            self._wake.set()

    def feed_eof(self) -> None:
        self._eof = True
        if self._wake is not None:
            self._wake.set()

    async def _more(self, timeout: float | None = None) -> bool:
        """Wait for more bytes; False at the end of input or when `timeout` passed."""
        if self._eof:
            return False
        if self._wake is None:
            self._wake = asyncio.Event()
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), timeout)
        except TimeoutError:
            return False
        return not self._eof or bool(self._buf)

    # -- frames ----------------------------------------------------------------------

    async def next_message(self) -> Any:
        """The next message (parsed JSON, or Unreadable); None at the end of the input."""
        while True:
            item = await self._next()
            if item is not _NOTHING:
                return item

    async def _next(self) -> Any:
        skipped = await self._to_header()
        if skipped is None:
            return None
        problems = [f"{skipped} bytes that were not a message header"] if skipped else []
        headers, body_start, missing_blank = await self._headers()
        if missing_blank:
            problems.append("a message header without the blank line after it")
        raw = headers.get(b"content-length")
        length = int(raw) if raw is not None and raw.isdigit() else None
        if length is None:
            problems.append(
                "a message without a header"
                if not headers and body_start == 0
                else "a message header without Content-Length"
                if raw is None
                else f"a Content-Length of {raw[:20].decode('ascii', 'replace')!r}"
            )
            return await self._recover(body_start, problems)
        if length > MAX_MESSAGE_BYTES:
            raise StreamLost(f"a message of {length} bytes (the limit is {MAX_MESSAGE_BYTES})")
        return await self._body(body_start, length, problems)

    async def _to_header(self) -> int | None:
        """Skip to where the next header (or a bare JSON body) starts; bytes skipped."""
        skipped = 0
        while True:
            stripped = len(self._buf) - len(self._buf.lstrip(b" \t\r\n"))
            if stripped:
                del self._buf[:stripped]  # blank lines between messages are harmless
            if self._buf:
                if self._buf.startswith((b"{", b"[")) or _HEADER_START.match(self._buf):
                    return skipped
                if not (_NAME_SO_FAR.fullmatch(self._buf) and len(self._buf) < 256):
                    found = _LENGTH_HEADER.search(self._buf)
                    if found is not None:
                        skipped += found.start()
                        del self._buf[: found.start()]
                        return skipped
                    keep = 32  # the start of a header may be at the very end
                    if len(self._buf) > keep:
                        skipped += len(self._buf) - keep
                        del self._buf[: len(self._buf) - keep]
                    if skipped > MAX_GARBAGE_BYTES:
                        raise StreamLost(f"{skipped} bytes without a message header")
            if not await self._more():
                if self._buf.strip():
                    self.report(f"the input ended inside {len(self._buf)} unreadable bytes")
                return None

    async def _headers(self) -> tuple[dict[bytes, bytes], int, bool]:
        """The header fields, where the body starts, and whether the blank line was missing."""
        while True:
            if self._buf.startswith((b"{", b"[")):
                return {}, 0, False
            headers: dict[bytes, bytes] = {}
            pos = 0
            while (nl := self._buf.find(b"\n", pos)) >= 0:
                line = bytes(self._buf[pos:nl]).rstrip(b"\r")
                if not line:
                    return headers, nl + 1, False
                m = _HEADER.fullmatch(line)
                if m is None:
                    # Not a header line: the blank line is missing; the body starts here.
                    return headers, pos, True
                headers.setdefault(m.group(1).lower(), m.group(2))
                pos = nl + 1
            tail = self._buf[pos:]
            if tail.startswith((b"{", b"[")) and headers:
                return headers, pos, True
            if pos > MAX_HEADER_BYTES or len(tail) > MAX_HEADER_BYTES:
                return headers, pos, True
            if not await self._more():
                return headers, len(self._buf), False

    async def _body(self, start: int, length: int, problems: list[str]) -> Any:
        """The body of `length` bytes at `start`, unless its JSON shows the length is wrong."""
        end = start + length
        scanned = start
        while len(self._buf) < end:
            # A length too long swallows the next message: its header shows in what came.
            found = _LENGTH_HEADER.search(self._buf, max(start, scanned - 20))
            scanned = len(self._buf)
            if found is not None:
                cut = self._json_end(start, found.start())
                if cut is not None:
                    problems.append(f"a Content-Length of {length} for {cut - start} bytes")
                    return self._deliver(start, cut, problems)
            if not await self._more(STALL_SECONDS):
                # Nothing more is coming for now: if what came is whole, it is the message.
                cut = self._json_end(start, len(self._buf))
                if cut is not None:
                    problems.append(f"a Content-Length of {length} for {cut - start} bytes")
                    return self._deliver(start, cut, problems)
                if self._eof:
                    self.report(f"the input ended inside a message of {length} bytes")
                    del self._buf[:]
                    return None
        body = bytes(self._buf[start:end])
        try:
            message = json.loads(body)
        except UnicodeDecodeError:
            del self._buf[:end]
            return self._settle(Unreadable(body, "the message is not valid UTF-8"), problems)
        except RecursionError:
            del self._buf[:end]
            return self._settle(Unreadable(body, "the message is nested too deeply"), problems)
        except ValueError as err:
            # A length too long, with the next message already here: its header sits
            # inside the window, right after a whole JSON value.
            found = _LENGTH_HEADER.search(self._buf, start, end)
            if found is not None and (cut := self._json_end(start, found.start())) is not None:
                problems.append(f"a Content-Length of {length} for {cut - start} bytes")
                return self._deliver(start, cut, problems)
            rest = self._buf[end : end + 64].lstrip()
            # Only a header LSP defines counts: `file:` in the middle of a body is no header.
            if rest and not _LSP_HEADER_START.match(rest):
                # What follows is no header: the length was too small. Read on to the JSON's end.
                problems.append(f"a Content-Length of {length} that cuts the message short")
                return await self._recover(start, problems)
            del self._buf[:end]
            return self._settle(Unreadable(body, f"Parse error: {err}"), problems)
        del self._buf[:end]
        return self._settle(message, problems)

    async def _recover(self, start: int, problems: list[str]) -> Any:
        """A body of unknown length: the JSON value from `start`, up to the next header."""
        scanned = start
        while True:
            found = _LENGTH_HEADER.search(self._buf, max(start, scanned - 20))
            scanned = len(self._buf)
            limit = found.start() if found is not None else len(self._buf)
            cut = self._json_end(start, limit)
            if cut is not None:
                return self._deliver(start, cut, problems)
            if found is not None:
                break
            if len(self._buf) - start > MAX_GARBAGE_BYTES:
                raise StreamLost(f"{MAX_GARBAGE_BYTES} bytes of a message that never ends")
            if not await self._more(STALL_SECONDS):
                break
        found = _LENGTH_HEADER.search(self._buf, start)
        limit = found.start() if found is not None else len(self._buf)
        raw = bytes(self._buf[start:limit])
        del self._buf[:limit]
        problems.append(f"{len(raw)} bytes that are not a message")
        if self._last_broken:
            # Right after skipping, skipping again: the "headers" found may be text inside
            # bodies. Reading on could act on a fragment as if it were a message.
            raise StreamLost("; ".join(problems))
        self._last_broken = True
        self.recovered += 1
        self._report(problems)
        if not raw.strip():
            return _NOTHING
        return Unreadable(raw, "Parse error: a message whose length is unknown")

    def _json_end(self, start: int, limit: int) -> int | None:
        """`limit` if the bytes [start, limit) are one complete JSON value (and spaces)."""
        chunk = self._buf[start:limit]
        text = bytes(chunk).rstrip()
        if not text or text[-1:] not in (b"}", b"]") or text.lstrip()[:1] not in (b"{", b"["):
            return None
        try:
            json.loads(text)
        except (ValueError, RecursionError):
            return None
        return limit

    def _deliver(self, start: int, end: int, problems: list[str]) -> Any:
        body = bytes(self._buf[start:end])
        del self._buf[:end]
        return self._settle(json.loads(body), problems)

    def _settle(self, message: Any, problems: list[str]) -> Any:
        """A message was read: report what was wrong on the way, if anything."""
        if problems:
            self.recovered += 1
            self._report(problems)
        self._last_broken = False
        return message

    def _report(self, problems: list[str]) -> None:
        self.report(
            f"the client sent {'; '.join(problems)}; reading on from the next message header"
        )


_NOTHING = object()


# -- messages ------------------------------------------------------------------------------


def _error_json(msg_id: Any, code: int, message: str) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}})


def _valid_id(value: Any) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or isinstance(value, str)


_ID_IN_TEXT = re.compile(r'"id"\s*:\s*(-?\d{1,18}|"[^"\\]{0,200}")')


class SeLspProtocol(LanguageServerProtocol):
    """pygls's protocol with the checks and workarounds listed in this module's docstring."""

    _server: SeLspServer

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # executeCommand runs under an inner id (workaround 7).
        self.command_tasks: dict[Any, asyncio.Task[Any]] = {}
        self.initialized = False
        # Set when the shutdown request arrives, before its handler has finished: every
        # request after it is refused, and `exit` then ends with 0.
        self.shutdown_requested = False
        self.exit_code: int | None = None
        self.on_exit: Callable[[int], None] = lambda code: None
        self.malformed = 0  # messages answered with an error without reaching pygls

    # -- sending -----------------------------------------------------------------------

    def send_json_text(self, body: str) -> None:
        """Write one message whose body is already JSON text (never through cattrs)."""
        if self.writer is None:
            return
        data = body.encode("utf-8")
        result = self.writer.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        if inspect.isawaitable(result):  # TCP and WebSocket writers are asynchronous
            task = asyncio.ensure_future(result)
            _WRITES.add(task)
            task.add_done_callback(_WRITES.discard)

    def notify_json_text(self, method: str, params: str) -> None:
        """Send a notification whose params are already JSON text.

        pygls's own path runs every message through cattrs, which walks a big
        publishDiagnostics for milliseconds on the event loop; the diagnostics are
        rendered in the analysis process instead and only written here.
        """
        self.send_json_text(
            f'{{"jsonrpc": "2.0", "method": {json.dumps(method)}, "params": {params}}}'
        )

    def reply_error(self, msg_id: Any, code: int, message: str) -> None:
        self.malformed += 1
        self.send_json_text(_error_json(msg_id, code, message))

    # -- receiving (workarounds 2 and 3) ------------------------------------------------

    def handle(self, item: Any) -> None:
        """Check one message and hand it to pygls, or answer the error it deserves."""
        if isinstance(item, Unreadable):
            msg_id = self._id_in(item.raw[:4096].decode("utf-8", "replace"))
            self.reply_error(msg_id, PARSE_ERROR, item.reason[:300])
            return
        data = item
        if isinstance(data, list):
            self.reply_error(None, INVALID_REQUEST, "Invalid request: batches are not used in LSP")
            return
        if not isinstance(data, dict):
            self.reply_error(None, INVALID_REQUEST, "Invalid request: not a JSON object")
            return
        has_id = "id" in data
        msg_id = data.get("id")
        if has_id and not _valid_id(msg_id):
            self.reply_error(
                None, INVALID_REQUEST, "Invalid request: id must be a number or string"
            )
            return
        if data.get("jsonrpc") != "2.0":
            if has_id:
                self.reply_error(
                    msg_id, INVALID_REQUEST, 'Invalid request: "jsonrpc" must be "2.0"'
                )
            else:
                log.info("ignored a notification without jsonrpc 2.0")
            return
        if "method" in data:
            self._handle_call(data, msg_id if has_id else None, has_id)
        elif has_id and ("result" in data or "error" in data):
            self._handle_reply(data, msg_id)
        elif has_id:
            self.reply_error(msg_id, INVALID_REQUEST, "Invalid request: no method")
        else:
            log.info("ignored a message with neither method nor id")

    @staticmethod
    def _id_in(text: str) -> Any:
        m = _ID_IN_TEXT.search(text)
        if m is None:
            return None
        raw = m.group(1)
        return raw[1:-1] if raw.startswith('"') else int(raw)

    def _handle_call(self, data: dict[str, Any], msg_id: Any, is_request: bool) -> None:
        method = data["method"]
        if not isinstance(method, str):
            if is_request:
                self.reply_error(
                    msg_id, INVALID_REQUEST, "Invalid request: method must be a string"
                )
            return
        params = data.get("params")
        if params is not None and not isinstance(params, dict | list):
            if is_request:
                self.reply_error(
                    msg_id, INVALID_REQUEST, "Invalid request: params must be an object or array"
                )
            return
        if method == types.EXIT:
            self._exit()
            return
        if not self.initialized and method != types.INITIALIZE:
            if is_request:
                self.reply_error(msg_id, SERVER_NOT_INITIALIZED, "The server is not initialized")
            return
        if self.shutdown_requested:  # pygls#605: requests after shutdown must be answered
            if is_request:
                self.reply_error(msg_id, INVALID_REQUEST, "The server is shutting down")
            return
        if method == types.INITIALIZE:
            if not is_request:
                return
            if self.initialized:
                self.reply_error(msg_id, INVALID_REQUEST, "initialize may be sent only once")
                return
        if not self._known(method):
            if is_request:
                self.reply_error(msg_id, METHOD_NOT_FOUND, f"Method not found: {method}")
            else:
                log.debug("ignored the notification %s", method)
            return
        if method == types.CANCEL_REQUEST:
            if is_request:
                self.reply_error(msg_id, INVALID_REQUEST, f"{method} is a notification")
                return
            cancel_id = params.get("id") if isinstance(params, dict) else None
            if _valid_id(cancel_id):
                self._handle_cancel_notification(cancel_id)
            return
        kind = self.get_message_type(method)
        if kind is None:
            kind = _GENERIC_REQUEST if is_request else _GENERIC_NOTIFICATION
        elif not is_request and "id" in attrs.fields_dict(kind):
            log.info("ignored %s sent as a notification (it is a request)", method)
            return
        try:
            message = self._converter.structure(data, kind)
        except Exception as err:
            why = _describe_structure_error(err)
            if is_request:
                self.reply_error(msg_id, INVALID_PARAMS, f"Invalid params for {method}: {why}")
            else:
                log.warning("ignored %s with invalid params: %s", method, why)
            return
        if method == types.INITIALIZE:
            self.initialized = True
        elif method == types.SHUTDOWN:
            self.shutdown_requested = True
        self.handle_message(message)

    def _known(self, method: str) -> bool:
        return (
            method in self.fm.builtin_features
            or method in self.fm.features
            or method == types.CANCEL_REQUEST
        )

    def _handle_reply(self, data: dict[str, Any], msg_id: Any) -> None:
        # pygls#605: replies are taken after shutdown too (handle_message would drop them).
        if "error" in data:
            error = data["error"]
            if not isinstance(error, dict):
                error = {"code": INTERNAL_ERROR, "message": str(error)}
            try:
                err = self._converter.structure(error, types.ResponseError)
            except Exception:
                err = types.ResponseError(code=INTERNAL_ERROR, message=str(error)[:200])
            self._handle_response(msg_id, None, err)
            return
        result_type = self._result_types.pop(msg_id, None)
        result = data.get("result")
        if result_type is not None:
            try:
                result = self._converter.structure(data, result_type).result
            except Exception as err:
                log.warning("a reply to request %s did not fit: %s", msg_id, err)
        self._handle_response(msg_id, result, None)

    def _handle_response(self, msg_id: Any, result: Any = None, error: Any = None) -> None:
        # pygls#621: a reply for a request whose waiting task was cancelled is not needed.
        fut = self._request_futures.get(msg_id)
        if fut is not None and fut.cancelled():
            self._request_futures.pop(msg_id, None)
            return
        if fut is None:
            log.debug("a reply to an unknown request %s", msg_id)
            return
        super()._handle_response(msg_id, result, error)

    # -- lifecycle (workaround 4) -----------------------------------------------------------

    def _exit(self) -> None:
        code = 0 if self.shutdown_requested else 1
        self.exit_code = code
        self.on_exit(code)

    @lsp_method(types.EXIT)
    def lsp_exit(self, *args: Any) -> Any:  # handled in _handle_call; kept out of pygls
        self._exit()
        yield from ()

    # -- cancelling (workaround 7) ---------------------------------------------------------

    def track_command(self) -> Any:
        """Register the running command task under the id of the client's request."""
        msg_id = self._ctx_msg_id.get()
        task = asyncio.current_task()
        if msg_id is not None and task is not None:
            self.command_tasks[msg_id] = task
        return msg_id

    def _handle_cancel_notification(self, msg_id: Any) -> None:
        task = self.command_tasks.pop(msg_id, None)
        future = self._request_futures.pop(msg_id, None)
        if future is not None:
            future.cancel()  # only works before it starts, or for async handlers
        if task is not None:
            task.cancel()
        # An unknown id is the normal case: the request was already answered.

    # -- errors in handlers (workaround 8) ---------------------------------------------------

    def _send_handler_result(self, future: Any, *, msg_id: Any) -> None:
        self._request_futures.pop(msg_id, None)
        if future.cancelled():
            self.reply_error(msg_id, -32800, f"Request {msg_id} was cancelled")
            return
        error = future.exception()
        if error is None:
            self._send_response(msg_id, result=future.result())
            return
        code = getattr(error, "code", INTERNAL_ERROR)
        message = getattr(error, "message", None) or f"{type(error).__name__}: {error}"
        if code == INTERNAL_ERROR:
            log.warning("request %s failed: %s: %s", msg_id, type(error).__name__, error)
            log.debug("request %s failed", msg_id, exc_info=error)
        self.send_json_text(_error_json(msg_id, code, str(message)[:500]))

    # -- documents: kept in our own store, not pygls's workspace -----------------------------

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> Any:
        self._server.opened(params)
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Any:
        self._server.changed(params)
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> Any:
        self._server.documents.close(params.text_document.uri)
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.WORKSPACE_EXECUTE_COMMAND)
    def lsp_workspace__execute_command(self, params: types.ExecuteCommandParams) -> Any:
        WORK_DONE_TOKEN.set(params.work_done_token)
        return (yield from super().lsp_workspace__execute_command(params))

    @lsp_method(types.SET_TRACE)
    def lsp_set_trace(self, params: types.SetTraceParams) -> Any:
        self.trace = params.value
        self._server.trace_changed()
        yield from ()


_WRITES: set[asyncio.Future[Any]] = set()


def _generic(name: str, fields: tuple[str, ...]) -> type:
    from pygls.protocol import json_rpc

    kind: type = getattr(json_rpc, name)
    return kind


_GENERIC_REQUEST = _generic("JsonRPCRequestMessage", ())
_GENERIC_NOTIFICATION = _generic("JsonRPCNotification", ())


def _describe_structure_error(err: Exception) -> str:
    """One line saying which field is wrong, from cattrs's nested exception groups."""
    if isinstance(err, cattrs.BaseValidationError):
        try:
            lines = cattrs.transform_error(err, path="$")
        except Exception:
            lines = []
        if lines:
            return "; ".join(lines[:3])[:300]
    return f"{type(err).__name__}: {err}"[:300]


async def serve(protocol: SeLspProtocol, reader: FrameReader) -> int | None:
    """Read and handle messages until `exit`, the end of input or a lost stream.

    Returns the exit code `exit` asked for, 1 for a lost stream, None at the end of input.
    """
    while protocol.exit_code is None:
        try:
            item = await reader.next_message()
        except StreamLost as err:
            log.error(
                "se-lsp: the client's messages cannot be read any more (%s); exiting so the "
                "editor can start the server again",
                err,
            )
            return 1
        if item is None:
            return None
        try:
            protocol.handle(item)
        except Exception:  # never let one message end the server
            log.exception("se-lsp: a message could not be handled")
    return protocol.exit_code
