"""Serve LSP over stdin/stdout with an asyncio pipe reader.

pygls's stock reader calls `stdin.readline`/`read` through its thread pool, three
hops per message, and shares that pool with threaded handlers, so a busy pool can
hold up every request. Reading the pipe on the event loop itself removes both costs
(bench/lsp_latency.py measures the difference). When stdin is not a pipe (a file, a
terminal), the stock reader is used.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from typing import BinaryIO

from pygls.io_ import StdoutWriter, run_async
from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)


class _PipeReader:
    """An asyncio stream with the two calls pygls's message loop makes; EOF reads as b''."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self._stream = stream

    async def readline(self) -> bytes:
        return await self._stream.readline()

    async def readexactly(self, n: int) -> bytes:
        try:
            return await self._stream.readexactly(n)
        except asyncio.IncompleteReadError:
            return b""


async def _serve(server: LanguageServer, stdin: BinaryIO, stdout: BinaryIO) -> None:
    loop = asyncio.get_running_loop()
    stream = asyncio.StreamReader(limit=64 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stream), stdin)
    server._stop_event = stop = threading.Event()
    server.protocol.set_writer(StdoutWriter(stdout))
    await run_async(
        stop_event=stop,
        reader=_PipeReader(stream),
        protocol=server.protocol,
        logger=log,
        error_handler=server.report_server_error,
    )


def serve_stdio(server: LanguageServer) -> None:
    # Rule checks on worker threads are Python code holding the GIL; a shorter switch
    # interval lets the event loop answer hovers between their bytecodes (5 ms by default).
    sys.setswitchinterval(0.0005)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    if stdin.isatty() or not _is_pipe_or_socket(stdin):
        server.start_io()
        return
    try:
        asyncio.run(_serve(server, stdin, stdout))
    except BrokenPipeError:
        log.error("the client closed the connection")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]


def _is_pipe_or_socket(stream: BinaryIO) -> bool:
    import os
    import stat

    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)
