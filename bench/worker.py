"""What the analysis process costs: bytes and milliseconds across the process boundary.

For a 10,000-line file of each language: the first analysis (the text travels once),
then one-line edits (only the edit travels). For each, the analysis inside the process,
the round trip seen by the server, and what the server's event loop itself pays to send
the request and take in the answer (pickling, unpickling, the findings kept packed).
The in-process analysis of the same edits is the baseline the process is compared with.
"""

from __future__ import annotations

import asyncio
import pickle
import statistics
import time
from typing import Any

from lsprotocol import types

from bench.common import fmt, header, summary, write
from bench.sources import EXT, big_source
from se_lsp.core.positions import LineIndex
from se_lsp.core.settings import Settings
from se_lsp.lsp.diagnostics import PackedFindings
from se_lsp.lsp.documents import DocumentStore
from se_lsp.lsp.supervisor import Supervisor
from se_lsp.rules.batch import run_rules

EDITS = 60


def _edit(docs: DocumentStore, uri: str, version: int, line: int) -> Any:
    text = "    // x\n" if version % 2 else ""
    end = line if version % 2 else line + 1
    change = types.TextDocumentContentChangePartial(
        range=types.Range(types.Position(line, 0), types.Position(end, 0)), text=text
    )
    params = types.DidChangeTextDocumentParams(
        types.VersionedTextDocumentIdentifier(version=version, uri=uri), [change]
    )
    changed = docs.change(params, "utf-16")
    assert changed is not None
    return changed[1]


async def _language(language: str) -> dict[str, Any]:
    text = big_source(language)
    # Not under a bench/ folder: C++ counts benchmark folders as test code (quiet by default).
    uri = f"file:///project/src/big.{EXT[language]}"
    docs = DocumentStore()
    doc = docs.open(types.TextDocumentItem(uri, language, 1, text))
    sup = Supervisor()
    sup.configure(Settings(), budget_seconds=60)
    try:
        first = await sup.analyze(doc, exact=True, encoding="utf-16")
        rows = len(pickle.loads(first.rows))
        round_trips, inside, sent, received, loads = [], [], [], [], []
        for version in range(2, 2 + EDITS):
            edits = _edit(docs, uri, version, 5000)
            sup.edited(uri, edits)
            answer = await sup.analyze(doc, exact=False, encoding="utf-16")
            round_trips.append(answer.timing["round_trip_ms"])
            inside.append(answer.timing["analyse_ms"] + answer.timing["render_ms"])
            sent.append(answer.sent_bytes)
            received.append(answer.received_bytes)
            # What the event loop pays to take the answer in: the envelope, then the
            # first look at the findings (a hover over one of them).
            started = time.perf_counter()
            packed = PackedFindings(answer.rows)
            packed[len(packed) // 2]
            loads.append((time.perf_counter() - started) * 1e3)
    finally:
        await sup.stop()
    # The same edits analysed in this process, as the server did before.
    docs2 = DocumentStore()
    doc2 = docs2.open(types.TextDocumentItem(uri, language, 1, text))
    settings = Settings()
    previous = run_rules(doc2.text, language, settings, LineIndex(doc2.text))
    local = []
    for version in range(2, 2 + EDITS):
        _edit(docs2, uri, version, 5000)
        started = time.perf_counter()
        previous = run_rules(doc2.text, language, settings, doc2.index, previous, exact=False)
        local.append((time.perf_counter() - started) * 1e3)
    return {
        "lines": text.count("\n"),
        "findings": rows,
        "first": {
            "sent_bytes": first.sent_bytes,
            "received_bytes": first.received_bytes,
            "round_trip_ms": round(first.timing["round_trip_ms"], 2),
            "inside_ms": round(first.timing["analyse_ms"] + first.timing["render_ms"], 2),
        },
        "edit_round_trip": summary(round_trips),
        "edit_inside": summary(inside),
        "edit_in_process_before": summary(local),
        "edit_sent_bytes": statistics.median(sent),
        "edit_received_bytes": statistics.median(received),
        "loop_take_in": summary(loads),
    }


def main() -> dict[str, Any]:
    header("Analysis process: the cost of crossing the process boundary")
    results: dict[str, Any] = {}
    for language in ("rust", "cpp", "go"):
        r = asyncio.run(_language(language))
        results[language] = r
        f = r["first"]
        print(
            f"  {language}: {r['lines']} lines, {r['findings']} findings; first analysis sends "
            f"{f['sent_bytes']:,} B, receives {f['received_bytes']:,} B, "
            f"{f['inside_ms']:.1f} ms inside, {f['round_trip_ms']:.1f} ms round trip"
        )
        print(
            f"    one-line edit: sends {r['edit_sent_bytes']:,.0f} B, "
            f"receives {r['edit_received_bytes']:,.0f} B"
        )
        print(fmt("edit, analysis inside the process", r["edit_inside"]))
        print(fmt("edit, round trip seen by the server", r["edit_round_trip"]))
        print(fmt("edit, in-process (the thread before)", r["edit_in_process_before"]))
        print(fmt("event loop: take the answer in", r["loop_take_in"]))
    write("worker", results)
    return results


if __name__ == "__main__":
    main()
