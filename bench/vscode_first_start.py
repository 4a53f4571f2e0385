"""First start of the server the VS Code extension carries: spawn to the first diagnostics.

Two ways to ship the server in a .vsix were weighed (editors/vscode/README.md):

- bundled libs (chosen): `python -I bundled/tool/server.py` with the packages unpacked in
  `bundled/libs`; the first start also writes the bytecode cache, so it is measured with
  `__pycache__` removed (cold) and again with it present (warm);
- a private venv made from bundled wheels on first start: `python -m venv`, then
  `pip install --no-index --find-links WHEELS se-lsp`, then the server from the venv.

Usage: python -m bench.vscode_first_start BUNDLED_DIR [--wheels DIR] [--runs N]
BUNDLED_DIR is editors/vscode/bundled after `npm run bundle-server`; --wheels is a folder
with the se-lsp wheel and every dependency's wheel for this interpreter (pip download).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import header, summary, write
from bench.rpc import INIT_PARAMS, Rpc

RUST = 'fn main() {\n    for l in [""; 3] { let re = regex::Regex::new("x").unwrap(); }\n}\n'


def first_diagnostics(argv: list[str]) -> float:
    """Milliseconds from spawn to the first publishDiagnostics of an opened Rust file."""
    t = time.perf_counter()
    rpc = Rpc(argv)
    try:
        rpc.request("initialize", INIT_PARAMS, timeout=120)
        rpc.notify("initialized", {})
        doc = {"uri": "file:///tmp/a.rs", "languageId": "rust", "version": 1, "text": RUST}
        rpc.notify("textDocument/didOpen", {"textDocument": doc})
        rpc.wait_notification("textDocument/publishDiagnostics", timeout=120)
        return (time.perf_counter() - t) * 1000
    finally:
        rpc.close()


def drop_bytecode(root: Path) -> None:
    for cache in root.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("bundled", type=Path)
    p.add_argument("--wheels", type=Path)
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    header("VS Code extension: first start of the bundled server (spawn to first diagnostics)")
    server = args.bundled / "tool" / "server.py"
    argv = [sys.executable, "-I", str(server)]
    cold, warm = [], []
    for _ in range(args.runs):
        drop_bytecode(args.bundled)
        cold.append(first_diagnostics(argv))
        warm.append(first_diagnostics(argv))
    size = sum(f.stat().st_size for f in (args.bundled / "libs").rglob("*") if f.is_file())
    results = {
        "bundled_libs_mb": round(size / 1e6, 1),
        "bundled_cold_ms": summary(cold),
        "bundled_warm_ms": summary(warm),
    }
    print(f"  bundled/libs: {results['bundled_libs_mb']} MB unpacked")
    for key in ("bundled_cold_ms", "bundled_warm_ms"):
        s = results[key]
        print(f"  {key:<24} median {s['median']:9.0f} ms  min {s['min']:7.0f}  max {s['max']:7.0f}")
    if args.wheels:
        venv_ms = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                venv = Path(tmp) / "venv"
                t = time.perf_counter()
                subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
                pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-index"]
                subprocess.run([*pip, "--find-links", str(args.wheels), "se-lsp"], check=True)
                made = (time.perf_counter() - t) * 1000
                venv_ms.append(made + first_diagnostics([str(venv / "bin" / "se-lsp")]))
        results["venv_first_start_ms"] = summary(venv_ms)
        s = results["venv_first_start_ms"]
        print(
            f"  {'venv_first_start_ms':<24} median {s['median']:9.0f} ms  min {s['min']:7.0f}  "
            f"max {s['max']:7.0f}"
        )
    write("vscode_first_start", results)


if __name__ == "__main__":
    main()
