"""Serve LSP over stdin/stdout: non-blocking both ways, and the exit code LSP asks for.

pygls's stock reader calls `stdin.readline`/`read` through its thread pool, three
hops per message, and shares that pool with threaded handlers, so a busy pool can
hold up every request; its writer blocks the event loop while the client is not
reading. Here the pipes are read and written by the event loop itself: a client that
sends a thousand requests before reading any answer is still read from while the
answers wait in memory. Messages are cut and checked by protocol.py.

The LSP stream is the only thing on the real stdout: file descriptor 1 is pointed at
stderr, so that nothing printed by accident (by us, a library or a child process)
can corrupt it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import stat
import sys
import threading
from typing import Any, BinaryIO

from se_lsp.lsp.protocol import FrameReader, serve

log = logging.getLogger(__name__)

# Answers the client has not read yet, beyond which it is taken to be gone.
MAX_UNREAD_BYTES = 512 * 1024 * 1024


class _Feed(asyncio.Protocol):
    def __init__(self, reader: FrameReader) -> None:
        self._reader = reader

    def data_received(self, data: bytes) -> None:
        self._reader.feed(data)

    def eof_received(self) -> bool | None:
        self._reader.feed_eof()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._reader.feed_eof()


class PipeWriter:
    """pygls's writer interface over an asyncio write transport (never blocks the loop)."""

    def __init__(self, transport: asyncio.WriteTransport) -> None:
        self._transport = transport
        self.gone = False

    def write(self, data: bytes) -> None:
        if self.gone or self._transport.is_closing():
            return
        if self._transport.get_write_buffer_size() > MAX_UNREAD_BYTES:
            # A client that reads nothing any more will never see an answer: exit, so the
            # editor notices and can start the server again.
            log.error(
                "se-lsp: the client has not read %d bytes of answers; exiting", MAX_UNREAD_BYTES
            )
            self.gone = True
            sys.stderr.flush()
            os._exit(1)
        self._transport.write(data)

    def close(self) -> None:
        self._transport.close()

    async def drain(self, timeout: float) -> None:
        """Wait (a bounded time) until everything written has reached the pipe."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._transport.get_write_buffer_size() and loop.time() < deadline:
            await asyncio.sleep(0.01)


class FileWriter:
    """pygls's writer interface over a regular file."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def write(self, data: bytes) -> None:
        self._stream.write(data)
        self._stream.flush()

    def close(self) -> None:
        self._stream.close()

    async def drain(self, timeout: float) -> None:
        return None


def _readable_by_loop(fd: int) -> bool:
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode)


async def _connect_input(stdin: BinaryIO, reader: FrameReader) -> Any:
    loop = asyncio.get_running_loop()
    if _readable_by_loop(stdin.fileno()):
        transport, _ = await loop.connect_read_pipe(lambda: _Feed(reader), stdin)
        return transport
    # A regular file (`se-lsp < session.txt`): read it on a thread.
    fd = stdin.fileno()

    def pump() -> None:
        while data := os.read(fd, 65536):
            loop.call_soon_threadsafe(reader.feed, data)
        loop.call_soon_threadsafe(reader.feed_eof)

    threading.Thread(target=pump, name="se-lsp-stdin", daemon=True).start()
    return None


async def run(server: Any, stdin: BinaryIO, stdout: BinaryIO) -> int:
    """Serve until exit or end of input; the exit code (0 only after shutdown)."""
    loop = asyncio.get_running_loop()
    reader = FrameReader()
    writer: PipeWriter | FileWriter
    if _readable_by_loop(stdout.fileno()):
        out, _ = await loop.connect_write_pipe(asyncio.Protocol, stdout)
        writer = PipeWriter(out)
    else:  # a regular file: plain writes
        writer = FileWriter(stdout)
    protocol = server.protocol
    protocol.set_writer(writer)
    server.configure_logs()  # quiet from the first message, before any settings arrive
    source = await _connect_input(stdin, reader)
    code = await serve(protocol, reader)
    if code is None:  # the input ended without `exit`
        code = 0 if protocol.shutdown_requested else 1
    with contextlib.suppress(BaseException):
        await asyncio.wait_for(server.close(), 3)
    await writer.drain(2)
    if source is not None:
        source.close()
    return code


def serve_stdio(server: Any) -> int:
    """Run the server on this process's stdin and stdout; never returns (exits the process)."""
    # The agent's threads run Python (redaction, reply parsing) holding the GIL; a shorter
    # switch interval lets the event loop answer between their bytecodes (5 ms by default).
    sys.setswitchinterval(0.0005)
    # Keep the real stdout for the LSP stream only; point fd 1 at stderr for the rest.
    stdout = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr

    async def run_and_exit() -> None:
        code = await run(server, sys.stdin.buffer, stdout)
        sys.stderr.flush()
        # Exit here, not after asyncio.run's clean-up: that would cancel handlers still
        # pending (a shutdown being awaited) and log each one, and a worker thread still
        # busy (a prompt being built) must not keep the process alive after `exit`.
        os._exit(code)

    try:
        asyncio.run(run_and_exit())
    except KeyboardInterrupt:
        pass
    os._exit(1)
