"""The API key never appears in anything the server writes: LSP traffic, logs, messages.

Debug logging is on, the LSP trace is verbose, and the model endpoint answers 401 with
an error that echoes the key back (as some providers do): the server must still never
repeat it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from typing import Any

from tests.fakemodel import FakeModel, Script

KEY = "sk-proj-Zq8vL2mN4pR6tY1wX3cV5bN7mQ9kJ0hG"
URI = "file:///work/demo/src/lib.rs"
TEXT = "fn main() {\n    let v: Vec<u8> = Vec::new(); // é😀\n}\n"


class _Client:
    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "se_lsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self.raw_out = bytearray()
        self.messages: list[dict[str, Any]] = []
        self._id = 0
        self._cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            header = b""
            while not header.endswith(b"\r\n\r\n"):
                byte = out.read(1)
                if not byte:
                    return
                header += byte
            length = int(header.split(b"Content-Length:")[1].split(b"\r\n")[0])
            body = out.read(length)
            with self._cond:
                self.raw_out += header + body
                msg = json.loads(body)
                if "method" in msg and "id" in msg:  # answer server requests with nothing
                    self.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
                self.messages.append(msg)
                self._cond.notify_all()

    def send(self, msg: dict[str, Any]) -> None:
        body = json.dumps(msg).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def request(self, method: str, params: Any) -> Any:
        self._id += 1
        rid = self._id
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        with self._cond:
            ok = self._cond.wait_for(
                lambda: any(m.get("id") == rid and "method" not in m for m in self.messages), 30
            )
        assert ok, f"no answer to {method}"
        return next(m for m in self.messages if m.get("id") == rid and "method" not in m)

    def notify(self, method: str, params: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def close(self) -> bytes:
        self.request("shutdown", None)
        self.notify("exit", None)
        _, err = self.proc.communicate(timeout=10)
        return err


def test_key_never_leaves_in_logs_or_messages(tmp_path):
    with FakeModel() as fake:
        fake.push(
            Script(
                status=401,
                error={"error": {"message": f"Incorrect API key provided: {KEY}", "type": "auth"}},
            )
        )
        env = {
            **os.environ,
            "FAKE_KEY": KEY,
            "SE_LSP_CACHE_DIR": str(tmp_path),
            "OPENAI_LOG": "debug",
            "NO_PROXY": "*",
        }
        client = _Client(env)
        settings = {
            "logLevel": "debug",
            "agent": {"baseUrl": fake.base_url, "model": "fake", "apiKeyEnv": "FAKE_KEY"},
        }
        client.request(
            "initialize",
            {
                "processId": None,
                "rootUri": "file:///work/demo",
                "capabilities": {"window": {"workDoneProgress": True}},
                "initializationOptions": {"seLsp": settings},
                "trace": "verbose",
            },
        )
        client.notify("initialized", {})
        client.notify("$/setTrace", {"value": "verbose"})
        client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": URI, "languageId": "rust", "version": 1, "text": TEXT}},
        )
        reply = client.request(
            "workspace/executeCommand",
            {
                "command": "se-lsp.optimize",
                "arguments": [
                    {
                        "uri": URI,
                        "range": {
                            "start": {"line": 0, "character": 0},
                            "end": {"line": 2, "character": 1},
                        },
                        "agent": "systems-engineer",
                    }
                ],
            },
        )
        stderr = client.close()
        # The key was really in play: the endpoint received it.
        assert any(KEY in r.headers.get("authorization", "") for r in fake.requests)
    assert "error" in json.dumps(reply)
    shown = [m for m in client.messages if m.get("method") == "window/showMessage"]
    assert any("401" in json.dumps(m) or "key" in json.dumps(m).lower() for m in shown)
    assert KEY.encode() not in bytes(client.raw_out), "the key reached the LSP traffic"
    assert KEY.encode() not in stderr, "the key reached the server's log"
    assert KEY[8:20].encode() not in bytes(client.raw_out) + stderr
    assert stderr, "debug logging produced no log at all: the test would prove nothing"
