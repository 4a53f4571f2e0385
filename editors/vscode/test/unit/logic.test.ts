/** Unit tests of the extension's decisions; they need no VS Code. */

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  ProgressTracker,
  SECRET_KEY_ENV,
  cannotStartMessage,
  looksLikePython,
  optimizeArgument,
  resolveServerCommand,
  serverEnvironment,
  statusText,
  toServerSettings,
} from "../../src/logic";

function inputs(over: Partial<Parameters<typeof resolveServerCommand>[0]> = {}) {
  return {
    configuredPath: "",
    configuredArgs: [],
    pythonInterpreter: undefined,
    hasSeLsp: () => false,
    which: () => undefined,
    ...over,
  };
}

test("configured path wins over everything", () => {
  const cmd = resolveServerCommand(
    inputs({
      configuredPath: "/opt/se-lsp/bin/se-lsp",
      configuredArgs: ["--log", "x"],
      pythonInterpreter: "/venv/bin/python",
      hasSeLsp: () => true,
      which: (p) => `/usr/bin/${p}`,
    }),
  );
  assert.deepEqual(cmd, {
    command: "/opt/se-lsp/bin/se-lsp",
    args: ["--log", "x"],
    source: "seLsp.server.path",
  });
});

test("a configured Python interpreter runs the module", () => {
  const cmd = resolveServerCommand(inputs({ configuredPath: " /venv/bin/python3.12 " }));
  assert.equal(cmd?.command, "/venv/bin/python3.12");
  assert.deepEqual(cmd?.args, ["-m", "se_lsp"]);
});

test("selected interpreter is used only if it can import se_lsp", () => {
  const seen: string[] = [];
  const withIt = resolveServerCommand(
    inputs({
      pythonInterpreter: "/proj/.venv/bin/python",
      hasSeLsp: (p) => {
        seen.push(p);
        return p === "/proj/.venv/bin/python";
      },
      which: (p) => `/usr/bin/${p}`,
    }),
  );
  assert.deepEqual(withIt?.args, ["-m", "se_lsp"]);
  assert.equal(withIt?.command, "/proj/.venv/bin/python");
  assert.equal(withIt?.source, "selected Python interpreter");

  const without = resolveServerCommand(
    inputs({
      pythonInterpreter: "/proj/.venv/bin/python",
      hasSeLsp: (p) => p === "/usr/bin/python3",
      which: (p) => `/usr/bin/${p}`,
    }),
  );
  assert.equal(without?.command, "/usr/bin/python3");
  assert.equal(without?.source, "python3 on PATH");
  assert.deepEqual(seen, ["/proj/.venv/bin/python"]);
});

test("falls back to se-lsp on PATH, then to nothing", () => {
  const exe = resolveServerCommand(
    inputs({ which: (p) => (p.startsWith("se-lsp") ? "/home/u/.local/bin/se-lsp" : undefined) }),
  );
  assert.deepEqual(exe, {
    command: "/home/u/.local/bin/se-lsp",
    args: [],
    source: "se-lsp on PATH",
  });
  assert.equal(resolveServerCommand(inputs()), undefined);
});

test("the cannot-start message says how to fix it", () => {
  const msg = cannotStartMessage("spawn ENOENT");
  assert.match(msg, /pip install se-lsp/);
  assert.match(msg, /seLsp\.server\.path/);
  assert.match(msg, /spawn ENOENT/);
});

test("python detection", () => {
  for (const p of ["python", "/x/python3", "python3.11", "C:\\Py\\python.exe", "pythonw.exe"]) {
    assert.ok(looksLikePython(p), p);
  }
  for (const p of ["se-lsp", "/usr/bin/pythonista", "ipython", "python-config"]) {
    assert.ok(!looksLikePython(p), p);
  }
});

const raw = {
  server: { path: "/x", args: [] },
  trace: { server: "verbose" },
  builtin: { enable: true, debounceMs: 150 },
  agent: { enable: true, baseUrl: "http://127.0.0.1:9/v1", model: "m", apiKeyEnv: null },
  limits: { maxSelectionLines: 10 },
  logLevel: "debug",
};

