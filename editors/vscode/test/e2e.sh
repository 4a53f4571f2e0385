#!/usr/bin/env bash
# End-to-end test of the se-lsp VS Code extension in a real VS Code (code-server 4.100.3)
# opened by headless Chromium. Installs what is missing (idempotent), packages the .vsix,
# installs it, opens a C++ file and lets the extension's test mode check diagnostics, hover
# and the quick fix through the real VS Code API. Results land in a JSON file.
#
# Usage: e2e.sh [--install-only] [--untrusted] [RESULT_JSON]
#        --untrusted opens the workspace in restricted mode (built-in analyzer only).
# Env:   SE_LSP_CACHE (default ~/.cache/se-lsp-ci) keeps code-server between runs;
#        the server is started as `python -m se_lsp` with the `python` on PATH;
#        SE_LSP_E2E_MODEL_URL (optional, a loopback /v1 URL) also tests Optimize Selection.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
EXT_DIR="$(dirname "$HERE")"
CACHE="${SE_LSP_CACHE:-$HOME/.cache/se-lsp-ci}"
CS_VERSION=4.100.3
CS_DIR="$CACHE/code-server-$CS_VERSION"
CS_BIN="$CS_DIR/node_modules/.bin/code-server"
RG_VERSION=1.15.11
TMP_ROOT="${TMPDIR:-/tmp}"

INSTALL_ONLY=0
UNTRUSTED=""
while [[ "${1:-}" == --* ]]; do
    case "$1" in
    --install-only) INSTALL_ONLY=1 ;;
    --untrusted) UNTRUSTED=1 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
RESULT="${1:-}"

log() { printf '[e2e %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# --- system packages: gssapi headers (kerberos), ripgrep, chromium -------------------------
need_apt=()
[[ -f /usr/include/gssapi/gssapi.h ]] || need_apt+=(libkrb5-dev)
command -v rg >/dev/null || need_apt+=(ripgrep)
[[ -x /usr/bin/chromium ]] || need_apt+=(chromium)
if ((${#need_apt[@]})); then
    log "apt-get install ${need_apt[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# --- code-server 4.100.3 from npm, with the four workarounds ---------------------------------
if [[ ! -x "$CS_BIN" ]]; then
    log "installing code-server $CS_VERSION into $CS_DIR"
    # @vscode/ripgrep would download rg from the internet: hand it the system's rg instead.
    rg_cache="$TMP_ROOT/vscode-ripgrep-cache-$RG_VERSION"
    rg_tar="$rg_cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
    if [[ ! -f "$rg_tar" ]]; then
        mkdir -p "$rg_cache"
        stage="$(mktemp -d)"
        cp "$(command -v rg)" "$stage/rg"
        tar -czf "$rg_tar" -C "$stage" rg
        rm -rf "$stage"
    fi
    mkdir -p "$CS_DIR"
    [[ -f "$CS_DIR/package.json" ]] || echo '{"name":"se-lsp-code-server","private":true}' \
        >"$CS_DIR/package.json"
    (
        cd "$CS_DIR"
        npm_config_unsafe_perm=true npm_config_nodedir=/usr npm_config_yes=true \
            npm install --no-audit --no-fund --loglevel=error "code-server@$CS_VERSION"
    )
fi
"$CS_BIN" --version | head -1 >&2

# --- the extension: dependencies, compile, package -------------------------------------------
cd "$EXT_DIR"
if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
    log "npm ci (extension)"
    npm ci --no-audit --no-fund --loglevel=error
fi
if ((INSTALL_ONLY)); then
    log "install done"
    exit 0
fi
log "compile + unit tests + package"
npm run --silent compile
npm test --silent >&2
rm -f ./*.vsix
npx --no-install vsce package --allow-missing-repository --out se-lsp-e2e.vsix >&2
VSIX="$EXT_DIR/se-lsp-e2e.vsix"

# --- a scratch profile and workspace ----------------------------------------------------------
WORK="$(mktemp -d "$TMP_ROOT/se-lsp-vscode-e2e.XXXXXX")"
CS_PID=""
cleanup() {
    if [[ -n "$CS_PID" ]]; then
        kill -- "-$CS_PID" 2>/dev/null || kill "$CS_PID" 2>/dev/null || true
        wait "$CS_PID" 2>/dev/null || true
    fi
    if [[ -z "${SE_LSP_E2E_KEEP:-}" ]]; then rm -rf "$WORK"; else log "kept $WORK"; fi
}
trap cleanup EXIT

mkdir -p "$WORK/data/User" "$WORK/ext" "$WORK/ws"
PY="$(command -v python)" || { log "no python on PATH"; exit 3; }
"$PY" -c 'import se_lsp' || { log "$PY cannot import se_lsp"; exit 3; }
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
  "seLsp.server.path": "$PY",
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

log "install extension"
"$CS_BIN" --user-data-dir "$WORK/data" --extensions-dir "$WORK/ext" \
    --install-extension "$VSIX" >&2

PORT="$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
OUT="$WORK/result.json"
log "start code-server on 127.0.0.1:$PORT"
# setsid: code-server and everything it spawns (extension host, se-lsp) share one group.
SE_LSP_VSCODE_TEST_OUTPUT="$OUT" SE_LSP_VSCODE_TEST_FILE="$WORK/ws/main.cpp" \
    SE_LSP_VSCODE_TEST_OPTIMIZE="$OPTIMIZE" SE_LSP_VSCODE_TEST_UNTRUSTED="$UNTRUSTED" \
    SE_LSP_CACHE_DIR="$WORK/agent-cache" \
    setsid "$CS_BIN" --auth none --bind-addr "127.0.0.1:$PORT" --disable-telemetry \
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
