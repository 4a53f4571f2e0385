"""The cycle collector stays out of an analysis, and is back on afterwards."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from se_lsp.rules import analyze
from se_lsp.rules.batch import check_files, collector_paused


def test_check_runs_no_collection_and_restores_the_collector(tmp_path: Path) -> None:
    body = "".join(
        f'func f{i}(xs []string) string {{\n\ts := ""\n\tfor _, x := range xs {{\n'
        f"\t\ts += x\n\t}}\n\treturn s\n}}\n"
        for i in range(400)
    )
    src = tmp_path / "big.go"
    src.write_text("package p\n\n" + body)
    started: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(info["generation"])

    text = src.read_text()
    gc.callbacks.append(count)
    try:
        analyze(text, "go")  # as it ran before: the collector on
        unpaused = len(started)
        started.clear()
        run = check_files([src])
    finally:
        gc.callbacks.remove(count)
    assert run.results and run.results[0][1], "the file has findings: the analysis ran"
    # Reading the file and writing records may still start one; the analysis starts none.
    assert unpaused >= 10
    assert len(started) <= 2, started
    assert gc.isenabled()


def test_collector_back_on_after_an_error_and_left_off_if_it_was_off() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("a rule failed")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
