"""Resident memory of the server holding 200 open documents, against itself just initialised.

Sizes cycle through 100-1000 lines and the three languages, so parse trees, line indexes
and findings of a realistic mix are all alive when VmRSS is read from /proc. The server
is two processes (the analysis process holds the texts again and the syntax trees), so
both are counted, and their sum is the figure.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.common import header, write
from bench.rpc import INIT_PARAMS, se_lsp_server
from bench.sources import EXT, big_source

DOCS = 200
LANGS = ("rust", "cpp", "go")
LANGUAGE_IDS = {"rust": "rust", "cpp": "cpp", "go": "go"}


def rss_mb(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) of a process, in MB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024  # kB -> MB
    return out


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def total_mb(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of the server and its analysis process, and their sums."""
    main = rss_mb(pid)
    out = {"main": main["VmRSS"], "main_peak": main["VmHWM"], "analysis": 0.0}
    out["analysis_peak"] = 0.0
    for child in children(pid):
        m = rss_mb(child)
        out["analysis"] += m["VmRSS"]
        out["analysis_peak"] += m["VmHWM"]
    out["VmRSS"] = out["main"] + out["analysis"]
    out["VmHWM"] = out["main_peak"] + out["analysis_peak"]
    return out


def documents() -> list[tuple[str, str, str]]:
    """(uri, language, text) for the mix: sizes step through 100..1000 lines."""
    cache: dict[tuple[str, int], str] = {}
    docs = []
    for i in range(DOCS):
        lang = LANGS[i % len(LANGS)]
        lines = 100 + (i * 97) % 901  # spreads evenly over 100..1000
        key = (lang, lines)
        if key not in cache:
            cache[key] = big_source(lang, lines)
        docs.append((f"file:///bench/memory/doc{i}{EXT[lang]}", lang, cache[key]))
    return docs


def main() -> dict[str, Any]:
    header(f"memory: server RSS with {DOCS} open documents")
    docs = documents()
    total_lines = sum(text.count("\n") for _, _, text in docs)
    rpc = se_lsp_server()
    try:
        rpc.request("initialize", INIT_PARAMS)
        rpc.notify("initialized", {})
        time.sleep(0.5)
        base = total_mb(rpc.proc.pid)
        waiting = set()
        for uri, lang, text in docs:
            item = {"uri": uri, "languageId": LANGUAGE_IDS[lang], "version": 1, "text": text}
            rpc.notify("textDocument/didOpen", {"textDocument": item})
            waiting.add(uri)
        while waiting:
            note = rpc.wait_notification("textDocument/publishDiagnostics", timeout=120)
            waiting.discard(note["params"]["uri"])
        time.sleep(0.5)  # let the last analysis settle
        loaded = total_mb(rpc.proc.pid)
    finally:
        rpc.close()
    growth = loaded["VmRSS"] - base["VmRSS"]
    print(
        f"  after initialize           VmRSS {base['VmRSS']:7.1f} MB"
        f"  (server {base['main']:.1f} + analysis process {base['analysis']:.1f})"
    )
    print(
        f"  {DOCS} documents ({total_lines} lines) VmRSS {loaded['VmRSS']:7.1f} MB"
        f"  (server {loaded['main']:.1f} + analysis process {loaded['analysis']:.1f}; "
        f"+{growth:.1f} MB, peaks summed {loaded['VmHWM']:.1f} MB)   [under 120 MB]"
    )
    results = {
        "documents": DOCS,
        "lines": total_lines,
        "rss_after_initialize_mb": round(base["VmRSS"], 1),
        "rss_with_documents_mb": round(loaded["VmRSS"], 1),
        "rss_server_mb": round(loaded["main"], 1),
        "rss_analysis_process_mb": round(loaded["analysis"], 1),
        "peak_rss_mb": round(loaded["VmHWM"], 1),
        "growth_mb": round(growth, 1),
    }
    write("memory", results)
    return results


if __name__ == "__main__":
    main()
