"""A minimal blocking JSON-RPC client over a child process's stdio, and an echo server.

The benchmarks use this rather than a full LSP client so that the client's own cost
is as small as possible, and measure a bare echo process through the same client as
the floor the language server is compared with.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any


class Rpc:
    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
        )
        self._id = 0
        self.notifications: list[dict[str, Any]] = []

    def send(self, msg: dict[str, Any]) -> None:
        body = json.dumps(msg).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        length = 0
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise EOFError("server closed its output")
            if line in (b"\r\n", b"\n"):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.proc.stdout.read(length))  # type: ignore[no-any-return]

    def request(self, method: str, params: Any) -> Any:
        self._id += 1
        my_id = self._id
        self.send({"jsonrpc": "2.0", "id": my_id, "method": method, "params": params})
        while True:
            msg = self.read()
            if msg.get("id") == my_id and "method" not in msg:
                if "error" in msg:
                    raise RuntimeError(msg["error"])
                return msg.get("result")
            if "method" in msg and "id" in msg:
                # A server-to-client request (configuration, progress): answer it.
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
            else:
                self.notifications.append(msg)

    def wait_notification(self, method: str) -> dict[str, Any]:
        for i, msg in enumerate(self.notifications):
            if msg.get("method") == method:
                return self.notifications.pop(i)
        while True:
            msg = self.read()
            if msg.get("method") == method and "id" not in msg:
                return msg
            if "method" in msg and "id" in msg:
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})

    def notify(self, method: str, params: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def close(self) -> None:
        try:
            self.request("shutdown", None)
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
            body = json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": msg.get("params")}).encode()
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
