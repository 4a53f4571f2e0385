"""Put the se-lsp server and every package it needs into `bundled/libs` for one VS Code target.

The extension then starts `python -I bundled/tool/server.py` with any CPython the user
already has: no pip, no venv and no network at first start. Wheels with compiled code
(pydantic-core, jiter, pyyaml, tree-sitter) are built per CPython version, so the wheels of
every supported version are installed into scratch folders and merged: their Python files
are identical, and each compiled module carries its version in its file name
(`_pydantic_core.cpython-312-x86_64-linux-gnu.so`), so the interpreter picks its own.
Any other file that differs between versions stops the build rather than guess.

Usage: python scripts/bundle_server.py [--target linux-x64] [--pythons 3.11,3.12,3.13,3.14]
Needs pip and the package index (the wheels are downloaded for the target platform).
"""

from __future__ import annotations

import argparse
import filecmp
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXTENSION = HERE.parent
REPO = EXTENSION.parents[1]

# VS Code's platform targets (`vsce package --target`) and the wheel platform tags each runs.
PLATFORMS: dict[str, list[str]] = {
    "linux-x64": [
        "manylinux_2_28_x86_64",
        "manylinux_2_17_x86_64",
        "manylinux2014_x86_64",
        "manylinux_2_5_x86_64",
        "manylinux1_x86_64",
    ],
    "linux-arm64": [
        "manylinux_2_28_aarch64",
        "manylinux_2_17_aarch64",
        "manylinux2014_aarch64",
    ],
    "darwin-x64": ["macosx_10_12_x86_64", "macosx_10_13_x86_64", "macosx_10_9_x86_64"],
    "darwin-arm64": ["macosx_11_0_arm64"],
    "win32-x64": ["win_amd64"],
}
PYTHONS = ["3.11", "3.12", "3.13", "3.14"]


def run(cmd: list[str]) -> None:
    print("+", " ".join(cmd), file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True)


def build_wheel(scratch: Path) -> Path:
    out = scratch / "self"
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(REPO)])
    (wheel,) = out.glob("se_lsp-*.whl")
    return wheel


def install_for(wheel: Path, target: str, python: str, dest: Path) -> None:
    cmd = [sys.executable, "-m", "pip", "install", "-q", "--no-compile", "--target", str(dest)]
    cmd += ["--only-binary=:all:", "--implementation", "cp", "--python-version", python]
    for tag in PLATFORMS[target]:
        cmd += ["--platform", tag]
    run([*cmd, str(wheel)])


def merge(trees: list[Path], libs: Path) -> None:
    """Union of the per-version trees; a file that differs between them must be metadata."""
    for tree in trees:
        for src in sorted(tree.rglob("*")):
            rel = src.relative_to(tree)
            if rel.parts[0] == "bin" or src.is_dir():
                continue  # console scripts: the extension runs the module, never these
            dst = libs / rel
            if not dst.exists():
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)
            elif not filecmp.cmp(src, dst, shallow=False):
                # Metadata (WHEEL tags, RECORD, build SBOMs) names the version; nothing
                # imports it, so the first version's copy stands for all.
                if rel.parts[0].endswith(".dist-info"):
                    continue
                raise SystemExit(f"bundle: {rel} differs between Python versions; not merged")


def packages(libs: Path) -> dict[str, str]:
    found = {}
    for info in sorted(libs.glob("*.dist-info")):
        name, _, version = info.name.removesuffix(".dist-info").rpartition("-")
        found[name] = version
    return found


def source_hash(target: str, pythons: list[str]) -> str:
    """What the bundle is made from: the server's sources, its metadata, target and versions."""
    h = hashlib.sha256(f"{target} {','.join(pythons)}\n".encode())
    files = [REPO / "pyproject.toml", *sorted((REPO / "se_lsp").rglob("*"))]
    for f in files:
        if f.is_file() and "__pycache__" not in f.parts:
            h.update(f.relative_to(REPO).as_posix().encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def up_to_date(out: Path, digest: str) -> bool:
    try:
        manifest = json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    return bool(manifest.get("source") == digest and (out / "libs" / "se_lsp").is_dir())


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--target", choices=sorted(PLATFORMS), default="linux-x64")
    p.add_argument("--pythons", default=",".join(PYTHONS), help="CPython versions, e.g. 3.11,3.12")
    p.add_argument("--out", type=Path, default=EXTENSION / "bundled")
    p.add_argument(
        "--if-stale", action="store_true", help="do nothing when the sources have not changed"
    )
    args = p.parse_args()
    pythons = [v.strip() for v in args.pythons.split(",") if v.strip()]
    digest = source_hash(args.target, pythons)
    if args.if_stale and up_to_date(args.out, digest):
        print(f"bundle: {args.out / 'libs'} is up to date", file=sys.stderr)
        return 0
    libs = args.out / "libs"
    if libs.exists():
        shutil.rmtree(libs)
    libs.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="se-lsp-bundle-") as tmp:
        scratch = Path(tmp)
        wheel = build_wheel(scratch)
        trees = []
        for python in pythons:
            tree = scratch / f"cp{python.replace('.', '')}"
            install_for(wheel, args.target, python, tree)
            trees.append(tree)
        merge(trees, libs)
    manifest = {
        "target": args.target,
        "pythons": pythons,
        "packages": packages(libs),
        "source": digest,
    }
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    size = sum(f.stat().st_size for f in libs.rglob("*") if f.is_file())
    print(
        f"bundle: {len(manifest['packages'])} packages for {args.target}, CPython "
        f"{', '.join(pythons)}: {size / 1e6:.1f} MB in {libs}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
