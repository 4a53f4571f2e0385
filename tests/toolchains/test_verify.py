"""Compile-checked fixes against the real toolchains: cargo, the C++ compiler, go.

Each language: a fix that compiles passes, one that does not fails with the compiler's
first error on the user's path, an error the file already had is not held against the
fix, and the user's tree is byte-for-byte and time-for-time what it was.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from se_lsp.toolchain.process import run
from se_lsp.verify import Status
from se_lsp.verify.checker import Verifier
from se_lsp.verify.verdict import split_location
from tests.toolchains.conftest import CPP_MAIN, GO_MAIN, RUST_LIB, snapshot, tool_or_skip

RUST_GOOD = RUST_LIB.replace("let mut v = Vec::new();", "let mut v = Vec::with_capacity(xs.len());")
RUST_BAD = RUST_LIB.replace("let mut v = Vec::new();", "let mut v = Vec::with_capacity(xs.size());")


async def test_rust_fix_that_compiles_passes_and_one_that_does_not_quotes_rustc(
    crate: Path,
) -> None:
    before = snapshot(crate)
    lib = crate / "src" / "lib.rs"
    v = Verifier()
    good = await v.verify(lib, "rust", RUST_GOOD, crate, original=RUST_LIB)
    assert good.status is Status.PASSED, good.detail
    assert good.tool == "cargo check"
    bad = await v.verify(lib, "rust", RUST_BAD, crate, original=RUST_LIB)
    assert bad.status is Status.FAILED
    assert bad.detail.startswith("src/lib.rs:13:")
    assert "no method named `size`" in bad.detail and "E0599" in bad.detail
    # Nothing written into the user's tree: no target/, no Cargo.lock, no changed file.
    assert snapshot(crate) == before
    assert not (crate / "target").exists()


async def test_rust_mirror_puts_back_a_file_a_previous_check_replaced(crate: Path) -> None:
    """A check replaces inner.rs; the next check of lib.rs must see inner.rs as on disk.

    cargo decides freshness by file times, so a restored file must not look older than
    the build that used the replacement (it would reuse that build).
    """
    v = Verifier()
    inner = crate / "src" / "inner.rs"
    renamed = RUST_INNER_RENAMED = "pub fn helper2(n: u32) -> u32 {\n    n + 1\n}\n"
    broken = await v.verify(inner, "rust", renamed, crate, original=inner.read_text())
    assert broken.status is Status.FAILED
    assert "helper" in broken.detail and broken.detail.startswith("src/lib.rs:")
    del RUST_INNER_RENAMED
    again = await v.verify(crate / "src" / "lib.rs", "rust", RUST_GOOD, crate, original=RUST_LIB)
    assert again.status is Status.PASSED, again.detail
    # The user edits inner.rs on disk: the mirror follows.
    inner.write_text(renamed)
    stale = await v.verify(
        crate / "src" / "lib.rs", "rust", RUST_GOOD + "\n", crate, original=RUST_LIB
    )
    assert stale.status is Status.UNCHECKED  # broken without the fix too: not the fix's fault
    assert "without this fix either" in stale.detail


async def test_rust_workspace_member_sees_the_other_member_as_on_disk(tmp_path: Path) -> None:
    """Check 1 replaces a file of member `a`; check 2, of member `b` (which uses `a`), must
    build `a` from the user's text again. cargo decides freshness by file times, so the
    mirror must give the restored file a new time, not link back to the older original."""
    tool_or_skip("cargo")
    ws = tmp_path / "ws"
    for name, deps, body in (
        ("a", "", "pub fn helper() -> u32 { 1 }\n"),
        ("b", 'a = { path = "../a" }', "pub fn use_it() -> u32 { a::helper() }\n"),
    ):
        (ws / name / "src").mkdir(parents=True)
        (ws / name / "Cargo.toml").write_text(
            f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n\n'
            f"[dependencies]\n{deps}\n"
        )
        (ws / name / "src" / "lib.rs").write_text(body)
    (ws / "Cargo.toml").write_text('[workspace]\nmembers = ["a", "b"]\nresolver = "2"\n')
    before = snapshot(ws)
    v = Verifier()
    a_lib = ws / "a" / "src" / "lib.rs"
    renamed = await v.verify(
        a_lib, "rust", "pub fn helper2() -> u32 { 1 }\n", ws, original=a_lib.read_text()
    )
    assert renamed.status is Status.PASSED, renamed.detail  # `a` alone is fine
    b_lib = ws / "b" / "src" / "lib.rs"
    text = b_lib.read_text()
    uses = await v.verify(
        b_lib, "rust", text.replace("a::helper()", "a::helper() + 0"), ws, original=text
    )
    assert uses.status is Status.PASSED, uses.detail
    assert snapshot(ws) == before and not (ws / "target").exists()


async def test_rust_path_dependency_outside_the_workspace(tmp_path: Path) -> None:
    """`dep = { path = "../dep" }` resolves in the mirror as it does on disk."""
    tool_or_skip("cargo")
    for name, deps, body in (
        ("dep", "", "pub fn one() -> u32 { 1 }\n"),
        ("app", 'dep = { path = "../dep" }', "pub fn two() -> u32 { dep::one() + 1 }\n"),
    ):
        (tmp_path / name / "src").mkdir(parents=True)
        (tmp_path / name / "Cargo.toml").write_text(
            f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2021"\n\n'
            f"[dependencies]\n{deps}\n"
        )
        (tmp_path / name / "src" / "lib.rs").write_text(body)
    lib = tmp_path / "app" / "src" / "lib.rs"
    text = lib.read_text()
    v = Verifier()
    ok = await v.verify(lib, "rust", text.replace("+ 1", "+ 2"), tmp_path, original=text)
    assert ok.status is Status.PASSED, ok.detail
    bad = await v.verify(lib, "rust", text.replace("one()", "uno()"), tmp_path, original=text)
    assert bad.status is Status.FAILED and "uno" in bad.detail


async def test_an_error_the_file_already_has_is_not_the_fix_fault(crate: Path) -> None:
    lib = crate / "src" / "lib.rs"
    broken = RUST_LIB.replace("inner::helper(n)", "inner::missing(n)")
    lib.write_text(broken)
    fixed = broken.replace("let mut v = Vec::new();", "let mut v = Vec::with_capacity(xs.len());")
    verdict = await Verifier().verify(lib, "rust", fixed, crate, original=broken)
    assert verdict.status is Status.UNCHECKED
    assert "does not compile without this fix either" in verdict.detail
    assert "missing" in verdict.detail


async def test_a_rust_file_outside_any_package_is_checked_by_rustc_alone(tmp_path: Path) -> None:
    tool_or_skip("rustc")
    lone = tmp_path / "lone.rs"
    lone.write_text("pub fn f() -> u32 { 1 }\n")
    v = Verifier()
    ok = await v.verify(lone, "rust", "pub fn f() -> u32 { 2 }\n", tmp_path)
    assert ok.status is Status.PASSED and ok.tool.startswith("rustc")
    bad = await v.verify(lone, "rust", 'pub fn f() -> u32 { "x" }\n', tmp_path)
    assert bad.status is Status.FAILED
    assert bad.detail.startswith("lone.rs:1:") and "mismatched types" in bad.detail


async def test_a_build_script_is_never_checked(crate: Path) -> None:
    verdict = await Verifier().verify(crate / "build.rs", "rust", "fn main() {}\n", crate)
    assert verdict.status is Status.UNCHECKED and "build script" in verdict.detail


async def test_cpp_uses_the_compile_command_and_writes_nothing(cpp_project: Path) -> None:
    tool_or_skip("c++", "g++", "clang++")
    before = snapshot(cpp_project)
    main = cpp_project / "src" / "main.cpp"
    v = Verifier()
    good = await v.verify(
        main,
        "cpp",
        CPP_MAIN.replace("auto s : v", "const auto& s : v"),
        cpp_project,
        original=CPP_MAIN,
    )
    assert good.status is Status.PASSED, good.detail
    assert "compile_commands.json" in good.tool
    bad = await v.verify(
        main,
        "cpp",
        CPP_MAIN.replace("auto s : v", "const auto& s : w"),
        cpp_project,
        original=CPP_MAIN,
    )
    assert bad.status is Status.FAILED
    assert bad.detail.startswith("src/main.cpp:7:"), bad.detail
    assert "'w' was not declared" in bad.detail or "undeclared identifier 'w'" in bad.detail
    # The -MD/-MF/-o of the database were dropped: no main.o, no main.d in build/.
    assert snapshot(cpp_project) == before


async def test_cpp_without_a_database_uses_the_compiler_on_path(tmp_path: Path) -> None:
    tool_or_skip("c++", "g++", "clang++")
    (tmp_path / "util.h").write_text("#pragma once\ninline int twice(int x) { return 2 * x; }\n")
    src = tmp_path / "x.cpp"
    text = '#include "util.h"\nint f() { return twice(2); }\n'
    src.write_text(text)
    v = Verifier()
    ok = await v.verify(src, "cpp", text.replace("twice(2)", "twice(3)"), tmp_path, original=text)
    assert ok.status is Status.PASSED, ok.detail
    assert "compile_commands" not in ok.tool
    bad = await v.verify(src, "cpp", text.replace("twice(2)", "thrice(3)"), tmp_path, original=text)
    assert bad.status is Status.FAILED and "thrice" in bad.detail


async def test_go_overlay_checks_without_writing(go_module: Path) -> None:
    before = snapshot(go_module)
    a = go_module / "pkg" / "a.go"
    old = "strings.ToLower(a) == strings.ToLower(b)"
    v = Verifier()
    good = await v.verify(
        a, "go", GO_MAIN.replace(old, "strings.EqualFold(a, b)"), go_module, original=GO_MAIN
    )
    assert good.status is Status.PASSED, good.detail
    assert good.tool == "go build"
    bad = await v.verify(
        a, "go", GO_MAIN.replace(old, "strings.EqualFold(a, c)"), go_module, original=GO_MAIN
    )
    assert bad.status is Status.FAILED
    assert bad.detail.startswith("pkg/a.go:16:") and "undefined: c" in bad.detail
    assert snapshot(go_module) == before


async def test_go_test_files_are_built_with_their_tests(go_module: Path) -> None:
    t = go_module / "pkg" / "a_test.go"
    text = 'package pkg\n\nimport "testing"\n\nfunc TestSame(t *testing.T) { _ = Same("a", "b") }\n'
    t.write_text(text)
    v = Verifier()
    ok = await v.verify(t, "go", text.replace('"b"', '"c"'), go_module, original=text)
    assert ok.status is Status.PASSED and ok.tool == "go test -c", ok.detail
    bad = await v.verify(t, "go", text.replace('"b"', "3"), go_module, original=text)
    assert bad.status is Status.FAILED and "a_test.go:5:" in bad.detail


async def test_no_toolchain_means_not_checked(no_tools: None, tmp_path: Path) -> None:
    v = Verifier()
    for name, language in (("a.rs", "rust"), ("a.cpp", "cpp"), ("a.go", "go")):
        verdict = await v.verify(tmp_path / name, language, "x", tmp_path)
        assert verdict.status is Status.UNCHECKED, (language, verdict)
        assert "on PATH" in verdict.detail


async def test_verdicts_are_cached_by_the_texts(go_module: Path) -> None:
    a = go_module / "pkg" / "a.go"
    v = Verifier()
    fixed = GO_MAIN.replace("return c.n", "return c.n + 0")
    first = await v.verify(a, "go", fixed, go_module, original=GO_MAIN)
    runs = v.checks
    second = await v.verify(a, "go", fixed, go_module, original=GO_MAIN)
    assert second == first and v.checks == runs
    assert v.cached(a, "go", fixed, GO_MAIN) == first
    # Two waiters on the same new check share one toolchain run.
    other = fixed.replace("+ 0", "+ 1 - 1")
    both = await asyncio.gather(
        v.verify(a, "go", other, go_module, original=GO_MAIN),
        v.verify(a, "go", other, go_module, original=GO_MAIN),
    )
    assert both[0] == both[1] and v.checks == runs + 1


async def test_a_time_limit_gives_not_checked_and_is_not_cached(go_module: Path) -> None:
    a = go_module / "pkg" / "a.go"
    v = Verifier()
    fixed = GO_MAIN.replace("return c.n", "return c.n * 1")
    verdict = await v.verify(a, "go", fixed, go_module, original=GO_MAIN, timeout=0.001)
    assert verdict.status is Status.UNCHECKED and "longer than" in verdict.detail
    assert v.cached(a, "go", fixed, GO_MAIN) is None


async def test_cancelling_kills_the_whole_process_group(tmp_path: Path) -> None:
    """The task running a program is cancelled: the program and its children are gone."""
    pids = tmp_path / "pids"
    script = f"sleep 30 & echo $! > {pids}; echo $$ >> {pids}; wait"
    task = asyncio.ensure_future(run(["sh", "-c", script], timeout=60))
    for _ in range(100):
        await asyncio.sleep(0.05)
        if pids.exists() and len(pids.read_text().split()) == 2:
            break
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    deadline = time.monotonic() + 5
    alive = [int(p) for p in pids.read_text().split()]
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if _alive(p)]
        await asyncio.sleep(0.05)
    assert alive == []


async def test_a_time_limit_kills_and_reports(tmp_path: Path) -> None:
    start = time.monotonic()
    done = await run(["sh", "-c", "sleep 30"], timeout=0.3)
    assert done.timed_out and done.returncode is None
    assert time.monotonic() - start < 5


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers: it has exited.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "src/main.cpp:7:22: error: 'w' was not declared",
            ("src/main.cpp", 7, 22, "error: 'w' was not declared"),
        ),
        ("C:/x/a.go:3:1: undefined: y", ("C:/x/a.go", 3, 1, "undefined: y")),
        ("/a:b/c.go:10:2: x: y", ("/a:b/c.go", 10, 2, "x: y")),
        ("In file included from x.h:3:", None),
        ("note: nothing here", None),
    ],
)
def test_split_location(line: str, expected: tuple[str, int, int, str] | None) -> None:
    assert split_location(line) == expected
