/**
 * The extension's wiring, with `vscode` and `vscode-languageclient/node` replaced by small
 * fakes: which commands get registered, what the language client is given (program,
 * environment, settings) in trusted and restricted workspaces, and the cannot-start message.
 */

import assert from "node:assert/strict";
import * as fs from "node:fs";
import Module from "node:module";
import * as path from "node:path";
import { afterEach, test } from "node:test";

type Fn = (...args: unknown[]) => unknown;
const disposable = { dispose() {} };

const registered = new Map<string, Fn>();
const lastStatus = { text: "", tooltip: "" as unknown, show() {}, dispose() {} };
const shown: string[] = [];
let trusted = true;
let settings: Record<string, unknown> = {};
/** What the workspace's .vscode/settings.json says (seLsp.* keys, dotted). */
let workspaceSettings: Record<string, unknown> = {};
/** Files the fake workspace.fs can read, by path. */
const files = new Map<string, string>();

interface Created {
  id: string;
  serverOptions: { command: string; args: string[]; options: { env: NodeJS.ProcessEnv } };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  clientOptions: any;
}
const created: Created[] = [];

function lookup(key: string): unknown {
  let node: unknown = settings;
  for (const part of key.split(".")) {
    if (typeof node !== "object" || node === null) {
      return undefined;
    }
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

const fakeVscode = {
  window: {
    createOutputChannel: () => ({ appendLine() {}, show() {}, dispose() {} }),
    createStatusBarItem: () => lastStatus,
    showErrorMessage: async (m: string) => void shown.push(`error: ${m}`),
    showWarningMessage: async (m: string) => void shown.push(`warning: ${m}`),
    showInformationMessage: async (m: string) => void shown.push(`info: ${m}`),
    activeTextEditor: undefined,
  },
  StatusBarAlignment: { Left: 1, Right: 2 },
  Uri: {
    joinPath: (base: { fsPath: string }, ...parts: string[]) => ({
      fsPath: path.join(base.fsPath, ...parts),
      scheme: "file",
    }),
  },
  ThemeColor: class {
    constructor(public id: string) {}
  },
  commands: {
    registerCommand: (id: string, fn: Fn) => {
      registered.set(id, fn);
      return disposable;
    },
    executeCommand: async () => undefined,
  },
  workspace: {
    get isTrusted() {
      return trusted;
    },
    workspaceFolders: [{ uri: { fsPath: "/ws", scheme: "file" }, name: "ws", index: 0 }],
    workspaceFile: undefined,
    getConfiguration: (section?: string) => ({
      // The merged view: a workspace value wins, as VS Code would do without "scope".
      get: (key: string) => {
        const full = section ? `${section}.${key}` : key;
        return full in workspaceSettings ? workspaceSettings[full] : lookup(full);
      },
      inspect: (key: string) => {
        const full = section ? `${section}.${key}` : key;
        return {
          key: full,
          defaultValue: undefined,
          globalValue: lookup(full),
          workspaceValue: workspaceSettings[full],
        };
      },
    }),
    onDidChangeConfiguration: () => disposable,
    fs: {
      readFile: async (uri: { fsPath: string }) => {
        const text = files.get(uri.fsPath);
        if (text === undefined) {
          throw new Error("ENOENT");
        }
        return Buffer.from(text, "utf8");
      },
    },
    onDidGrantWorkspaceTrust: () => disposable,
  },
  extensions: { getExtension: () => undefined },
};

class FakeLanguageClient {
  state = 2;
  constructor(id: string, _name: string, serverOptions: unknown, clientOptions: unknown) {
    created.push({ id, serverOptions, clientOptions } as Created);
  }
  onDidChangeState() {
    return disposable;
  }
  onNotification() {
    return disposable;
  }
  async start() {}
  async stop() {}
}

const fakeClientModule = {
  LanguageClient: FakeLanguageClient,
  State: { Stopped: 1, Running: 2, Starting: 3 },
  ExecuteCommandRequest: { type: {} },
  MessageType: { Error: 1, Warning: 2, Info: 3, Log: 4 },
  ShowMessageNotification: { type: {} },
};

// Route the two modules the extension imports to the fakes before loading it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const loader = Module as any;
const originalLoad = loader._load;
loader._load = function (request: string, ...rest: unknown[]) {
  if (request === "vscode") {
    return fakeVscode;
  }
  if (request === "vscode-languageclient/node") {
    return fakeClientModule;
  }
  return originalLoad.call(this, request, ...rest);
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const extension = require("../../src/extension") as typeof import("../../src/extension");

const PACKAGE = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, "../../../package.json"), "utf8"),
) as { contributes: { commands: { command: string }[] } };

