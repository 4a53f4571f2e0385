"""The agent path end to end: a real server over stdio, a scripted model on 127.0.0.1.

The fake model streams at a fixed token rate and stamps when each byte left it, on the
same clock as this client, so the server's own share of the latency is the difference
between that stamp and the moment the diagnostic reaches the client. Streaming is set
against what waiting for the whole reply would cost, and a cache hit against nothing:
it must not reach the model at all.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import tempfile
import time
from typing import Any

from bench.common import fmt, header, summary, write
from bench.rpc import INIT_PARAMS, Rpc
from tests.fakemodel import FakeModel, Script

RUNS = 15
CHUNK = 4  # characters per streamed event: about one token
DELAY = 0.01  # seconds between events: about 100 tokens per second
AGENT_SOURCE = "systems-engineer"

SOURCE = (
    "// 😀 totals for the report\n"
    "fn squares(xs: &[u64]) -> Vec<u64> {\n"
    "    let mut out = Vec::new();\n"
    "    for x in xs {\n"
    "        out.push(x * x);\n"
    "    }\n"
    "    out\n"
    "}\n"
)
FIRST = {
    "line_start": 3,
    "line_end": 3,
    "anchor": "let mut out = Vec::new();",
    "severity": "warning",
    "category": "allocation",
    "title": "The vector grows while filled; size it once",
    "explanation": "Every growth step reallocates and moves the elements.",
    "replacement": "    let mut out = Vec::with_capacity(xs.len());",
    "impact": "one allocation instead of about log2(n)",
    "measure": "cargo bench -- squares",
    "confidence": 0.8,
}
SECOND = {
    **FIRST,
    "line_start": 5,
    "line_end": 5,
    "anchor": "out.push(x * x);",
    "category": "copy",
    "title": "An iterator map and collect sizes the result exactly",
    "replacement": None,
}
REPLY = json.dumps({"findings": [FIRST, SECOND], "summary": "The loop is the hot spot."})
FIRST_DONE = REPLY.index("}", REPLY.index('"confidence"')) + 1  # closes the first finding


class TimedRpc(Rpc):
    """Rpc that stamps every notification with the moment the reader thread parsed it."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.timed: queue.Queue[tuple[float, dict[str, Any]]] = queue.Queue()
        self.answered: set[Any] = set()  # ids of every response seen
        super().__init__(argv, env)

    def _read_loop(self) -> None:
        while (msg := self._read_one()) is not None:
            if "method" in msg and "id" in msg:
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
            elif "method" in msg:
                self.timed.put((time.perf_counter(), msg))
            else:
                self.answered.add(msg.get("id"))
                self._responses.put(msg)

    def wait_diagnostics(
        self, uri: str, agent: bool, timeout: float = 30
    ) -> tuple[float, dict[str, Any]]:
        """The first publishDiagnostics for `uri` (with an agent finding, if `agent`)."""
        end = time.monotonic() + timeout
        while True:
            at, msg = self.timed.get(timeout=max(0.01, end - time.monotonic()))
            if msg.get("method") != "textDocument/publishDiagnostics":
                continue
            params = msg["params"]
            if params["uri"] != uri:
                continue
            if not agent or any(d.get("source") == AGENT_SOURCE for d in params["diagnostics"]):
                return at, msg


