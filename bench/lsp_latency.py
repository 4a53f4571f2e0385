"""Hover and codeAction round trips over stdio, idle and while a big file is edited.

The floor is a bare JSON-RPC echo process driven by the same client: what remains
above it is the server's own cost.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from bench.common import fmt, header, summary, write
from bench.rpc import INIT_PARAMS, Rpc, echo_server, se_lsp_server
from bench.sources import big_source

N = 600
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

    rpc = se_lsp_server()
    rpc.request("initialize", INIT_PARAMS)
    rpc.notify("initialized", {})
    rpc.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": SMALL, "languageId": "cpp", "version": 1, "text": SMALL_TEXT}},
    )
    rpc.wait_notification("textDocument/publishDiagnostics")
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
    stop = threading.Event()

    def editor() -> None:
        version = 1
        while not stop.is_set():
            version += 1
            change = {
                "range": {
                    "start": {"line": 5000, "character": 0},
                    "end": {"line": 5000, "character": 0},
                },
                "text": "// x\n" if version % 2 else "",
            }
            rpc.notify(
                "textDocument/didChange",
                {"textDocument": {"uri": BIG, "version": version}, "contentChanges": [change]},
            )
            time.sleep(0.1)

    thread = threading.Thread(target=editor, daemon=True)
    thread.start()
    time.sleep(0.3)
    load_hover = summary(_round_trips(rpc, "textDocument/hover", hover, n=N // 2))
    load_action = summary(_round_trips(rpc, "textDocument/codeAction", action, n=N // 2))
    stop.set()
    thread.join()
    print(fmt("hover, 10k-line file edited every 100 ms", load_hover, "p99 ≤ 2 ms"))
    print(fmt("codeAction, 10k-line file edited every 100 ms", load_action, "p99 ≤ 2 ms"))
    rpc.close()
    results = {
        "floor": floor,
        "hover_idle": idle_hover,
        "code_action_idle": idle_action,
        "hover_edit_load": load_hover,
        "code_action_edit_load": load_action,
    }
    write("lsp_latency", results)
    return results


if __name__ == "__main__":
    main()
