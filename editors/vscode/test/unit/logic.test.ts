/** Unit tests of the extension's decisions; they need no VS Code. */

import assert from "node:assert/strict";
import { test } from "node:test";

import {
  Bundle,
  ProgressTracker,
  PythonInfo,
  SECRET_KEY_ENV,
  USER_ONLY_SETTINGS,
  cannotStartMessage,
  ignoredSettingNotice,
  looksLikePython,
  noServerMessage,
  optimizeArgument,
  resolveServerCommand,
  reviewOutcome,
  serverEnvironment,
  statusText,
  toServerSettings,
  userOnlyKeysIn,
  userValue,
  withUserOnly,
  workspaceAttempt,
} from "../../src/logic";

type Inputs = Parameters<typeof resolveServerCommand>[0];

/** An interpreter table: path -> what it says about itself. */
function probeOf(table: Record<string, PythonInfo>): (p: string) => PythonInfo {
  return (p) => table[p] ?? { error: "spawn ENOENT" };
}

function inputs(over: Partial<Inputs> = {}): Inputs {
  return {
    configuredPath: "",
    configuredArgs: [],
    pythonInterpreter: undefined,
    pythonInterpreterMissing: "the Python extension is not installed",
    probe: probeOf({}),
    which: () => undefined,
    platform: "linux",
    ...over,
  };
}

const BUNDLE: Bundle = {
  server: "/ext/bundled/tool/server.py",
  pythons: ["3.11", "3.12", "3.13", "3.14"],
  target: "linux-x64",
};
const cpython = (version: string, hasSeLsp = false): PythonInfo => ({
  version,
  implementation: "cpython",
  hasSeLsp,
});

test("configured path wins over everything", () => {
  const { command } = resolveServerCommand(
    inputs({
      configuredPath: "/opt/se-lsp/bin/se-lsp",
      configuredArgs: ["--log", "x"],
      pythonInterpreter: "/venv/bin/python",
      bundle: BUNDLE,
      probe: probeOf({ "/venv/bin/python": cpython("3.12", true) }),
      which: (p) => `/usr/bin/${p}`,
    }),
  );
  assert.deepEqual(command, {
    command: "/opt/se-lsp/bin/se-lsp",
    args: ["--log", "x"],
    source: "seLsp.server.path",
  });
});

test("a configured Python interpreter runs the module", () => {
  const { command } = resolveServerCommand(inputs({ configuredPath: " /venv/bin/python3.12 " }));
  assert.equal(command?.command, "/venv/bin/python3.12");
  assert.deepEqual(command?.args, ["-m", "se_lsp"]);
});

test("the bundled server runs in isolated mode with the selected interpreter", () => {
  const { command } = resolveServerCommand(
    inputs({
      pythonInterpreter: "/proj/.venv/bin/python",
      configuredArgs: ["--extra"],
      bundle: BUNDLE,
      probe: probeOf({ "/proj/.venv/bin/python": cpython("3.13"), "/usr/bin/python3": cpython("3.11") }),
      which: (p) => (p === "python3" ? "/usr/bin/python3" : undefined),
    }),
  );
  assert.deepEqual(command, {
    command: "/proj/.venv/bin/python",
    args: ["-I", BUNDLE.server, "--extra"],
    source: "bundled server, the Python extension's interpreter (Python 3.13)",
  });
});

test("an interpreter the bundle was not built for is passed over, with the reason", () => {
  const { command, tried } = resolveServerCommand(
    inputs({
      pythonInterpreter: "/old/bin/python",
      bundle: BUNDLE,
      probe: probeOf({
        "/old/bin/python": cpython("3.9"),
        "/usr/bin/python3": { version: "3.11", implementation: "pypy", hasSeLsp: false },
        "/usr/bin/python": cpython("3.12"),
      }),
      which: (p) => (p.startsWith("python") ? `/usr/bin/${p}` : undefined),
    }),
  );
  assert.equal(command?.command, "/usr/bin/python");
  assert.equal(command?.args[0], "-I");
  assert.deepEqual(tried, [
    "the Python extension's interpreter (/old/bin/python): cpython 3.9, the bundled server needs CPython 3.11, 3.12, 3.13, 3.14",
    "python3 on PATH (/usr/bin/python3): pypy 3.11, the bundled server needs CPython 3.11, 3.12, 3.13, 3.14",
  ]);
});

test("without a bundle, an interpreter with se-lsp installed runs the module", () => {
  const { command, tried } = resolveServerCommand(
    inputs({
      pythonInterpreter: "/proj/.venv/bin/python",
      probe: probeOf({
        "/proj/.venv/bin/python": cpython("3.12"),
        "/usr/bin/python3": cpython("3.11", true),
      }),
      which: (p) => `/usr/bin/${p}`,
    }),
  );
  assert.deepEqual(command, {
    command: "/usr/bin/python3",
    args: ["-m", "se_lsp"],
    source: "python3 on PATH",
  });
  assert.deepEqual(tried, [
    "the Python extension's interpreter (/proj/.venv/bin/python): Python 3.12 without se-lsp installed",
  ]);
});

