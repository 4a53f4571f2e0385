"""Hover and codeAction round trips over stdio: idle, while a big file is edited, and
while, on top of the edits, four agent requests stream slowly from a loopback model.

The floor is a bare JSON-RPC echo process driven by the same client: what remains
above it is the server's own cost.
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench import agent
from bench.common import fmt, header, summary, write
from bench.rpc import Rpc, echo_server
from bench.sources import big_source
from tests.fakemodel import FakeModel, Script

N = 600
STREAMS = 4
LOAD_SECONDS = 3.0  # per method, under the agent load
STREAM_CHUNK = 4  # characters per event: about one token...
STREAM_DELAY = 0.02  # ...every 20 ms: 50 tokens per second, a slow model
# Enough findings that each stream outlasts the measurement (about 35 s at that rate).
SLOW_REPLY = json.dumps(
    {
        "findings": [agent.FIRST if i % 2 == 0 else agent.SECOND for i in range(16)],
        "summary": "The loop is the hot spot.",
    }
)
SMALL = "file:///bench/small.cpp"
BIG = "file:///bench/big.rs"
SMALL_TEXT = (Path(__file__).resolve().parents[1] / "examples" / "report.cpp").read_text()


def _round_trips(rpc: Rpc, method: str, params: Any, n: int = N) -> list[float]:
    for _ in range(50):
        rpc.request(method, params)
    out = []
    for _ in range(n):
        t = time.perf_counter_ns()
        rpc.request(method, params)
        out.append((time.perf_counter_ns() - t) / 1e6)
    return out


def _round_trips_for(rpc: Rpc, method: str, params: Any, seconds: float) -> list[float]:
    """Back-to-back round trips for a fixed time, so slow background work is sampled."""
    out = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t = time.perf_counter_ns()
        rpc.request(method, params)
        out.append((time.perf_counter_ns() - t) / 1e6)
    return out


def _hover_params(line: int, character: int) -> dict[str, Any]:
    return {"textDocument": {"uri": SMALL}, "position": {"line": line, "character": character}}


def _find(text: str, needle: str) -> tuple[int, int]:
    for i, line in enumerate(text.splitlines()):
        if needle in line:
            return i, line.index(needle)
    raise ValueError(needle)


def main() -> dict[str, Any]:
    header("LSP latency over stdio")
    echo = echo_server()
    floor = summary(_round_trips(echo, "textDocument/hover", _hover_params(0, 0)))
    echo.close()
    print(fmt("JSON-RPC echo process (floor)", floor))
    with FakeModel() as fake:
        return _measure(fake, floor)


def _measure(fake: FakeModel, floor: dict[str, float]) -> dict[str, Any]:
    # The agent is configured from the start, as in an editor; it is idle until phase 3.
    rpc = agent.agent_server(fake, tempfile.mkdtemp(prefix="se-lsp-bench-cache-"), STREAMS)
    agent.open_doc(rpc, SMALL, SMALL_TEXT, "cpp")
    line, col = _find(SMALL_TEXT, "std::endl")
    hover = _hover_params(line, col)
    at = {"line": line, "character": col}
    action = {
        "textDocument": {"uri": SMALL},
        "range": {"start": at, "end": at},
        "context": {"diagnostics": []},
    }
    idle_hover = summary(_round_trips(rpc, "textDocument/hover", hover))
    idle_action = summary(_round_trips(rpc, "textDocument/codeAction", action))
    print(fmt("hover, idle", idle_hover, "p50 ≤ 0.4 ms"))
    print(fmt("codeAction, idle", idle_action, "p50 ≤ 0.4 ms"))

    # Load: a 10,000-line Rust file edited every 100 ms, re-analysed after each edit.
    big = big_source("rust")
    rpc.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": BIG, "languageId": "rust", "version": 1, "text": big}},
    )
    version = [1]

    def start_editor() -> tuple[threading.Event, threading.Thread]:
        stop = threading.Event()

        def edit() -> None:
            while not stop.is_set():
                version[0] += 1
                change = {
                    "range": {
                        "start": {"line": 5000, "character": 0},
                        "end": {"line": 5000, "character": 0},
                    },
                    "text": "// x\n" if version[0] % 2 else "",
                }
                rpc.notify(
                    "textDocument/didChange",
                    {
                        "textDocument": {"uri": BIG, "version": version[0]},
                        "contentChanges": [change],
                    },
                )
                time.sleep(0.1)

        thread = threading.Thread(target=edit, daemon=True)
        thread.start()
        return stop, thread

    stop, thread = start_editor()
    time.sleep(0.3)
    # For a fixed time, not a count: 300 back-to-back requests last ~0.1 s, one edit.
    load_hover = summary(_round_trips_for(rpc, "textDocument/hover", hover, LOAD_SECONDS))
    load_action = summary(_round_trips_for(rpc, "textDocument/codeAction", action, LOAD_SECONDS))
    print(fmt("hover, 10k-line file edited every 100 ms", load_hover, "p99 ≤ 2 ms"))
    print(fmt("codeAction, 10k-line file edited every 100 ms", load_action, "p99 ≤ 2 ms"))
    stop.set()
    thread.join()
    time.sleep(0.5)  # the last re-analysis is published

    # Load, phase 3: four agent runs streaming slowly at once, first alone, then with the edits.
    uris = [f"file:///bench/stream{i}.rs" for i in range(STREAMS)]
    for uri in uris:
        agent.open_doc(rpc, uri)
    fake.push(*[Script(content=SLOW_REPLY, chunk=STREAM_CHUNK, delay=STREAM_DELAY)] * STREAMS)
    ids = [f"stream-{i}" for i in range(STREAMS)]
    for uri, msg_id in zip(uris, ids, strict=True):
        rpc.send(agent.optimize_message(uri, msg_id, force=True))
    # Measure once the first finding has been published, while findings keep arriving.
    rpc.wait_diagnostics(uris[0], agent=True)
    streams_hover = summary(_round_trips_for(rpc, "textDocument/hover", hover, LOAD_SECONDS))
    streams_action = summary(_round_trips_for(rpc, "textDocument/codeAction", action, LOAD_SECONDS))
    print(fmt("hover, 4 slow agent streams", streams_hover, "p99 ≤ 2 ms"))
    print(fmt("codeAction, 4 slow agent streams", streams_action, "p99 ≤ 2 ms"))
    stop, thread = start_editor()
    time.sleep(0.3)
    agent_hover = summary(_round_trips_for(rpc, "textDocument/hover", hover, LOAD_SECONDS))
    agent_action = summary(_round_trips_for(rpc, "textDocument/codeAction", action, LOAD_SECONDS))
    still_streaming = sum(1 for i in ids if i not in rpc.answered)
    stop.set()
    thread.join()
    published = 1 + _agent_publishes(rpc, set(uris))
    print(fmt("hover, edits + 4 slow agent streams", agent_hover, "p99 ≤ 2 ms"))
    print(fmt("codeAction, edits + 4 slow agent streams", agent_action, "p99 ≤ 2 ms"))
    print(
        f"  model requests {len(fake.requests)}, streams still open at the end "
        f"{still_streaming}/{STREAMS}, agent diagnostics published meanwhile {published}"
    )
    rpc.close()
    results = {
        "floor": floor,
        "hover_idle": idle_hover,
        "code_action_idle": idle_action,
        "hover_edit_load": load_hover,
        "code_action_edit_load": load_action,
        "hover_agent_load": streams_hover,
        "code_action_agent_load": streams_action,
        "hover_edit_and_agent_load": agent_hover,
        "code_action_edit_and_agent_load": agent_action,
        "agent_streams": STREAMS,
        "agent_streams_open_at_end": still_streaming,
        "agent_publishes_during_load": published,
    }
    write("lsp_latency", results)
    return results


def _agent_publishes(rpc: agent.TimedRpc, uris: set[str]) -> int:
    """How many publishDiagnostics carrying agent findings reached the client so far."""
    count = 0
    while not rpc.timed.empty():
        _, msg = rpc.timed.get()
        params = msg.get("params") or {}
        if params.get("uri") in uris and any(
            d.get("source") == agent.AGENT_SOURCE for d in params.get("diagnostics", ())
        ):
            count += 1
    return count


if __name__ == "__main__":
    main()