function context(secret?: string, extensionPath?: string) {
  return {
    extensionPath,
    subscriptions: [] as unknown[],
    secrets: {
      get: async () => secret,
      store: async () => undefined,
      delete: async () => undefined,
      onDidChange: () => disposable,
    },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  } as any;
}

const USER_SETTINGS = {
  seLsp: {
    server: { path: "/opt/se-lsp/bin/se-lsp", args: [] },
    trace: { server: "off" },
    builtin: { enable: true, debounceMs: 200 },
    agent: { enable: true, baseUrl: "http://127.0.0.1:8000/v1", model: "m", apiKeyEnv: null },
  },
};

afterEach(async () => {
  await extension.deactivate();
  registered.clear();
  shown.length = 0;
  created.length = 0;
  trusted = true;
  workspaceSettings = {};
  files.clear();
});

test("every contributed command is registered, and nothing else under seLsp.", async () => {
  settings = USER_SETTINGS;
  await extension.activate(context());
  const contributed = PACKAGE.contributes.commands.map((c) => c.command).sort();
  const ours = [...registered.keys()].filter((k) => k.startsWith("seLsp.")).sort();
  assert.deepEqual(ours, contributed);
  // Server commands keep their own ids: the client registers those, a clash would throw.
  assert.ok(![...registered.keys()].some((k) => k.startsWith("se-lsp.")));
});

test("trusted: stored key in the environment, clean settings, all three languages", async () => {
  settings = USER_SETTINGS;
  await extension.activate(context("sk-test"));
  assert.equal(created.length, 1);
  const { serverOptions, clientOptions } = created[0];
  assert.equal(serverOptions.command, "/opt/se-lsp/bin/se-lsp");
  assert.deepEqual(serverOptions.args, []);
  assert.equal(serverOptions.options.env.SE_LSP_API_KEY, "sk-test");
  const init = clientOptions.initializationOptions;
  assert.equal("server" in init, false);
  assert.equal("trace" in init, false);
  assert.equal(init.agent.enable, true);
  assert.equal(init.agent.apiKeyEnv, "SE_LSP_API_KEY");
  const selector: { language: string }[] = clientOptions.documentSelector;
  const languages = new Set(selector.map((s) => s.language));
  for (const lang of ["rust", "cpp", "go"]) {
    assert.ok(languages.has(lang), lang);
  }
});

test("restricted: agent off in every settings path, no key handed over", async () => {
  trusted = false;
  settings = USER_SETTINGS;
  await extension.activate(context("sk-test"));
  const { serverOptions, clientOptions } = created[0];
  assert.equal(serverOptions.options.env.SE_LSP_API_KEY, undefined);
  assert.equal(clientOptions.initializationOptions.agent.enable, false);
  // workspace/configuration answers go through the same mapping.
  const answer = await clientOptions.middleware.workspace.configuration(
    { items: [{ section: "seLsp" }, { section: "other" }] },
    undefined,
    async () => [USER_SETTINGS.seLsp, { keep: 1 }],
  );
  assert.equal(answer[0].agent.enable, false);
  assert.equal("server" in answer[0], false);
  assert.deepEqual(answer[1], { keep: 1 });
  // Optimize Selection is refused before anything is sent.
  await registered.get("seLsp.optimizeSelection")?.();
  assert.ok(shown.some((m) => m.startsWith("warning:")), JSON.stringify(shown));
});

test("no server anywhere: a notification names what was tried and how to fix it", async () => {
  settings = { seLsp: { server: { path: "", args: [] } } };
  const savedPath = process.env.PATH;
  process.env.PATH = path.join(__dirname, "no-such-dir");
  try {
    await extension.activate(context());
  } finally {
    process.env.PATH = savedPath;
  }
  assert.equal(created.length, 0);
  const error = shown.find((m) => m.startsWith("error:")) ?? "";
  assert.match(error, /Tried: .*python3 on PATH: not found/);
  assert.match(error, /se-lsp on PATH: not found/);
  assert.match(error, /seLsp\.server\.path/);
});

