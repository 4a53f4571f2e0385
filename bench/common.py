"""Shared pieces of the benchmarks: statistics, machine description, result files."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
        "time": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def summary(samples_ms: list[float]) -> dict[str, float]:
    """Median, p99, min, max and spread (interquartile range) of samples in milliseconds."""
    s = sorted(samples_ms)
    n = len(s)
    q = statistics.quantiles(s, n=100, method="inclusive") if n > 1 else [s[0]] * 99
    return {
        "n": n,
        "median": round(statistics.median(s), 4),
        "p99": round(q[98], 4),
        "min": round(s[0], 4),
        "max": round(s[-1], 4),
        "iqr": round(q[74] - q[24], 4),
    }


def fmt(name: str, stats: dict[str, float], target: str = "") -> str:
    line = (
        f"  {name:<44} median {stats['median']:9.3f} ms  p99 {stats['p99']:9.3f} ms  "
        f"iqr {stats['iqr']:8.3f}  n={stats['n']}"
    )
    return line + (f"   [{target}]" if target else "")


def write(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **data}, indent=2) + "\n")
    return path


def header(title: str) -> None:
    m = machine()
    print(f"== {title}")
    print(f"   machine: {m['cpu']} x{m['cores']}, Python {m['python']}, load {m['load_avg']}")
    sys.stdout.flush()
