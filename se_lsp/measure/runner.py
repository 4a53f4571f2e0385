"""Running a benchmark pair: build both sides, run them in turn, compare the figures.

A pair is two self-contained programs, the code before and after a change, each
timing its own work and printing `<number> ns/op` (Go's `testing.B` prints exactly
that; the Rust `Instant` and C++ `chrono` harnesses are asked to). Both are built
optimised in a scratch directory, then run alternately, before, after, before...,
so a machine that slows down part-way slows both. Every run has the memory and CPU
limits of `ulimit`, and the whole measurement a deadline. Nothing is written in the
user's tree, and this runs only after the user has seen the code and said yes.
"""

from __future__ import annotations

import asyncio
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from se_lsp.measure.stats import Comparison, Summary
from se_lsp.toolchain.process import Completed, limited, run
from se_lsp.toolchain.projects import which
from se_lsp.toolchain.scratch import remove, scratch_dir


class BenchPair(BaseModel):
    """What the agent writes: the two programs and what they measure."""

    model_config = ConfigDict(extra="ignore")
    language: Literal["rust", "cpp", "go"]
    before: str = Field(min_length=1, max_length=100_000)
    after: str = Field(min_length=1, max_length=100_000)
    description: str = Field(default="", max_length=2_000)


class MeasureError(Exception):
    """The pair could not be measured: it did not build, it crashed, it ran too long."""


@dataclass(frozen=True)
class Result:
    comparison: Comparison
    machine: str
    seconds: float
    notes: tuple[str, ...] = ()

    def markdown(self) -> str:
        notes = "".join(f"\n\n{n}" for n in self.notes)
        return (
            f"**Measured:** {self.comparison.headline()}\n\n{self.comparison.table()}\n\n"
            f"*{self.machine}; {self.seconds:.0f} s in all*{notes}"
        )


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


@dataclass(frozen=True)
class _Built:
    argv: list[str]
    cwd: Path


_SOURCE = {"rust": "main.rs", "cpp": "main.cpp", "go": "bench_test.go"}


async def _build(pair: BenchPair, side: str, text: str, work: Path, deadline: float) -> _Built:
    directory = work / side
    await asyncio.to_thread(directory.mkdir, parents=True)
    source = directory / _SOURCE[pair.language]
    await asyncio.to_thread(source.write_text, text, "utf-8")
    binary = directory / "bench"
    if pair.language == "rust":
        tool = which("rustc")
        if tool is None:
            raise MeasureError("no rustc on PATH")
        argv = [tool, "--edition", "2021", "-C", "opt-level=3", "-o", str(binary), str(source)]
        run_argv = [str(binary)]
    elif pair.language == "cpp":
        tool = which("c++", "g++", "clang++")
        if tool is None:
            raise MeasureError("no C++ compiler on PATH")
        argv = [tool, "-std=c++17", "-O2", "-o", str(binary), str(source)]
        run_argv = [str(binary)]
    else:
        tool = which("go")
        if tool is None:
            raise MeasureError("no go on PATH")
        await asyncio.to_thread(
            (directory / "go.mod").write_text, "module bench\n\ngo 1.19\n", "utf-8"
        )
        argv = [tool, "test", "-c", "-o", str(binary), "."]
        run_argv = [
            str(binary),
            "-test.run=^$",
            "-test.bench=.",
            "-test.count=1",
            "-test.benchtime=0.5s",
        ]
    done = await run(
        argv,
        cwd=directory,
        timeout=_left(deadline),
        env={"GOPROXY": "off", "GOFLAGS": "", "LC_ALL": "C"},
    )
    if done.timed_out:
        raise MeasureError(f"building the {side} version took too long")
    if not done.ok:
        raise MeasureError(f"the {side} version does not build:\n{_first_lines(done.stderr)}")
    return _Built(run_argv, directory)


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise MeasureError("the time limit for this measurement ran out")
    return left


def _first_lines(text: str, n: int = 6) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return "\n".join(lines[:n])


def ns_per_op(stdout: str) -> float | None:
    """The first `<number> ns/op` figure a run printed (Go's format; ours asks for it)."""
    for line in stdout.splitlines():
        words = line.replace("\t", " ").split()
        for i, word in enumerate(words[1:], start=1):
            if word == "ns/op":
                try:
                    return float(words[i - 1])
                except ValueError:
                    continue
    return None


def _results(stdout: str) -> list[str]:
    """What a run printed apart from its timing (a checksum, a count): compared across sides."""
    return [
        ln.strip()
        for ln in stdout.splitlines()
        if ln.strip()
        and "ns/op" not in ln
        and not ln.startswith(("goos:", "goarch:", "pkg:", "cpu:", "PASS", "ok "))
    ]


async def measure(
    pair: BenchPair, *, runs: int = 12, timeout: float = 120.0, memory_mb: int = 2048
) -> Result:
    """Build and run both sides `runs` times each; raise MeasureError when that fails."""
    start = time.monotonic()
    deadline = start + timeout
    work = await asyncio.to_thread(scratch_dir, "measure-")
    try:
        return await _measure_in(pair, work, start, deadline, runs, memory_mb)
    except OSError as err:  # a compiler or the program itself could not be started
        raise MeasureError(f"could not run: {err}") from None
    finally:
        await asyncio.to_thread(remove, work)


async def _measure_in(
    pair: BenchPair, work: Path, start: float, deadline: float, runs: int, memory_mb: int
) -> Result:
    before = await _build(pair, "before", pair.before, work, deadline)
    after = await _build(pair, "after", pair.after, work, deadline)
    samples: dict[str, list[float]] = {"before": [], "after": []}
    units: set[str] = set()
    printed: dict[str, list[str]] = {}
    for _ in range(runs):
        for side, built in (("before", before), ("after", after)):
            done = await _run_once(built, deadline, memory_mb)
            figure = ns_per_op(done.stdout)
            if figure is None:
                samples[side].append(done.seconds)
                units.add("s per run")
            else:
                samples[side].append(figure)
                units.add("ns/op")
            printed.setdefault(side, _results(done.stdout))
    if len(units) > 1:
        raise MeasureError("only one side printed its `ns/op` figure")
    notes = []
    if printed.get("before") != printed.get("after"):
        notes.append(
            "⚠ The two versions printed different results: the change may not do the same work."
        )
    unit = units.pop()
    if unit != "ns/op":
        notes.append(
            "The programs printed no `ns/op` figure: each run was timed whole, start-up included."
        )
    comparison = Comparison(Summary.of(samples["before"]), Summary.of(samples["after"]), unit)
    return Result(comparison, machine(), time.monotonic() - start, tuple(notes))


async def _run_once(built: _Built, deadline: float, memory_mb: int) -> Completed:
    left = _left(deadline)
    argv = limited(built.argv, memory_mb=memory_mb, cpu_seconds=int(left) + 1)
    done = await run(argv, cwd=built.cwd, timeout=left)
    if done.timed_out:
        raise MeasureError("the time limit for this measurement ran out")
    if not done.ok:
        why = _first_lines(done.stderr or done.stdout, 4) or f"exit status {done.returncode}"
        raise MeasureError(f"the {built.cwd.name} version failed when run:\n{why}")
    return done
