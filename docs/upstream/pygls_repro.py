"""Minimal reproductions of the pygls 2.1 behaviours se_lsp/lsp/protocol.py works around.

Run: `python docs/upstream/pygls_repro.py`. Each case starts a stock pygls server (one
hover handler, `start_io()`), sends bytes over its stdin, and prints what came back.
Nothing here is se-lsp code: it is what to attach to the upstream reports.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

SERVER = textwrap.dedent(
    """
    from lsprotocol import types
    from pygls.lsp.server import LanguageServer

    server = LanguageServer("repro", "0")

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls, params):
        if params.position.line == 99:
            raise ValueError("a handler bug")
        return types.Hover(contents="hi")

    server.start_io()
    """
)


def frame(message: dict[str, object], skew: int = 0) -> bytes:
    body = json.dumps(message).encode()
    return f"Content-Length: {len(body) + skew}\r\n\r\n".encode() + body


def request(id_: int, method: str, params: object = None) -> dict[str, object]:
    out: dict[str, object] = {"jsonrpc": "2.0", "id": id_, "method": method}
    if params is not None:
        out["params"] = params
    return out


def hover(id_: int, line: int = 0, character: int = 0) -> dict[str, object]:
    return request(
        id_,
        "textDocument/hover",
        {
            "textDocument": {"uri": "file:///x.rs"},
            "position": {"line": line, "character": character},
        },
    )


INIT = frame(request(1, "initialize", {"capabilities": {}})) + frame(
    {"jsonrpc": "2.0", "method": "initialized", "params": {}}
)


def run(name: str, data: bytes, wait: float = 3.0) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None
    proc.stdin.write(INIT + data)
    proc.stdin.flush()
    time.sleep(wait)
    try:
        out, err = proc.communicate(timeout=5)
        code: object = proc.returncode
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        code = "still running 5 s after stdin closed"
    ids = [m.get("id") for m in _messages(out) if "id" in m and m.get("id") != 1]
    errors = [m["error"] for m in _messages(out) if "error" in m]
    lines = len(err.splitlines())
    print(f"== {name}\n   answered ids: {ids}; exit code: {code}; stderr lines: {lines}")
    for e in errors:
        data = e.get("data")
        shown = "with a traceback" if "traceback" in str(data).lower() else repr(data)
        print(f"   error: code {e.get('code')}, data {shown}")


def _messages(out: bytes) -> list[dict[str, object]]:
    found = []
    while b"\r\n\r\n" in out:
        head, rest = out.split(b"\r\n\r\n", 1)
        fields = dict(line.split(b":", 1) for line in head.split(b"\r\n"))
        length = int(fields[b"Content-Length"])
        found.append(json.loads(rest[:length]))
        out = rest[length:]
    return found


if __name__ == "__main__":
    hovers = frame(hover(3)) + frame(hover(4)) + frame(hover(5))
    run("1. Content-Length 5 too small (id 2), then hovers 3, 4, 5", frame(hover(2), -5) + hovers)
    run(
        "2. hover with character -1 (id 2), then a good hover (id 3)",
        frame(hover(2, 0, -1)) + frame(hover(3)),
    )
    run("3. shutdown (id 2), then a hover (id 3)", frame(request(2, "shutdown")) + frame(hover(3)))
    run("4. exit without shutdown", frame({"jsonrpc": "2.0", "method": "exit"}))
    run("5. a handler that raises (id 2)", frame(hover(2, 99, 0)))
