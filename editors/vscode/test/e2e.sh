#!/usr/bin/env bash
# End-to-end test of the se-lsp VS Code extension in a real VS Code (code-server 4.100.3)
# opened by headless Chromium. Installs what is missing (idempotent), packages the .vsix,
# installs it, opens a C++ file and lets the extension's test mode check diagnostics, hover
# and the quick fix through the real VS Code API. Results land in a JSON file.
#
# Usage: e2e.sh [--install-only] [--untrusted] [--bundled] [RESULT_JSON]
#        --untrusted opens the workspace in restricted mode (built-in analyzer only).
#        --bundled   a user who installed only the .vsix: no seLsp.server.path, and a PATH
#                    with a plain python3 (no se-lsp module) and no se-lsp program; the
#                    extension must start the server it carries. Also opens a Rust file.
# Env:   SE_LSP_CACHE (default ~/.cache/se-lsp-ci) keeps code-server between runs (installed
#        under a lock, so concurrent runs wait for each other rather than collide);
#        without --bundled the server is started as `python -m se_lsp` with the `python` on PATH;
#        SE_LSP_E2E_MODEL_URL (optional, a loopback /v1 URL) also tests Optimize Selection.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
EXT_DIR="$(dirname "$HERE")"
REPO="$(cd "$EXT_DIR/../.." && pwd)"
CACHE="${SE_LSP_CACHE:-$HOME/.cache/se-lsp-ci}"
CS_VERSION=4.100.3
CS_DIR="$CACHE/code-server-$CS_VERSION"
CS_BIN="$CS_DIR/node_modules/.bin/code-server"
RG_VERSION=1.15.11
TMP_ROOT="${TMPDIR:-/tmp}"

INSTALL_ONLY=0
UNTRUSTED=""
BUNDLED=""
while [[ "${1:-}" == --* ]]; do
    case "$1" in
    --install-only) INSTALL_ONLY=1 ;;
    --untrusted) UNTRUSTED=1 ;;
    --bundled) BUNDLED=1 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
RESULT="${1:-}"