test("falls back to se-lsp on PATH, then to nothing, saying what was tried", () => {
  const exe = resolveServerCommand(
    inputs({ which: (p) => (p.startsWith("se-lsp") ? "/home/u/.local/bin/se-lsp" : undefined) }),
  );
  assert.deepEqual(exe.command, {
    command: "/home/u/.local/bin/se-lsp",
    args: [],
    source: "se-lsp on PATH",
  });
  const none = resolveServerCommand(
    inputs({
      bundle: BUNDLE,
      which: (p) => (p === "python3" ? "/usr/bin/python3" : undefined),
      probe: probeOf({ "/usr/bin/python3": cpython("3.10") }),
    }),
  );
  assert.equal(none.command, undefined);
  assert.deepEqual(none.tried, [
    "the Python extension's interpreter: the Python extension is not installed",
    "python on PATH: not found",
    "python3 on PATH (/usr/bin/python3): cpython 3.10, the bundled server needs CPython 3.11, 3.12, 3.13, 3.14",
    "se-lsp on PATH: not found",
  ]);
});

test("an interpreter that does not run is reported, not fatal", () => {
  const { command, tried } = resolveServerCommand(
    inputs({
      pythonInterpreter: "/gone/python",
      bundle: BUNDLE,
      probe: probeOf({ "/usr/bin/python3": cpython("3.14") }),
      which: (p) => (p === "python3" ? "/usr/bin/python3" : undefined),
    }),
  );
  assert.equal(command?.command, "/usr/bin/python3");
  assert.deepEqual(tried, ["python on PATH: not found", "the Python extension's interpreter (/gone/python): spawn ENOENT"]);
});

test("the messages name what was tried and how to fix it, never a package that does not exist", () => {
  const none = noServerMessage(["python3 on PATH: not found", "se-lsp on PATH: not found"], BUNDLE);
  assert.match(none, /CPython 3\.11 to 3\.14/);
  assert.match(none, /python3 on PATH: not found; se-lsp on PATH: not found/);
  assert.match(none, /Python: Select Interpreter/);
  assert.match(none, /seLsp\.server\.path/);
  assert.doesNotMatch(none, /pip install se-lsp/);
  const noBundle = noServerMessage(["se-lsp on PATH: not found"]);
  assert.match(noBundle, /carries no server/);
  assert.match(noBundle, /pipx install \./);
  const failed = cannotStartMessage(
    { command: "/usr/bin/python3", args: ["-I", "/x/server.py"], source: "python3 on PATH" },
    "spawn EACCES",
  );
  assert.match(failed, /spawn EACCES/);
  assert.match(failed, /\/usr\/bin\/python3 -I \/x\/server\.py \(python3 on PATH\)/);
  assert.match(failed, /seLsp\.server\.path/);
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

test("a failed review puts the status bar in the error state, with the reason", () => {
  const failed = reviewOutcome({ error: "The model 'm' did not answer", findings: 0 });
  assert.equal(failed.state, "error");
  assert.match(failed.detail ?? "", /^Last review failed: The model 'm'/);
  const done = reviewOutcome({ findings: 2, message: "2 findings, 1 dropped (1 no title)" });
  assert.deepEqual(done, { state: "idle", detail: "Last review: 2 findings, 1 dropped (1 no title)" });
  assert.equal(reviewOutcome({ cancelled: true }).state, "idle");
  assert.deepEqual(reviewOutcome(undefined), { state: "idle" });
  assert.equal(statusText("error", "m", failed.detail).tooltip.includes("Last review failed"), true);
});

test("user-only settings: the user's value or the default, never a workspace's", () => {
  assert.equal(userValue({ defaultValue: null, workspaceValue: "http://evil/v1" }), null);
  assert.equal(
    userValue({ defaultValue: null, globalValue: "http://127.0.0.1:1/v1", workspaceValue: "x" }),
    "http://127.0.0.1:1/v1",
  );
  assert.equal(userValue(undefined), undefined);
  const files = { workspace: "/ws/a.code-workspace", folder: "/ws/.vscode/settings.json" };
  assert.equal(workspaceAttempt({ workspaceFolderValue: 1 }, files), files.folder);
  assert.equal(workspaceAttempt({ workspaceValue: false }, files), files.workspace);
  assert.equal(workspaceAttempt({ globalValue: 1, defaultValue: 0 }, files), undefined);
  const notice = ignoredSettingNotice("agent.baseUrl", files.folder);
  assert.match(notice, /seLsp\.agent\.baseUrl in \/ws\/\.vscode\/settings\.json/);
});

test("the settings sent carry the user's agent values, whatever the merged view says", () => {
  const merged = { agent: { baseUrl: "http://evil.example/v1", model: "m", localOnly: false } };
  const out = withUserOnly(merged, {
    "agent.baseUrl": "http://127.0.0.1:8080/v1",
    "agent.apiKeyEnv": null,
    "agent.localOnly": true,
    "agent.agentsDirs": [],
    "server.path": "/bin/se-lsp",
  });
  assert.deepEqual(out.agent, {
    baseUrl: "http://127.0.0.1:8080/v1",
    model: "m",
    localOnly: true,
    apiKeyEnv: null,
    agentsDirs: [],
  });
  assert.equal("server" in out, false);
  assert.equal(merged.agent.baseUrl, "http://evil.example/v1", "the input is not changed");
  assert.equal(USER_ONLY_SETTINGS.length, 6);
});

test("user-only keys are found flat or nested in a settings file", () => {
  assert.deepEqual(
    userOnlyKeysIn({
      "seLsp.server.path": "/x",
      "seLsp.agent": { baseUrl: "http://e/v1", model: "m" },
      seLsp: { agent: { localOnly: false } },
      "seLsp.builtin.enable": false,
    }),
    ["server.path", "agent.baseUrl", "agent.localOnly"],
  );
  assert.deepEqual(userOnlyKeysIn({ "seLsp.agent.model": "m" }), []);
  assert.deepEqual(userOnlyKeysIn(undefined), []);
});
