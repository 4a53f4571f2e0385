"""Secret redaction: time on each pattern's worst input at growing sizes (linear, or not).

Every prompt goes through `redact`, so a pattern that backtracks would let a selection
stall the agent; the growth from one size to the next (4x the input) shows it: about
4x for a linear pattern, 16x for a quadratic one. Real code is measured too.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from bench.common import header, write
from se_lsp.core.policy import redact
from tests.core.test_redaction import _worst_inputs

SIZES = (25_000, 100_000, 400_000)
ROUNDS = 3


def _time(text: str) -> float:
    samples = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        redact(text)
        samples.append((time.perf_counter() - started) * 1e3)
    return statistics.median(samples)


def main() -> dict[str, Any]:
    header("Secret redaction")
    results: dict[str, Any] = {}
    worst_growth = 0.0
    for name in sorted(_worst_inputs(10)):
        times = [_time(_worst_inputs(n)[name]) for n in SIZES]
        growth = times[-1] / max(times[-2], 1e-3)
        worst_growth = max(worst_growth, growth)
        results[name] = {"ms": [round(t, 1) for t in times], "growth_last_4x": round(growth, 2)}
        cells = "  ".join(f"{t:8.1f}" for t in times)
        print(f"  {name:<32} ms at {SIZES}: {cells}   x{growth:.1f} for 4x the input")
    corpus = "\n".join(
        p.read_text(encoding="utf-8")
        for p in sorted((Path(__file__).resolve().parents[1] / "tests" / "corpus").rglob("*.*"))
    )
    ms = _time(corpus)
    print(
        f"  corpus ({len(corpus):,} characters of Rust, C++, Go): {ms:.1f} ms, "
        f"{len(corpus) / ms / 1000:.2f} MB/s"
    )
    results["corpus"] = {"chars": len(corpus), "ms": round(ms, 1)}
    results["worst_growth_for_4x"] = round(worst_growth, 2)
    write("redaction", results)
    return results


if __name__ == "__main__":
    main()
