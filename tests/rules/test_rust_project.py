"""The crate around a Rust file: its MSRV, read from Cargo.toml or clippy.toml the way clippy
reads it, decides lints that depend on it (inefficient_to_string fires only below 1.82)."""

from __future__ import annotations

from pathlib import Path

from se_lsp.rules import analyze
from se_lsp.rules.rust.project import _crate_msrv, parse_version

SOURCE = """\
pub fn owned(words: &[&str]) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len());
    for w in words {
        out.push(w.to_string());
    }
    out
}
"""


def _codes(root: Path) -> list[str]:
    _crate_msrv.cache_clear()
    path = root / "src" / "lib.rs"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SOURCE)
    return [f.code for f in analyze(SOURCE, "rust", path=str(path)).findings]


def test_an_old_rust_version_reports(tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "a"\nrust-version = "1.70"\n')
    assert "rust/inefficient-to-string" in _codes(tmp_path)


def test_a_recent_rust_version_does_not(tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "a"\nrust-version = "1.82"\n')
    assert "rust/inefficient-to-string" not in _codes(tmp_path)


def test_no_declared_version_means_the_newest_compiler(tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "a"\n')
    assert "rust/inefficient-to-string" not in _codes(tmp_path)


def test_the_workspace_version_is_inherited(tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").write_text(
        '[workspace]\nmembers = ["a"]\n[workspace.package]\nrust-version = "1.65"\n'
    )
    crate = tmp_path / "a"
    crate.mkdir()
    (crate / "Cargo.toml").write_text('[package]\nname = "a"\nrust-version.workspace = true\n')
    assert "rust/inefficient-to-string" in _codes(crate)


def test_clippy_toml_wins(tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "a"\nrust-version = "1.90"\n')
    (tmp_path / "clippy.toml").write_text('msrv = "1.60"\n')
    assert "rust/inefficient-to-string" in _codes(tmp_path)


def test_a_broken_manifest_is_no_version(tmp_path: Path) -> None:
    (tmp_path / "Cargo.toml").write_text("[package\n")
    assert "rust/inefficient-to-string" not in _codes(tmp_path)


def test_versions() -> None:
    assert parse_version("1.81") == (1, 81, 0)
    assert parse_version("1.81.2") == (1, 81, 2)
    assert parse_version("nightly") is None
