"""What the crate around a file says about itself: its minimum supported Rust version.

Some clippy lints depend on it. `inefficient_to_string` fires only below 1.82, the release
from which the standard library's specialised `to_string` also serves `&&str` and friends:
on a newer compiler the code is already fast. clippy reads the MSRV from a
`#[clippy::msrv = ".."]` attribute on an enclosing item (or `#![clippy::msrv]` on the crate),
from `msrv` in `clippy.toml`/`.clippy.toml`, or from `rust-version` in `Cargo.toml`
(`rust-version.workspace = true` takes the workspace's). Without one, clippy assumes the
newest compiler, and so do we.

Files on disk are read at most once per directory per process, and only when a rule
asks (most files never do).
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

from tree_sitter import Node

from se_lsp.rules.engine import Context
from se_lsp.rules.rust.model import attributes_of

Version = tuple[int, int, int]

_MSRV_ATTR = re.compile(rb"clippy\s*+::\s*+msrv\s*+=\s*+\"([0-9.]++)\"")
_CRATE_MSRV = re.compile(rb"#!\[\s*+clippy\s*+::\s*+msrv\s*+=\s*+\"([0-9.]++)\"")
# A crate's `Cargo.toml` is within a few directories of its sources.
_MAX_UP = 12


def parse_version(text: str) -> Version | None:
    parts = text.strip().split(".")
    if not parts or not all(p.isdigit() for p in parts) or len(parts) > 3:
        return None
    nums = [int(p) for p in parts] + [0, 0]
    return nums[0], nums[1], nums[2]


def msrv(ctx: Context, at: Node) -> Version | None:
    """The MSRV in force at `at`, if the source or the crate declares one."""
    n: Node | None = at
    while n is not None:
        if n.type.endswith("_item") or n.type == "function_signature_item":
            for attr in attributes_of(n):
                found = _attr_version(ctx.source[attr.start_byte : attr.end_byte])
                if found is not None:
                    return found
        n = n.parent
    m = _CRATE_MSRV.search(ctx.source, 0, 16384)
    if m is not None:
        return parse_version(m.group(1).decode())
    if ctx.path:
        return _crate_msrv(str(Path(ctx.path).resolve().parent))
    return None


def _attr_version(raw: bytes) -> Version | None:
    m = _MSRV_ATTR.search(raw)
    return parse_version(m.group(1).decode()) if m else None


@lru_cache(maxsize=256)
def _crate_msrv(directory: str) -> Version | None:
    """From clippy.toml or the nearest Cargo.toml at or above `directory`."""
    d = Path(directory)
    for _ in range(_MAX_UP):
        for name in ("clippy.toml", ".clippy.toml"):
            conf = _read_toml(d / name)
            if conf is not None and isinstance(conf.get("msrv"), str):
                return parse_version(conf["msrv"])
        cargo = _read_toml(d / "Cargo.toml")
        if cargo is not None and "package" in cargo:
            rv = cargo["package"].get("rust-version")
            if isinstance(rv, str):
                return parse_version(rv)
            if isinstance(rv, dict) and rv.get("workspace"):
                return _workspace_msrv(d.parent)
            return None  # the crate declares none: the newest compiler
        if d.parent == d:
            break
        d = d.parent
    return None


def _workspace_msrv(start: Path) -> Version | None:
    d = start
    for _ in range(_MAX_UP):
        cargo = _read_toml(d / "Cargo.toml")
        if cargo is not None and "workspace" in cargo:
            rv = cargo["workspace"].get("package", {}).get("rust-version")
            return parse_version(rv) if isinstance(rv, str) else None
        if d.parent == d:
            break
        d = d.parent
    return None


def _read_toml(path: Path) -> dict | None:  # type: ignore[type-arg]
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
