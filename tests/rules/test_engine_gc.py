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


@pytest.mark.parametrize("language", ["rust", "cpp", "go"])
def test_an_analysis_leaves_nothing_for_the_cycle_collector(language: str) -> None:
    """The analysis process pauses the collector during an analysis; whatever is left in
    reference cycles afterwards is paid for by the next collection (a model that refers
    back to its context kept ~25,000 objects of a 10,000-line Rust file that way)."""
    from se_lsp.rules.engine import reanalyze
    from tests.rules.markers import fixture_files

    gc.collect()
    gc.disable()
    try:
        for path in fixture_files(language):
            text = path.read_text(encoding="utf-8")
            first = analyze(text, language)
            lines = text.split("\n")
            lines[len(lines) // 2] += " x"
            edited = "\n".join(lines)
            typed = reanalyze(first, edited, language, exact=False)
            settled = reanalyze(typed, edited, language)
            assert settled.findings is not None
            assert gc.collect() == 0, path.name
    finally:
        gc.enable()