def server_env(cache_dir: str) -> dict[str, str]:
    """The environment of a server that may only talk to the fake model."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SE_LSP_"))}
    return env | {"FAKE_KEY": "bench-key", "SE_LSP_CACHE_DIR": cache_dir, "NO_PROXY": "*"}


def agent_server(fake: FakeModel, cache_dir: str, max_concurrent: int = 2) -> TimedRpc:
    """A started and initialised se-lsp whose agent points at `fake`."""
    rpc = TimedRpc([sys.executable, "-m", "se_lsp"], env=server_env(cache_dir))
    params = json.loads(json.dumps(INIT_PARAMS))
    params["initializationOptions"]["seLsp"]["agent"] = {
        "baseUrl": fake.base_url,
        "model": "fake",
        "apiKeyEnv": "FAKE_KEY",
        "maxConcurrent": max_concurrent,
    }
    rpc.request("initialize", params)
    rpc.notify("initialized", {})
    return rpc


def open_doc(rpc: TimedRpc, uri: str, text: str = SOURCE, language: str = "rust") -> None:
    """Open a document and wait for its built-in diagnostics, so they do not muddle timings."""
    rpc.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": language, "version": 1, "text": text}},
    )
    rpc.wait_diagnostics(uri, agent=False)


def optimize_message(uri: str, msg_id: Any, force: bool, last_line: int = 7) -> dict[str, Any]:
    arg = {
        "uri": uri,
        "range": {"start": {"line": 1, "character": 0}, "end": {"line": last_line, "character": 0}},
        "agent": AGENT_SOURCE,
        "force": force,
    }
    return {
        "jsonrpc": "2.0",
        "id": msg_id,
        "method": "workspace/executeCommand",
        "params": {"command": "se-lsp.optimize", "arguments": [arg]},
    }


def _optimize(rpc: TimedRpc, uri: str, force: bool) -> tuple[float, Any]:
    """Send the command; the start time and its result."""
    msg = optimize_message(uri, "unused", force)
    t0 = time.perf_counter()
    result = rpc.request(msg["method"], msg["params"], timeout=60)
    return t0, result


def main() -> dict[str, Any]:
    header(f"agent path: fake model streaming {CHUNK} chars every {DELAY * 1000:.0f} ms")
    cache_dir = tempfile.mkdtemp(prefix="se-lsp-bench-cache-")
    server_share, stream_gain, first_diag, whole_reply, hits = [], [], [], [], []
    with FakeModel() as fake:
        rpc = agent_server(fake, cache_dir)
        try:
            for run in range(RUNS + 1):  # run 0 warms imports and the HTTP client
                uri = f"file:///bench/agent/run{run}.rs"
                open_doc(rpc, uri)
                fake.sent_at.clear()
                fake.push(
                    Script(
                        content=REPLY, chunk=CHUNK, delay=DELAY, pause_at=FIRST_DONE, pause=DELAY
                    )
                )
                t0, result = _optimize(rpc, uri, force=True)
                arrived, _ = rpc.wait_diagnostics(uri, agent=True)
                if run == 0:
                    continue
                assert result.get("findings") == 2, result
                closed = min(t for off, t in fake.sent_at.items() if off >= FIRST_DONE)
                last = max(fake.sent_at.values())
                server_share.append((arrived - closed) * 1000)
                first_diag.append((arrived - t0) * 1000)
                whole_reply.append((last - t0) * 1000)
                stream_gain.append((last - arrived) * 1000)
            requests_before = len(fake.requests)
            for run in range(RUNS + 1):
                # A fresh document with the same code: same cache key, no stale agent findings.
                uri = f"file:///bench/agent/hit{run}.rs"
                open_doc(rpc, uri)
                t0, result = _optimize(rpc, uri, force=False)
                arrived, _ = rpc.wait_diagnostics(uri, agent=True)
                assert result.get("cached") is True, result
                if run:
                    hits.append((arrived - t0) * 1000)
            second_requests = len(fake.requests) - requests_before
        finally:
            rpc.close()
    s_share, s_hits = summary(server_share), summary(hits)
    s_first, s_whole, s_gain = summary(first_diag), summary(whole_reply), summary(stream_gain)
    print(fmt("first complete finding sent -> diagnostic", s_share, "within 10 ms"))
    print(fmt("command -> first agent diagnostic (streamed)", s_first))
    print(fmt("command -> last byte of the reply (if waited)", s_whole))
    print(fmt("streaming saves (last byte - first diagnostic)", s_gain))
    print(fmt("cache hit: command -> diagnostic", s_hits, "within 5 ms"))
    print(f"  requests reaching the model during the {len(hits) + 1} cache hits: {second_requests}")
    results = {
        "chunk_chars": CHUNK,
        "delay_s": DELAY,
        "reply_chars": len(REPLY),
        "first_finding_to_diagnostic": s_share,
        "command_to_first_diagnostic": s_first,
        "command_to_last_byte": s_whole,
        "streaming_saves": s_gain,
        "cache_hit_command_to_diagnostic": s_hits,
        "requests_during_cache_hits": second_requests,
    }
    write("agent", results)
    return results


if __name__ == "__main__":
    main()
