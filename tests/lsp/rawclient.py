"""A byte-level LSP client for hostile tests: it sends whatever bytes a test asks for.

pytest-lsp speaks correct LSP only; these tests need broken frames, invalid JSON and
requests nobody reads. The reader thread parses the server's output strictly (the
server must always frame correctly) and files responses by id.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def frame(obj: Any) -> bytes:
    body = json.dumps(obj).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def request(msg_id: Any, method: str, params: Any = None) -> dict[str, Any]:
    msg: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
    if params is not None:
        msg["params"] = params
    return msg


def notification(method: str, params: Any = None) -> dict[str, Any]:
    msg: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if params is not None:
        msg["params"] = params
    return msg


INIT = {
    "processId": None,
    "rootUri": None,
    "capabilities": {
        "general": {"positionEncodings": ["utf-32"]},
        "textDocument": {
            "hover": {"contentFormat": ["markdown"]},
            "publishDiagnostics": {"versionSupport": True},
        },
        "window": {"workDoneProgress": False},
    },
    "initializationOptions": {"seLsp": {"builtin": {"debounceMs": 0}}},
}


class RawServer:
    """One se-lsp process on pipes; responses by id, notifications in order."""

    def __init__(self, env: dict[str, str] | None = None, cwd: Path | None = None) -> None:
        full_env = {**os.environ, **(env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "se_lsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=full_env,
            cwd=cwd or ROOT,
        )
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self.responses: dict[Any, dict[str, Any]] = {}
        self.null_id_errors: list[dict[str, Any]] = []
        self.notifications: list[dict[str, Any]] = []
        self.framing_errors: list[str] = []
        self._stderr: list[bytes] = []
        self.ended = False  # the server's output reached its end
        self.configuration: Any = None  # what workspace/configuration answers, per item
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    # -- output ------------------------------------------------------------------------

    def _read_stdout(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    with self._cond:
                        self.ended = True
                        self._cond.notify_all()
                    return
                if line == b"\r\n":
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value.strip())
            if length is None:
                self.framing_errors.append("a header block without Content-Length")
                continue
            body = out.read(length)
            try:
                msg = json.loads(body)
            except ValueError as err:
                self.framing_errors.append(f"{err}: {body[:100]!r}")
                continue
            with self._cond:
                if "method" in msg and "id" in msg:
                    self._answer_server_request(msg)
                elif "method" in msg:
                    self.notifications.append(msg)
                elif msg.get("id") is None:
                    self.null_id_errors.append(msg)
                else:
                    self.responses[msg["id"]] = msg
                self._cond.notify_all()

    def _answer_server_request(self, msg: dict[str, Any]) -> None:
        result: Any = None
        if msg["method"] == "workspace/configuration":
            result = [self.configuration for _ in msg["params"]["items"]]
        threading.Thread(
            target=self.send, args=({"jsonrpc": "2.0", "id": msg["id"], "result": result},)
        ).start()

    def _read_stderr(self) -> None:
        err = self.proc.stderr
        assert err is not None
        while chunk := err.read1(65536):
            self._stderr.append(chunk)

    @property
    def stderr(self) -> str:
        return b"".join(self._stderr).decode("utf-8", "replace")

    # -- input -------------------------------------------------------------------------

    def send_bytes(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, obj: Any) -> None:
        self.send_bytes(frame(obj))

    def close_input(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()

    # -- waiting -----------------------------------------------------------------------

    def response(self, msg_id: Any, timeout: float = 20) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while msg_id not in self.responses:
                left = deadline - time.monotonic()
                if left <= 0 or self.ended:
                    raise TimeoutError(f"no response to {msg_id!r}; stderr: {self.stderr[-2000:]}")
                self._cond.wait(min(left, 0.2))
            return self.responses[msg_id]

    def call(self, msg_id: Any, method: str, params: Any = None, timeout: float = 20) -> Any:
        self.send(request(msg_id, method, params))
        return self.response(msg_id, timeout)

    def wait_for(self, predicate: Any, timeout: float = 20) -> dict[str, Any]:
        """The first notification (from the start) that satisfies `predicate`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for msg in self.notifications:
                    if predicate(msg):
                        return msg
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no such notification; stderr: {self.stderr[-2000:]}")
                self._cond.wait(min(left, 0.2))

    def diagnostics(self, uri: str, version: int, timeout: float = 30) -> list[dict[str, Any]]:
        """The diagnostics published for `uri` at `version` (the last such publish)."""

        def match(m: dict[str, Any]) -> bool:
            p = m.get("params") or {}
            return (
                m["method"] == "textDocument/publishDiagnostics"
                and p.get("uri") == uri
                and p.get("version") == version
            )

        self.wait_for(match, timeout)
        time.sleep(0.05)
        with self._cond:
            found = [m for m in self.notifications if match(m)]
        return list(found[-1]["params"]["diagnostics"])

    def messages(self) -> list[str]:
        with self._cond:
            return [
                m["params"]["message"]
                for m in self.notifications
                if m["method"] == "window/showMessage"
            ]

    def initialize(self, params: dict[str, Any] | None = None, msg_id: Any = "init") -> Any:
        result = self.call(msg_id, "initialize", params or INIT)
        self.send(notification("initialized", {}))
        return result

    def open(self, uri: str, text: str, language: str = "cpp", version: int = 1) -> None:
        self.send(
            notification(
                "textDocument/didOpen",
                {
                    "textDocument": {
                        "uri": uri,
                        "languageId": language,
                        "version": version,
                        "text": text,
                    }
                },
            )
        )

    def exit_code(self, timeout: float = 20) -> int:
        return self.proc.wait(timeout)

    def stop(self) -> int:
        """Shut down cleanly if it is still running; its exit code."""
        if self.proc.poll() is None:
            try:
                self.call("bye", "shutdown", None, timeout=10)
                self.send(notification("exit"))
                return self.proc.wait(10)
            except Exception:
                self.proc.kill()
        return self.proc.wait(10)

    def alive_and_answering(self, msg_id: Any, timeout: float = 10) -> bool:
        """True when a trivial request is answered; False when the process has ended."""
        if self.proc.poll() is not None:
            return False
        self.send(request(msg_id, "textDocument/hover", HOVER_NOWHERE))
        try:
            self.response(msg_id, timeout)
        except TimeoutError:
            if self.proc.poll() is not None:
                return False
            raise AssertionError("alive but not answering") from None
        return True


HOVER_NOWHERE = {
    "textDocument": {"uri": "file:///nowhere.rs"},
    "position": {"line": 0, "character": 0},
}