test("client-only settings are not sent to the server", () => {
  const s = toServerSettings(raw, { trusted: true, hasSecretKey: false });
  assert.equal("server" in s, false);
  assert.equal("trace" in s, false);
  assert.deepEqual(s.builtin, { enable: true, debounceMs: 150 });
  assert.deepEqual(s.limits, { maxSelectionLines: 10 });
  assert.equal(s.logLevel, "debug");
  assert.deepEqual(s.agent, raw.agent);
  // The input is not modified.
  assert.deepEqual(raw.server, { path: "/x", args: [] });
});

test("untrusted workspace: agent off, whatever the settings say", () => {
  const s = toServerSettings(raw, { trusted: false, hasSecretKey: true });
  assert.equal((s.agent as Record<string, unknown>).enable, false);
  assert.equal((s.agent as Record<string, unknown>).apiKeyEnv, null);
  const empty = toServerSettings(undefined, { trusted: false, hasSecretKey: false });
  assert.deepEqual(empty, {
    agent: { enable: false },
    verify: { enabled: false },
    linters: { enabled: false },
    measure: { enabled: false },
  });
});

test("untrusted workspace: no compile checks, linters or benchmarks (they run its build)", () => {
  const s = toServerSettings(
    { verify: { enabled: true, timeoutMs: 5000 }, linters: { clippy: { enabled: true } } },
    { trusted: false, hasSecretKey: false },
  );
  assert.deepEqual(s.verify, { enabled: false, timeoutMs: 5000 });
  assert.deepEqual(s.linters, { enabled: false, clippy: { enabled: true } });
  assert.deepEqual(s.measure, { enabled: false });
  const trusted = toServerSettings(
    { verify: { enabled: true } },
    { trusted: true, hasSecretKey: false },
  );
  assert.deepEqual(trusted.verify, { enabled: true });
  assert.equal("linters" in trusted, false);
});

test("a stored key is announced through apiKeyEnv unless the user named one", () => {
  const s = toServerSettings(raw, { trusted: true, hasSecretKey: true });
  assert.equal((s.agent as Record<string, unknown>).apiKeyEnv, SECRET_KEY_ENV);
  const own = toServerSettings(
    { agent: { apiKeyEnv: "MY_KEY" } },
    { trusted: true, hasSecretKey: true },
  );
  assert.equal((own.agent as Record<string, unknown>).apiKeyEnv, "MY_KEY");
  const none = toServerSettings({ agent: { model: "m" } }, { trusted: true, hasSecretKey: false });
  assert.deepEqual(none.agent, { model: "m" });
});

test("the key goes into the environment only when trusted", () => {
  const base = { PATH: "/bin", [SECRET_KEY_ENV]: "stale" };
  assert.deepEqual(serverEnvironment(base, "sk-1", true), {
    PATH: "/bin",
    [SECRET_KEY_ENV]: "sk-1",
  });
  assert.deepEqual(serverEnvironment(base, "sk-1", false), { PATH: "/bin" });
  assert.deepEqual(serverEnvironment(base, undefined, true), { PATH: "/bin" });
  assert.equal(base[SECRET_KEY_ENV], "stale");
});

test("status text shows state and model", () => {
  assert.match(statusText("idle", "qwen2.5-coder").text, /idle · qwen2\.5-coder/);
  const busy = statusText("analyzing", null).text;
  assert.match(busy, /sync~spin.*analyzing · model from environment/);
  const err = statusText("error", "m", "boom");
  assert.match(err.text, /error/);
  assert.match(err.tooltip, /boom/);
  assert.doesNotMatch(statusText("restricted", "m").text, /· m/);
});

test("progress tracker: analyzing while any token is active", () => {
  const p = new ProgressTracker();
  assert.equal(p.update("a", "begin"), true);
  assert.equal(p.update(7, "begin"), true);
  assert.equal(p.update("a", "report"), true);
  assert.equal(p.update("a", "end"), true);
  assert.equal(p.update(7, "end"), false);
  assert.equal(p.update("never-begun", "end"), false);
});

test("optimize argument has uri, range and the systems-engineer agent", () => {
  const range = { start: { line: 1, character: 0 }, end: { line: 3, character: 5 } };
  assert.deepEqual(optimizeArgument("file:///a.rs", range), {
    uri: "file:///a.rs",
    range,
    agent: "systems-engineer",
  });
});
