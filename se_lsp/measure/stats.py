"""Median and spread of benchmark samples, and the one line that reports a comparison.

The spread is half the interquartile range relative to the median: robust to the odd
slow run a busy machine produces, and directly readable as "±3%". A difference is
called only when the middle halves of the two sides' runs do not overlap (the faster
side's upper quartile is below the slower side's lower quartile); otherwise it is
reported as no clear difference, whatever the ratio of the medians.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    median: float
    spread: float  # relative: 0.03 is ±3%
    runs: int
    low: float  # lower quartile (the minimum with fewer than 4 runs)
    high: float  # upper quartile (the maximum with fewer than 4 runs)

    @classmethod
    def of(cls, samples: list[float]) -> Summary:
        if not samples:
            raise ValueError("no samples")
        median = statistics.median(samples)
        if len(samples) < 4:
            low, high = min(samples), max(samples)
        else:
            low, _, high = statistics.quantiles(samples, n=4, method="inclusive")
        spread = (high - low) / 2 / median if median > 0 else 0.0
        return cls(median, spread, len(samples), low, high)


@dataclass(frozen=True)
class Comparison:
    before: Summary
    after: Summary
    unit: str  # "ns/op" (the harness's own figure) or "s per run" (whole process)

    @property
    def ratio(self) -> float:
        """How many times faster `after` is (below 1: slower)."""
        return self.before.median / self.after.median if self.after.median > 0 else float("inf")

    @property
    def spread(self) -> float:
        return max(self.before.spread, self.after.spread)

    @property
    def clear(self) -> bool:
        """The middle halves of the two sides' runs do not overlap."""
        return self.after.high < self.before.low or self.before.high < self.after.low

    @property
    def runs(self) -> int:
        return min(self.before.runs, self.after.runs)

    def headline(self) -> str:
        """ "1.8× faster, 12 runs, ±3%"."""
        r = self.ratio
        noise = f"{self.runs} runs, ±{self.spread:.0%}"
        if not self.clear or round(r, 2) == 1.0:
            return f"no clear difference ({r:.2f}×), {noise}"
        if r >= 1:
            return f"{r:.1f}× faster, {noise}" if r >= 1.1 else f"{r:.2f}× faster, {noise}"
        slower = 1 / r
        return (
            f"{slower:.1f}× slower, {noise}" if slower >= 1.1 else f"{slower:.2f}× slower, {noise}"
        )

    def table(self) -> str:
        def fmt(s: Summary) -> str:
            return f"{_quantity(s.median, self.unit)} ±{s.spread:.0%}"

        return (
            f"| | median ({self.unit}) | runs |\n|---|---|---|\n"
            f"| before | {fmt(self.before)} | {self.before.runs} |\n"
            f"| after | {fmt(self.after)} | {self.after.runs} |"
        )


def _quantity(value: float, unit: str) -> str:
    if unit == "ns/op":
        if value >= 1e6:
            return f"{value / 1e6:.3g} ms"
        if value >= 1e3:
            return f"{value / 1e3:.3g} µs"
        return f"{value:.3g} ns"
    return f"{value:.3g} s"