test("a workspace cannot choose the endpoint, key, local-only, agents or the server", async () => {
  settings = USER_SETTINGS;
  workspaceSettings = {
    "seLsp.server.path": "/tmp/evil-server",
    "seLsp.server.args": ["--evil"],
    "seLsp.agent.baseUrl": "http://evil.example/v1",
    "seLsp.agent.apiKeyEnv": "AWS_SECRET_ACCESS_KEY",
    "seLsp.agent.localOnly": false,
    "seLsp.agent.agentsDirs": ["/tmp/evil-agents"],
  };
  await extension.activate(context());
  const { serverOptions, clientOptions } = created[0];
  assert.equal(serverOptions.command, "/opt/se-lsp/bin/se-lsp");
  assert.deepEqual(serverOptions.args, []);
  const merged = {
    ...USER_SETTINGS.seLsp,
    agent: { ...USER_SETTINGS.seLsp.agent, baseUrl: "http://evil.example/v1", agentsDirs: ["/x"] },
  };
  for (const sent of [
    clientOptions.initializationOptions,
    (await clientOptions.middleware.workspace.configuration(
      { items: [{ section: "seLsp" }] },
      undefined,
      async () => [merged],
    ))[0],
  ]) {
    assert.equal(sent.agent.baseUrl, "http://127.0.0.1:8000/v1");
    assert.notEqual(sent.agent.apiKeyEnv, "AWS_SECRET_ACCESS_KEY");
    assert.notEqual(sent.agent.localOnly, false);
    assert.equal("agentsDirs" in sent.agent, false);
  }
  const warnings = shown.filter((m) => m.startsWith("warning: se-lsp ignores"));
  assert.equal(warnings.length, 6, JSON.stringify(shown));
  for (const key of ["server.path", "agent.baseUrl", "agent.apiKeyEnv", "agent.agentsDirs"]) {
    assert.ok(
      warnings.some((w) => w.includes(`seLsp.${key} in /ws/.vscode/settings.json`)),
      key,
    );
  }
});

test("a failed review from the code action leaves the status bar in the error state", async () => {
  settings = USER_SETTINGS;
  await extension.activate(context());
  const { clientOptions } = created[0];
  const result = await clientOptions.middleware.executeCommand(
    "se-lsp.optimize",
    [{}],
    async () => ({ error: "The model 'm' at http://127.0.0.1:8000/v1 did not answer", findings: 0 }),
  );
  assert.equal(result.findings, 0, "the result goes back to the caller unchanged");
  assert.match(lastStatus.text, /error/);
  assert.match(String(lastStatus.tooltip), /Last review failed: The model 'm'/);
  await clientOptions.middleware.executeCommand("se-lsp.optimize", [{}], async () => ({
    findings: 1,
    message: "1 finding",
  }));
  assert.match(lastStatus.text, /idle/);
  assert.match(String(lastStatus.tooltip), /Last review: 1 finding/);
});

test("a machine setting that inspect() hides is still noticed from the settings file", async () => {
  settings = USER_SETTINGS;
  // VS Code drops a "machine" setting from a workspace's layer: only the file shows it.
  files.set(
    "/ws/.vscode/settings.json",
    '{\n  // a comment\n  "seLsp.agent": { "baseUrl": "http://evil.example/v1" },\n' +
      '  "seLsp.server.path": "/tmp/x",\n}\n',
  );
  await extension.activate(context());
  const warnings = shown.filter((m) => m.startsWith("warning: se-lsp ignores"));
  assert.equal(warnings.length, 2, JSON.stringify(shown));
  assert.ok(warnings[0].includes("seLsp.server.path in /ws/.vscode/settings.json"));
  assert.ok(warnings[1].includes("seLsp.agent.baseUrl in /ws/.vscode/settings.json"));
  assert.equal(created[0].serverOptions.command, "/opt/se-lsp/bin/se-lsp");
});

test("a .vsix with the bundled server starts it with a real interpreter from PATH", async () => {
  // A fake extension folder with bundled/, and a `python3` on PATH that answers the probe
  // as CPython 3.12 without se-lsp installed.
  const root = fs.mkdtempSync(path.join(require("node:os").tmpdir(), "se-lsp-unit-"));
  try {
    fs.mkdirSync(path.join(root, "ext", "bundled", "tool"), { recursive: true });
    fs.writeFileSync(path.join(root, "ext", "bundled", "tool", "server.py"), "");
    fs.writeFileSync(
      path.join(root, "ext", "bundled", "manifest.json"),
      JSON.stringify({ target: "linux-x64", pythons: ["3.11", "3.12"] }),
    );
    fs.mkdirSync(path.join(root, "bin"));
    const fake = path.join(root, "bin", "python3");
    fs.writeFileSync(fake, "#!/bin/sh\necho 3.12 cpython 0\n", { mode: 0o755 });
    settings = { seLsp: { server: { path: "", args: [] } } };
    const savedPath = process.env.PATH;
    process.env.PATH = path.join(root, "bin");
    try {
      await extension.activate(context(undefined, path.join(root, "ext")));
    } finally {
      process.env.PATH = savedPath;
    }
    assert.equal(created.length, 1, JSON.stringify(shown));
    const { serverOptions } = created[0];
    assert.equal(serverOptions.command, fake);
    assert.deepEqual(serverOptions.args, [
      "-I",
      path.join(root, "ext", "bundled", "tool", "server.py"),
    ]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
