"""A minimal blocking JSON-RPC client over a child process's stdio, and an echo server.

The benchmarks use this rather than a full LSP client so that the client's own cost
is as small as possible, and measure a bare echo process through the same client as
the floor the language server is compared with.
"""

from __future__ import annotations

import json
import queue
import re
import subprocess
import sys
import threading
from typing import Any

# Publishes larger than this are not decoded by the reader thread: decoding the 300 KB
# publishDiagnostics of a 10,000-line file holds this client's GIL for milliseconds,
# during which the request thread cannot take its answer; that is the client's cost,
# not the server's. Their diagnostics are decoded when someone reads them.
BIG_MESSAGE = 64 * 1024
_URI = re.compile(rb'"uri": ("(?:[^"\\]|\\.)*")')
_VERSION = re.compile(rb'"version": (\d+)')


class _LazyDiagnostics(list):  # type: ignore[type-arg]
    def __init__(self, body: bytes) -> None:
        super().__init__()
        self._body: bytes | None = body

    def _load(self) -> None:
        if self._body is not None:
            self.extend(json.loads(self._body)["params"]["diagnostics"])
            self._body = None

    def __iter__(self) -> Any:
        self._load()
        return super().__iter__()

    def __len__(self) -> int:
        self._load()
        return super().__len__()


def _lazy_publish(body: bytes) -> dict[str, Any]:
    head = body[:2000]
    uri = _URI.search(head)
    version = _VERSION.search(head)
    return {
        "jsonrpc": "2.0",
        "method": "textDocument/publishDiagnostics",
        "params": {
            "uri": json.loads(uri.group(1)) if uri else None,
            "version": int(version.group(1)) if version else None,
            "diagnostics": _LazyDiagnostics(body),
        },
    }


class Rpc:
    """Requests from one thread; a reader thread drains the server's output continuously.

    Draining matters: a server that writes a large publishDiagnostics while nobody reads
    its stdout blocks on the full pipe, and a benchmark would measure that deadlock.
    """

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
        )
        self._id = 0
        self._write = threading.Lock()
        self._responses: queue.Queue[dict[str, Any]] = queue.Queue()
        self._notes: queue.Queue[dict[str, Any]] = queue.Queue()
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    def send(self, msg: dict[str, Any]) -> None:
        body = json.dumps(msg).encode()
        assert self.proc.stdin is not None
        with self._write:
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.proc.stdin.flush()

    def _read_one(self) -> dict[str, Any] | None:
        assert self.proc.stdout is not None
        length = 0
        while True:
            line = self.proc.stdout.readline()
            if not line:
                return None
            if line in (b"\r\n", b"\n"):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        body = self.proc.stdout.read(length)
        if length > BIG_MESSAGE and b'"method": "textDocument/publishDiagnostics"' in body[:100]:
            return _lazy_publish(body)
        return json.loads(body)  # type: ignore[no-any-return]

    def _read_loop(self) -> None:
        while (msg := self._read_one()) is not None:
            if "method" in msg and "id" in msg:
                # A server-to-client request (configuration, progress): answer it.
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
            elif "method" in msg:
                self._notes.put(msg)
            else:
                self._responses.put(msg)

    def request(self, method: str, params: Any, timeout: float = 30) -> Any:
        self._id += 1
        my_id = self._id
        self.send({"jsonrpc": "2.0", "id": my_id, "method": method, "params": params})
        while True:
            msg = self._responses.get(timeout=timeout)
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(msg["error"])
                return msg.get("result")

    def wait_notification(self, method: str, timeout: float = 30) -> dict[str, Any]:
        while True:
            msg = self._notes.get(timeout=timeout)
            if msg.get("method") == method:
                return msg

    def notify(self, method: str, params: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def close(self) -> None:
        try:
            self.request("shutdown", None, timeout=5)
            self.notify("exit", None)
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()


ECHO_SERVER = r"""
import json, sys
inp, out = sys.stdin.buffer, sys.stdout.buffer
while True:
    length = 0
    while True:
        line = inp.readline()
        if not line:
            sys.exit(0)
        if line in (b"\r\n", b"\n"):
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    msg = json.loads(inp.read(length))
    if "id" in msg:
        if msg.get("method") == "shutdown":
            body = json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": None}).encode()
        else:
            reply = {"jsonrpc": "2.0", "id": msg["id"], "result": msg.get("params")}
            body = json.dumps(reply).encode()
        out.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        out.flush()
    elif msg.get("method") == "exit":
        sys.exit(0)
"""


def echo_server() -> Rpc:
    return Rpc([sys.executable, "-c", ECHO_SERVER])


def se_lsp_server(env: dict[str, str] | None = None) -> Rpc:
    return Rpc([sys.executable, "-m", "se_lsp"], env=env)


INIT_PARAMS = {
    "processId": None,
    "rootUri": None,
    "capabilities": {
        "general": {"positionEncodings": ["utf-16"]},
        "textDocument": {
            "hover": {"contentFormat": ["markdown"]},
            "codeAction": {"resolveSupport": {"properties": ["edit"]}},
            "publishDiagnostics": {"versionSupport": True},
        },
    },
    "initializationOptions": {"seLsp": {"builtin": {"debounceMs": 0}}},
}
