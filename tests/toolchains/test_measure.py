"""The measure runner on real benchmark pairs, and the statistics it reports."""

from __future__ import annotations

import pytest

from se_lsp.measure.runner import BenchPair, MeasureError, measure, ns_per_op
from se_lsp.measure.stats import Comparison, Summary
from tests.toolchains.conftest import tool_or_skip

# The "before" side does ~50x the work of "after": the ratio is far outside any noise.
RUST_PAIR = """use std::hint::black_box;
use std::time::Instant;

fn work(n: u64) -> u64 { let mut s = 0; for i in 0..n { s = black_box(s + i); } s }

fn main() {
    let iters = 200;
    let t = Instant::now();
    let mut sum = 0;
    for _ in 0..iters { sum += work(black_box(N)); }
    println!("checksum {}", sum % 7 == 8);
    println!("{:.1} ns/op", t.elapsed().as_nanos() as f64 / iters as f64);
}
"""
CPP_PAIR = """#include <chrono>
#include <cstdio>

volatile long sink;

int main() {
    const int iters = 200;
    auto t = std::chrono::steady_clock::now();
    for (int k = 0; k < iters; ++k) { long s = 0; for (long i = 0; i < N; ++i) { sink = s += i; } }
    auto d = std::chrono::steady_clock::now() - t;
    auto ns = std::chrono::duration<double, std::nano>(d).count();
    std::printf("%.1f ns/op\\n", ns / iters);
}
"""
GO_PAIR = """package bench

import "testing"

var sink int

func BenchmarkWork(b *testing.B) {
\tfor k := 0; k < b.N; k++ {
\t\ts := 0
\t\tfor i := 0; i < N; i++ {
\t\t\ts += i
\t\t\tsink = s
\t\t}
\t}
}
"""


@pytest.mark.parametrize(
    ("language", "template", "tool"),
    [("rust", RUST_PAIR, "rustc"), ("cpp", CPP_PAIR, "c++"), ("go", GO_PAIR, "go")],
)
async def test_a_pair_runs_and_the_faster_side_wins(
    language: str, template: str, tool: str
) -> None:
    tool_or_skip(tool)
    before = template.replace("N)", "50000)").replace("< N", "< 50000")
    after = template.replace("N)", "1000)").replace("< N", "< 1000")
    result = await measure(
        BenchPair(language=language, before=before, after=after),  # type: ignore[arg-type]
        runs=5,
        timeout=120,
    )
    c = result.comparison
    assert c.unit == "ns/op"
    assert c.before.runs == 5 and c.after.runs == 5
    assert c.ratio > 5, result.markdown()
    # Called faster only when the middle halves of the runs do not overlap: on a busy
    # machine the fast side's runs can scatter that far, and then the report says so.
    assert c.headline().endswith(f"5 runs, ±{c.spread:.0%}")
    assert ("faster" in c.headline()) == c.clear
    assert "| before |" in result.markdown() and "cores" in result.machine


async def test_a_side_that_does_not_build_says_why() -> None:
    tool_or_skip("rustc")
    good = RUST_PAIR.replace("N)", "10)")
    bad = good.replace("black_box(s + i)", "black_box(s + undefined_name)")
    with pytest.raises(MeasureError) as err:
        await measure(BenchPair(language="rust", before=good, after=bad), runs=3)
    assert "after version does not build" in str(err.value)
    assert "undefined_name" in str(err.value)


async def test_the_memory_limit_stops_a_hungry_program() -> None:
    tool_or_skip("c++", "g++")
    hungry = (
        "#include <cstdio>\n#include <cstdlib>\n#include <cstring>\n"
        "int main() { size_t n = 512ul << 20; char* p = (char*)std::malloc(n);\n"
        '  if (!p) { std::puts("no memory"); return 3; } std::memset(p, 1, n);\n'
        '  std::printf("%d 1 ns/op\\n", p[n - 1]); }\n'
    )
    small = hungry.replace("512ul << 20", "1ul << 20")
    with pytest.raises(MeasureError) as err:
        await measure(BenchPair(language="cpp", before=small, after=hungry), runs=3, memory_mb=128)
    assert "after version failed when run" in str(err.value)


async def test_the_time_limit_ends_the_measurement() -> None:
    tool_or_skip("c++", "g++")
    forever = "int main() { volatile int x = 0; for (;;) { x = x + 1; } }\n"
    quick = '#include <cstdio>\nint main() { std::puts("1 ns/op"); }\n'
    with pytest.raises(MeasureError) as err:
        await measure(BenchPair(language="cpp", before=quick, after=forever), runs=3, timeout=8)
    assert "time limit" in str(err.value)


async def test_different_results_are_pointed_out() -> None:
    tool_or_skip("c++", "g++")
    side = '#include <cstdio>\nint main() {{ std::puts("answer {0}"); std::puts("5 ns/op"); }}\n'
    result = await measure(
        BenchPair(language="cpp", before=side.format(41), after=side.format(42)), runs=3
    )
    assert any("different results" in n for n in result.notes)


def test_ns_per_op_reads_go_and_harness_lines() -> None:
    assert ns_per_op("BenchmarkWork-2   \t  123456\t      9712 ns/op\nPASS\n") == 9712
    assert ns_per_op("checksum 3\n12.5 ns/op\n") == 12.5
    assert ns_per_op("no figure here\n") is None
    assert ns_per_op("x ns/op\n") is None


def test_summary_and_headline() -> None:
    s = Summary.of([100, 102, 98, 101, 99, 100, 250])  # one slow outlier
    assert s.median == 100 and s.spread < 0.03
    assert (s.low, s.high) == (99.5, 101.5)
    fast = Summary.of([55, 56, 54, 55, 55, 56, 54])
    c = Comparison(s, fast, "ns/op")
    assert c.headline().startswith("1.8× faster, 7 runs, ±")
    same = Comparison(s, Summary.of([101, 99, 100, 102, 98, 100, 100]), "ns/op")
    assert same.headline().startswith("no clear difference")
    slow = Comparison(fast, s, "ns/op")
    assert slow.headline().startswith("1.8× slower")
    with pytest.raises(ValueError):
        Summary.of([])
    # A 2x ratio of medians, but runs that overlap in their middle halves: not called.
    scattered = Comparison(
        Summary.of([100, 100, 300, 300, 100, 300]), Summary.of([50, 50, 300, 300, 50, 300]), "ns/op"
    )
    assert scattered.ratio == pytest.approx(200 / 175)
    assert not scattered.clear and scattered.headline().startswith("no clear difference")