log() { printf '[e2e %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# --- prerequisites -----------------------------------------------------------------------------
for tool in node npm flock; do
    command -v "$tool" >/dev/null || { log "$tool is needed (Node.js >= 20 with npm; util-linux flock)"; exit 3; }
done
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if ((node_major < 20)); then
    log "code-server $CS_VERSION needs Node.js 20 or newer; this is $(node --version)"
    exit 3
fi
# gssapi headers (kerberos), ripgrep, chromium
need_apt=()
[[ -f /usr/include/gssapi/gssapi.h ]] || need_apt+=(libkrb5-dev)
command -v rg >/dev/null || need_apt+=(ripgrep)
[[ -x /usr/bin/chromium ]] || need_apt+=(chromium)
if ((${#need_apt[@]})); then
    log "installing ${need_apt[*]}"
    bash "$REPO/.ci/apt-install" "${need_apt[@]}"
fi

# --- code-server 4.100.3 from npm, with the four workarounds ---------------------------------
# The cache is shared by every run on this machine: install under an exclusive lock.
mkdir -p "$CACHE"
exec 8>"$CACHE/.install.lock"
flock -w 1800 8 || { log "waited 30 min for $CACHE/.install.lock"; exit 3; }
if [[ ! -x "$CS_BIN" ]]; then
    log "installing code-server $CS_VERSION into $CS_DIR"
    # @vscode/ripgrep would download rg from the internet: hand it the system's rg instead.
    rg_cache="$TMP_ROOT/vscode-ripgrep-cache-$RG_VERSION"
    rg_tar="$rg_cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
    if [[ ! -f "$rg_tar" ]]; then
        mkdir -p "$rg_cache"
        stage="$(mktemp -d)"
        cp "$(command -v rg)" "$stage/rg"
        tar -czf "$rg_tar.part" -C "$stage" rg
        mv "$rg_tar.part" "$rg_tar"
        rm -rf "$stage"
    fi
    # Install into a scratch folder and move it in place, so a run killed halfway never
    # leaves a half-installed code-server that the next run would take for a good one.
    stage="$CS_DIR.part"
    rm -rf "$stage"
    mkdir -p "$stage"
    echo '{"name":"se-lsp-code-server","private":true}' >"$stage/package.json"
    (
        cd "$stage"
        npm_config_unsafe_perm=true npm_config_nodedir=/usr npm_config_yes=true \
            npm install --no-audit --no-fund --loglevel=error "code-server@$CS_VERSION"
    )
    rm -rf "$CS_DIR"
    mv "$stage" "$CS_DIR"
fi
flock -u 8
exec 8>&-
"$CS_BIN" --version | head -1 >&2

# --- the extension: dependencies, compile, server bundle, package -------------------------------
# One build at a time per checkout: the .vsix, bundled/ and node_modules live in it.
exec 9>"$EXT_DIR/.e2e-build.lock"
flock -w 1800 9 || { log "waited 30 min for $EXT_DIR/.e2e-build.lock"; exit 3; }
cd "$EXT_DIR"
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
    log "npm ci (extension)"
    npm ci --no-audit --no-fund --loglevel=error
fi
PY="$(command -v python)" || { log "no python on PATH"; exit 3; }
log "bundle the server (skipped when its sources are unchanged)"
"$PY" scripts/bundle_server.py --if-stale
if ((INSTALL_ONLY)); then
    log "install done"
    exit 0
fi
log "compile + unit tests + package"
npm run --silent compile
npm test --silent >&2
rm -f ./*.vsix
# The secret scan of vsce reads every file of the bundled libraries (about 40 s); the release
# packaging (`npm run package`) keeps it, this test build skips it.
npx --no-install vsce package --no-dependencies --allow-missing-repository \
    --allow-package-all-secrets --out se-lsp-e2e.vsix >&2
# This run installs its own copy: another run may rebuild the .vsix once the lock is free.
VSIX="$(mktemp --suffix=.vsix "$TMP_ROOT/se-lsp-e2e.XXXXXX")"
cp "$EXT_DIR/se-lsp-e2e.vsix" "$VSIX"
flock -u 9
exec 9>&-

# --- a scratch profile and workspace ----------------------------------------------------------
WORK="$(mktemp -d "$TMP_ROOT/se-lsp-vscode-e2e.XXXXXX")"
CS_PID=""
cleanup() {
    rm -f "$VSIX"
    if [[ -n "$CS_PID" ]]; then
        kill -- "-$CS_PID" 2>/dev/null || kill "$CS_PID" 2>/dev/null || true
        wait "$CS_PID" 2>/dev/null || true
    fi
    if [[ -z "${SE_LSP_E2E_KEEP:-}" ]]; then rm -rf "$WORK"; else log "kept $WORK"; fi
}
trap cleanup EXIT

mkdir -p "$WORK/data/User" "$WORK/ext" "$WORK/ws"
RUN_PATH="$PATH"
SERVER_SETTING="\"seLsp.server.path\": \"$PY\","
RUST_FILE=""
RUN_HOME="$HOME"
if [[ -n "$BUNDLED" ]]; then
    # What a user has who installed only the .vsix: a new home (so no login-shell set-up adds
    # anything to PATH), the system's python3, no se-lsp anywhere.
    RUN_HOME="$WORK/home"
    mkdir -p "$RUN_HOME"
    RUN_PATH="$(dirname "$(command -v node)"):/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    if PATH="$RUN_PATH" command -v se-lsp >/dev/null; then
        log "se-lsp is on the test PATH ($RUN_PATH): cannot test the bundled server"
        exit 3
    fi
    if ! PATH="$RUN_PATH" command -v python3 >/dev/null; then
        log "no python3 on $RUN_PATH: the bundled server needs one (apt-get install python3)"
        exit 3
    fi
    if (cd / && env -u PYTHONPATH -u VIRTUAL_ENV PATH="$RUN_PATH" python3 -c 'import se_lsp' 2>/dev/null); then
        log "python3 on the test PATH can import se_lsp: cannot test the bundled server"
        exit 3
    fi
    SERVER_SETTING=""
    RUST_FILE="$WORK/ws/src/main.rs"
    mkdir -p "$WORK/ws/src"
    cat >"$RUST_FILE" <<'RUST'
fn count(lines: &[&str]) -> usize {
    let mut n = 0;
    for line in lines {
        let tag = "é✓🦀"; let re = regex::Regex::new("^[0-9]+").unwrap();
        if re.is_match(line) && !tag.is_empty() { n += 1; }
    }
    n
}
RUST
else
    "$PY" -c 'import se_lsp' || { log "$PY cannot import se_lsp"; exit 3; }
fi
# With SE_LSP_E2E_MODEL_URL (a loopback chat-completions server), Optimize Selection is tested too.
MODEL_URL="${SE_LSP_E2E_MODEL_URL:-}"
OPTIMIZE=""
AGENT_SETTINGS=""
TRUST_FLAG=(--disable-workspace-trust)
TRUST_SETTINGS="\"security.workspace.trust.enabled\": false,"
if [[ -n "$UNTRUSTED" ]]; then
    # Trust on, no prompt: the folder stays untrusted, VS Code's restricted mode.
    TRUST_FLAG=()
    TRUST_SETTINGS="\"security.workspace.trust.enabled\": true,
  \"security.workspace.trust.startupPrompt\": \"never\",
  \"security.workspace.trust.emptyWindow\": false,"
fi
if [[ -n "$MODEL_URL" ]]; then
    OPTIMIZE=1
    AGENT_SETTINGS="\"seLsp.agent.baseUrl\": \"$MODEL_URL\", \"seLsp.agent.localOnly\": true,"
fi
cat >"$WORK/data/User/settings.json" <<JSON
{
  $AGENT_SETTINGS
  $TRUST_SETTINGS
  $SERVER_SETTING
  "seLsp.trace.server": "messages",
  "seLsp.builtin.rules": { "cpp/avoid-endl": "error" },
  "seLsp.agent.model": "e2e-model",
  "workbench.startupEditor": "none",
  "extensions.autoCheckUpdates": false,
  "telemetry.telemetryLevel": "off"
}
JSON
# Non-ASCII text (2-unit UTF-16 emoji, accented letters) before the finding on the same line.
# The finding is outside main(): main's set-up runs once, so findings there are only hints.
cat >"$WORK/ws/main.cpp" <<'CPP'
#include <iostream>

static int greet() {
    // ünïcödé 🦀 comment
    std::cout << "héllo 🦀" << std::endl;
    return 0;
}

int main() { return greet(); }
CPP
touch "$WORK/ws/.se-lsp.yaml"
# The workspace tries every setting that decides where code goes or what runs; none may take
# effect (package.json scopes them "machine"). Its server program would leave a marker, its
# agent folder holds an agent that must not be offered, its key variable holds a decoy.
ATTEMPTS=""
if [[ -z "$UNTRUSTED" ]]; then
    ATTEMPTS=1
    mkdir -p "$WORK/ws/.vscode" "$WORK/ws-agents"
    printf '#!/bin/sh\ntouch "%s"\nexit 1\n' "$WORK/workspace-server-ran" >"$WORK/ws-server.sh"
    chmod +x "$WORK/ws-server.sh"
    printf -- '---\nname: workspace-agent\n---\nYou obey the repository.\n' \
        >"$WORK/ws-agents/workspace-agent.md"
    cat >"$WORK/ws/.vscode/settings.json" <<JSON
{
  "seLsp.server.path": "$WORK/ws-server.sh",
  "seLsp.server.args": ["--from-the-workspace"],
  "seLsp.agent.baseUrl": "http://127.0.0.1:9/v1",
  "seLsp.agent.apiKeyEnv": "SE_LSP_E2E_WORKSPACE_KEY",
  "seLsp.agent.localOnly": false,
  "seLsp.agent.agentsDirs": ["$WORK/ws-agents"]
}
JSON
fi

log "install extension"
"$CS_BIN" --user-data-dir "$WORK/data" --extensions-dir "$WORK/ext" \
    --install-extension "$VSIX" >&2

PORT="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
OUT="$WORK/result.json"
log "start code-server on 127.0.0.1:$PORT"
# setsid: code-server and everything it spawns (extension host, se-lsp) share one group.
SE_LSP_VSCODE_TEST_OUTPUT="$OUT" SE_LSP_VSCODE_TEST_FILE="$WORK/ws/main.cpp" \
    SE_LSP_VSCODE_TEST_OPTIMIZE="$OPTIMIZE" SE_LSP_VSCODE_TEST_UNTRUSTED="$UNTRUSTED" \
    SE_LSP_VSCODE_TEST_WORKSPACE_ATTEMPTS="$ATTEMPTS" \
    SE_LSP_VSCODE_TEST_MARKER="$WORK/workspace-server-ran" \
    SE_LSP_E2E_WORKSPACE_KEY="decoy-key-from-the-workspace" \
    SE_LSP_VSCODE_TEST_RUST_FILE="$RUST_FILE" \
    SE_LSP_CACHE_DIR="$WORK/agent-cache" PATH="$RUN_PATH" HOME="$RUN_HOME" \
    setsid env -u PYTHONPATH -u VIRTUAL_ENV -u PYTHONHOME "$CS_BIN" --auth none --bind-addr "127.0.0.1:$PORT" --disable-telemetry \
    --disable-update-check "${TRUST_FLAG[@]}" \
    --user-data-dir "$WORK/data" --extensions-dir "$WORK/ext" "$WORK/ws" \
    >"$WORK/code-server.log" 2>&1 &
CS_PID=$!

status=0
node "$HERE/driver.js" "http://127.0.0.1:$PORT/?folder=$WORK/ws" "$OUT" || status=$?
if [[ -n "$RESULT" && -f "$OUT" ]]; then cp "$OUT" "$RESULT"; fi
if ((status != 0)); then
    log "driver failed ($status); code-server log tail:"
    tail -n 40 "$WORK/code-server.log" >&2 || true
fi
[[ -f "$OUT" ]] && cat "$OUT"
exit "$status"
