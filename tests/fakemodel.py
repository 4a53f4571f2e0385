"""A scripted chat-completions server on 127.0.0.1, for tests of the agent path.

It speaks enough of the OpenAI HTTP API for the SDK (JSON and SSE streaming),
runs on its own thread and event loop so any test can use it, and records every
request it receives and every client that went away mid-stream. Each test queues
`Script`s: the reply text, how it is chunked and paced, and the faults to inject.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Script:
    """One scripted answer."""

    content: str = '{"summary": "", "findings": []}'
    chunk: int = 16  # characters per streamed event
    delay: float = 0.0  # seconds between events
    finish_reason: str | None = "stop"
    done: bool = True  # send `data: [DONE]`
    usage: bool = True
    status: int = 200
    error: dict[str, Any] | None = None  # body for a non-200 status
    reject_formats: tuple[str, ...] = ()  # response_format types answered with a 400
    pause_at: int | None = None  # character offset after which to pause...
    pause: float = 0.0  # ...for this long (seconds)
    hang_after: int | None = None  # events sent before hanging until the client leaves
    redirect_to: str | None = None  # answer 307 with this Location
    raw: str | None = None  # send this as the SSE body instead (malformed-stream faults)
    headers: dict[str, str] = field(default_factory=dict)  # extra headers on an error answer
    body_raw: str | None = None  # a non-JSON error body (e.g. an HTML proxy page)...
    content_type: str = "text/html"  # ...sent with this content type
    stall: float = 0.0  # seconds to wait before answering at all (read timeouts)
    cut_after: int | None = None  # events sent before the server drops the connection
    # Send these chunk objects as the stream, each as one `data:` event (then [DONE] if
    # `done`): the exact shapes a given server sends, see tests/agent/replays.py.
    chunks: list[dict[str, Any]] | None = None
    # The body of the 400 that refuses a response_format (default: OpenAI's shape).
    reject_body: Any = None


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float

    @property
    def response_format(self) -> str | None:
        rf = self.body.get("response_format")
        return rf.get("type") if isinstance(rf, dict) else None


@dataclass
class FakeModel:
    """Start with `with FakeModel() as fake:`; `fake.base_url` is the `/v1` URL."""

    scripts: list[Script] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    rejected: list[Request] = field(default_factory=list)
    disconnects: int = 0
    sent_at: dict[int, float] = field(default_factory=dict)  # char offset -> perf_counter
    port: int = 0
    open_connections: int = 0  # client connections currently open to the fake
    connections: int = 0  # client connections accepted so far

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._server: asyncio.Server | None = None
        self._lock = threading.Lock()

    # -- lifecycle ------------------------------------------------------------------

    def __enter__(self) -> FakeModel:
        self._thread.start()
        self._ready.wait(5)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        current = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not current]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def start() -> None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
            self.port = self._server.sockets[0].getsockname()[1]

        self._loop.run_until_complete(start())
        self._ready.set()
        self._loop.run_forever()

    def push(self, *scripts: Script) -> None:
        with self._lock:
            self.scripts.extend(scripts)

    def wait_for(self, predicate: Any, timeout: float = 10.0) -> bool:
        """Poll until `predicate()` holds (for events that happen on the server thread)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if predicate():
                return True
            time.sleep(0.02)
        return bool(predicate())

    # -- HTTP -----------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.open_connections += 1
        self.connections += 1
        try:
            while await self._one(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self.open_connections -= 1
            writer.close()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        raw = await reader.readexactly(int(headers.get("content-length", "0")))
        body = json.loads(raw) if raw else {}
        req = Request(path, headers, body, time.perf_counter())
        if method != "POST" or not path.endswith("/chat/completions"):
            await self._json(writer, 404, {"error": {"message": "not found", "type": "x"}})
            return True
        with self._lock:
            script = first = self.scripts[0] if self.scripts else None
            if script is not None and req.response_format in script.reject_formats:
                self.rejected.append(req)
                script = None
                rejected = True
            else:
                rejected = False
                if self.scripts:
                    self.scripts.pop(0)
                self.requests.append(req)
        if rejected:
            assert first is not None
            body = first.reject_body or {
                "error": {
                    "message": f"response_format type {req.response_format} is not supported",
                    "type": "invalid_request_error",
                    "param": "response_format",
                    "code": None,
                }
            }
            await self._json(writer, 400, body)
            return True
        if script is None:
            await self._json(writer, 500, {"error": {"message": "no script", "type": "x"}})
            return True
        if script.redirect_to is not None:
            writer.write(
                f"HTTP/1.1 307 Temporary Redirect\r\nlocation: {script.redirect_to}\r\n"
                "content-length: 0\r\n\r\n".encode()
            )
            await writer.drain()
            return True
        if script.stall:
            try:  # wait, but notice a client that gives up meanwhile
                if not await asyncio.wait_for(reader.read(1), script.stall):
                    self.disconnects += 1
                    return False
            except TimeoutError:
                pass
        if script.status != 200 and script.body_raw is not None:
            data = script.body_raw.encode()
            extra = "".join(f"{k}: {v}\r\n" for k, v in script.headers.items())
            writer.write(
                f"HTTP/1.1 {script.status} X\r\ncontent-type: {script.content_type}\r\n"
                f"{extra}content-length: {len(data)}\r\n\r\n".encode()
                + data
            )
            await writer.drain()
            return True
        if script.status != 200:
            await self._json(
                writer, script.status, script.error or {"error": {"message": "x"}}, script.headers
            )
            return True
        usage = _usage(body, script.content) if script.usage else None
        if not body.get("stream"):
            await self._json(writer, 200, _completion(script, usage))
            return True
        await self._stream(reader, writer, script, usage)
        return False

    async def _json(
        self,
        writer: asyncio.StreamWriter,
        status: int,
        obj: Any,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(obj).encode()
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        writer.write(
            f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n{extra}"
            f"content-length: {len(data)}\r\n\r\n".encode()
            + data
        )
        await writer.drain()

    async def _stream(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        script: Script,
        usage: dict[str, int] | None,
    ) -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            b"cache-control: no-cache\r\nconnection: close\r\n\r\n"
        )
        if script.raw is not None:
            writer.write(script.raw.encode())
            await writer.drain()
            return
        if script.chunks is not None:
            for n, chunk in enumerate(script.chunks):
                writer.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                await writer.drain()
                self.sent_at[n] = time.perf_counter()
                if script.delay:
                    await asyncio.sleep(script.delay)
            if script.done:
                writer.write(b"data: [DONE]\n\n")
            await writer.drain()
            return
        sent = 0
        for n, (offset, piece) in enumerate(_pieces(script)):
            if script.cut_after is not None and n >= script.cut_after:
                await writer.drain()
                writer.transport.abort()  # an abrupt drop, not a clean end of stream
                self.disconnects += 1
                return
            if script.hang_after is not None and n >= script.hang_after:
                try:
                    await writer.drain()
                    while await reader.read(1024):
                        pass
                except ConnectionError:
                    pass
                self.disconnects += 1  # the client went away (EOF or reset)
                return
            event = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "fake"}
            event["choices"] = [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]
            writer.write(f"data: {json.dumps(event)}\n\n".encode())
            try:
                await writer.drain()
            except ConnectionError:
                self.disconnects += 1
                return
            sent = offset + len(piece)
            self.sent_at[sent] = time.perf_counter()
            if script.pause_at is not None and offset < script.pause_at <= sent:
                await asyncio.sleep(script.pause)
            elif script.delay:
                await asyncio.sleep(script.delay)
        if script.finish_reason is not None:
            event = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "fake"}
            event["choices"] = [{"index": 0, "delta": {}, "finish_reason": script.finish_reason}]
            writer.write(f"data: {json.dumps(event)}\n\n".encode())
            if usage is not None:
                tail = {"id": "c1", "object": "chat.completion.chunk", "created": 0}
                tail.update({"model": "fake", "choices": [], "usage": usage})
                writer.write(f"data: {json.dumps(tail)}\n\n".encode())
        if script.done:
            writer.write(b"data: [DONE]\n\n")
        await writer.drain()


def _pieces(script: Script) -> Iterator[tuple[int, str]]:
    text, size = script.content, max(1, script.chunk)
    cuts = set(range(0, len(text), size))
    if script.pause_at is not None:
        cuts.add(script.pause_at)  # so the pause falls exactly after that character
    edges = [*sorted(c for c in cuts if c < len(text)), len(text)]
    for a, b in itertools.pairwise(edges):
        yield a, text[a:b]


def estimate_tokens(text: str) -> int:
    """The 4-characters-per-token estimate the fake reports as usage."""
    return math.ceil(len(text) / 4)


def _usage(body: dict[str, Any], content: str) -> dict[str, int]:
    prompt = sum(estimate_tokens(str(m.get("content", ""))) for m in body.get("messages", []))
    out = estimate_tokens(content)
    return {"prompt_tokens": prompt, "completion_tokens": out, "total_tokens": prompt + out}


def _completion(script: Script, usage: dict[str, int] | None) -> dict[str, Any]:
    return {
        "id": "c1",
        "object": "chat.completion",
        "created": 0,
        "model": "fake",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": script.content},
                "finish_reason": script.finish_reason,
            }
        ],
        "usage": usage,
    }
