"""Real projects on disk for the toolchain tests: a Cargo crate, a C++ tree with a
compilation database, a Go module. Tests that need a tool skip, naming the tool, when it
is not installed (tests/toolchains/install.sh installs them)."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

# Each sample puts 2-, 3- and 4-byte UTF-8 text before flagged code on the same line, so
# a column counted in bytes where code points are meant lands elsewhere.
RUST_LIB = """mod inner;
use std::collections::HashMap;

pub fn lookup(m: &mut HashMap<u32, u32>, name: &str) -> u32 {
    let v = Some(1u32); let _t = "é✓😀"; let n = v.expect(&format!("missing {}", name));
    if !m.contains_key(&n) {
        m.insert(n, 2);
    }
    inner::helper(n)
}

pub fn total(xs: &[u64]) -> Vec<u64> {
    let mut v = Vec::new();
    for x in xs {
        v.push(*x);
    }
    v
}
"""
RUST_INNER = "pub fn helper(n: u32) -> u32 {\n    n + 1\n}\n"

CPP_MAIN = """#include "util.h"
#include <string>
#include <vector>

int total(const std::vector<std::string>& v) {
    int n = 0;
    for (auto s : v) { /* é✓😀 */ n += twice(static_cast<int>(s.size())); }
    return n;
}
"""
CPP_UTIL = "#pragma once\ninline int twice(int x) { return 2 * x; }\n"

GO_MAIN = """package pkg

import (
\t"strings"
\t"sync"
)

type Counter struct {
\tmu sync.Mutex
\tn  int
}

func Value(c Counter) int { return c.n }

func Same(a, b string) bool {
\t/* é✓😀 */ return strings.ToLower(a) == strings.ToLower(b)
}
"""


def tool_or_skip(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(f"{' / '.join(names)} is not installed (tests/toolchains/install.sh installs it)")


def snapshot(root: Path) -> dict[str, tuple[str, int]]:
    """Every file under `root` with its content hash and modification time."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.is_symlink():
            out[str(p.relative_to(root))] = (
                hashlib.sha256(p.read_bytes()).hexdigest(),
                p.stat().st_mtime_ns,
            )
    return out


@pytest.fixture(autouse=True)
def _isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scratch work and the cargo mirrors go to a per-session directory; Go never downloads."""
    monkeypatch.setenv("SE_LSP_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "se-lsp-cache"))
    monkeypatch.setenv("GOPROXY", "off")
    monkeypatch.setenv("GOFLAGS", "")
    monkeypatch.setenv("CARGO_NET_OFFLINE", "true")


@pytest.fixture
def no_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PATH holds nothing: as on a machine with no toolchain installed."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


@pytest.fixture
def crate(tmp_path: Path) -> Iterator[Path]:
    tool_or_skip("cargo")
    root = tmp_path / "demo"
    (root / "src").mkdir(parents=True)
    (root / "Cargo.toml").write_text(
        '[package]\nname = "demo"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'
    )
    (root / "src" / "lib.rs").write_text(RUST_LIB)
    (root / "src" / "inner.rs").write_text(RUST_INNER)
    yield root


@pytest.fixture
def cpp_project(tmp_path: Path) -> Path:
    root = tmp_path / "cpp"
    (root / "src").mkdir(parents=True)
    (root / "include").mkdir()
    (root / "build").mkdir()
    (root / "src" / "main.cpp").write_text(CPP_MAIN)
    (root / "include" / "util.h").write_text(CPP_UTIL)
    compiler = shutil.which("c++") or shutil.which("g++") or "c++"
    entry = {
        "directory": str(root / "build"),
        "file": "../src/main.cpp",
        "arguments": [
            compiler,
            "-std=c++17",
            f"-I{root / 'include'}",
            "-O2",
            "-MD",
            "-MF",
            "main.d",
            "-o",
            "main.o",
            "-c",
            "../src/main.cpp",
        ],
    }
    (root / "build" / "compile_commands.json").write_text(json.dumps([entry]))
    return root


@pytest.fixture
def go_module(tmp_path: Path) -> Path:
    tool_or_skip("go")
    root = tmp_path / "gomod"
    (root / "pkg").mkdir(parents=True)
    (root / "go.mod").write_text("module example.com/demo\n\ngo 1.19\n")
    (root / "pkg" / "a.go").write_text(GO_MAIN)
    return root
