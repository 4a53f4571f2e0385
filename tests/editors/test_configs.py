"""The editor configurations that cannot run here (Helix, Zed) and static checks of the others.

Helix and Zed are not installable on this kind of machine; their files are data, so they are
checked as data: they parse, name the server for all four languages, and their settings are
valid `seLsp` settings for the server's own validator.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from se_lsp.core.settings import parse_editor_settings
from tests.editors.conftest import EDITORS

HERE = Path(__file__).parent


def _valid_settings(raw: object, source: str) -> None:
    settings, problems = parse_editor_settings(raw, source)
    assert problems == [], problems
    assert settings.builtin.debounce_ms == 150  # the example value (the default is 200)
    print(f"{source}: settings valid ({settings.builtin.rules or 'no rule overrides'})")


def test_helix_languages_toml() -> None:
    data = tomllib.loads((EDITORS / "helix" / "languages.toml").read_text(encoding="utf-8"))
    server = data["language-server"]["se-lsp"]
    assert server["command"] == "se-lsp"
    assert isinstance(server["timeout"], int)
    _valid_settings(server["config"]["seLsp"], "helix config.seLsp")
    langs = {lang["name"]: lang["language-servers"] for lang in data["language"]}
    assert set(langs) == {"rust", "c", "cpp", "go"}
    for name, servers in langs.items():
        assert servers[-1] == "se-lsp" and len(servers) >= 2, (name, servers)
    print(f"helix: se-lsp added after the default server for {sorted(langs)}")


def test_zed_settings_and_extension() -> None:
    settings = json.loads((EDITORS / "zed" / "settings.json").read_text(encoding="utf-8"))
    lsp = settings["lsp"]["se-lsp"]
    assert lsp["binary"]["path"] == "se-lsp"
    _valid_settings(lsp["settings"], "zed lsp.se-lsp.settings")
    ext = tomllib.loads((EDITORS / "zed" / "extension" / "extension.toml").read_text("utf-8"))
    declared = ext["language_servers"]["se-lsp"]["languages"]
    assert sorted(declared) == ["C", "C++", "Go", "Rust"]
    for lang in declared:
        assert "se-lsp" in settings["languages"][lang]["language_servers"], lang
    lib = (EDITORS / "zed" / "extension" / "src" / "lib.rs").read_text(encoding="utf-8")
    assert '"seLsp"' in lib and "register_extension!(SeLsp)" in lib
    print(f"zed: extension declares se-lsp for {declared}; settings.json enables it for each")


@pytest.mark.skipif(shutil.which("emacs") is None, reason="emacs not installed")
def test_emacs_package_byte_compiles_cleanly(tmp_path: Path) -> None:
    src = tmp_path / "se-lsp.el"
    shutil.copy(EDITORS / "emacs" / "se-lsp.el", src)
    proc = subprocess.run(
        [
            "emacs",
            "--batch",
            "--eval",
            "(setq byte-compile-error-on-warn t)",
            "-f",
            "batch-byte-compile",
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "se-lsp.elc").exists()
    print("emacs: se-lsp.el byte-compiles with warnings treated as errors")


@pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="not a Debian machine")
def test_install_script_is_a_no_op_when_installed() -> None:
    status = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}\n", "emacs-nox", "elpa-eglot", "elpa-markdown-mode"],
        capture_output=True,
        text=True,
    )
    if status.stdout.count("install ok installed") != 3:
        pytest.skip("the editor packages are not installed here")
    proc = subprocess.run(
        ["bash", str(HERE / "install.sh")], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "already installed" in proc.stdout
    print("install.sh: nothing to do when emacs-nox, elpa-eglot and elpa-markdown-mode are there")
