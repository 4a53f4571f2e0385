"""The reliability figures: tests record what they injected and saw; this prints the table.

`record(section, name, data)` merges one entry into tests/.reliability.json (gitignored)
so the figures in docs/reliability.md come from a real run, not from memory.
`python -m tests.reliability_report` prints them as markdown.
"""

from __future__ import annotations

import json
import os
import platform
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PATH = Path(__file__).with_name(".reliability.json")
_lock = threading.Lock()


def _load() -> dict[str, Any]:
    try:
        data = json.loads(PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record(section: str, name: str, data: dict[str, Any]) -> None:
    """Store one test's figures under section/name (a re-run overwrites its own entry)."""
    with _lock:
        all_ = _load()
        all_.setdefault(section, {})[name] = data
        all_["_meta"] = {
            "updated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}",
            "python": platform.python_version(),
        }
        tmp = PATH.with_suffix(".tmp")
        tmp.write_text(json.dumps(all_, indent=1, ensure_ascii=False), encoding="utf-8")
        tmp.replace(PATH)


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(data: dict[str, Any]) -> str:
    out: list[str] = []
    meta = data.get("_meta", {})
    if meta:
        out.append(
            f"Recorded {meta.get('updated')} on {meta.get('machine')}, "
            f"Python {meta.get('python')}.\n"
        )
    out += _summary(data)
    matrix = data.get("fault_matrix", {})
    if matrix:
        requests = sum(int(v.get("requests", 0)) for v in matrix.values())
        out.append(
            f"### Fault matrix (runner + client): {len(matrix)} faults, "
            f"{requests} HTTP requests in all\n"
        )
        out.append("| fault | outcome | requests | seconds | message shown |")
        out.append("|---|---|---|---|---|")
        for name, v in sorted(matrix.items()):
            out.append(
                f"| {name} | {v.get('outcome')} | {v.get('requests')} | {v.get('seconds')} "
                f"| {_cell(v.get('message'))} |"
            )
        out.append("")
    lsp = data.get("fault_matrix_lsp", {})
    if lsp:
        out.append(f"### Through the language server process: {len(lsp)} faults\n")
        out.append("| fault | progress | message shown |")
        out.append("|---|---|---|")
        for name, v in sorted(lsp.items()):
            kinds = " → ".join(k.removeprefix("WorkDoneProgress") for k in v.get("progress", []))
            out.append(f"| {name} | {kinds} | {_cell(v.get('message'))} |")
        out.append("")
    server = data.get("lsp_server", {})
    if server:
        out.append("### The language server under hostile traffic (tests/lsp)\n")
        out.append("| suite | figures |")
        out.append("|---|---|")
        for name, v in sorted(server.items()):
            out.append(f"| {name} | {_cell(', '.join(f'{k}: {x}' for k, x in v.items()))} |")
        out.append("")
    props = data.get("properties", {})
    if props:
        out.append("### Properties (hypothesis and randomized runs)\n")
        out.append("| property | cases | figures |")
        out.append("|---|---|---|")
        for name, v in sorted(props.items()):
            rest = ", ".join(f"{k}: {x}" for k, x in v.items() if k != "cases")
            out.append(f"| {name} | {v.get('cases')} | {_cell(rest)} |")
        out.append("")
    return "\n".join(out)


def _summary(data: dict[str, Any]) -> list[str]:
    """The four figures the reliability work is judged by, from what the tests recorded."""
    matrix = data.get("fault_matrix", {})
    lsp = data.get("fault_matrix_lsp", {})
    props = data.get("properties", {})
    boundary = data.get("boundary", {})
    ended = sum(
        1 for v in matrix.values() if str(v.get("outcome", "")).startswith(("error", "empty"))
    )
    storm = props.get("edit_storm", {})
    corpus = boundary.get("secret_corpus", {})
    redirect = boundary.get("local_only_redirect", {})
    return [
        "### Summary\n",
        "| figure | value | from |",
        "|---|---|---|",
        f"| crashes (faults not ending in one clean outcome) | "
        f"{len(matrix) - ended} of {len(matrix)} (+{len(lsp)} through the server) | "
        "agent/test_fault_matrix.py |",
        f"| out-of-range or stale diagnostics | {storm.get('invalid_or_stale', '?')} of "
        f"{storm.get('ranges_checked', '?')} ranges "
        f"in {storm.get('cases', '?')} publishes | edit storm, test_properties.py |",
        f"| secrets in requests the loopback model received | "
        f"{corpus.get('secrets_seen', '?')} of {corpus.get('kinds', '?')} kinds planted | "
        "agent/test_lsp.py |",
        f"| requests past local-only mode (a 307 to another local port) | "
        f"{redirect.get('requests_past_it', '?')} | agent/test_client.py |",
        "",
    ]


def main() -> None:
    print(render(_load()))


if __name__ == "__main__":
    main()
