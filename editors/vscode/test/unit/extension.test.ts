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
const shown: string[] = [];
let trusted = true;
let settings: Record<string, unknown> = {};

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
    createStatusBarItem: () => ({ show() {}, dispose() {} }),
    showErrorMessage: async (m: string) => void shown.push(`error: ${m}`),
    showWarningMessage: async (m: string) => void shown.push(`warning: ${m}`),
    showInformationMessage: async (m: string) => void shown.push(`info: ${m}`),
    activeTextEditor: undefined,
  },
  StatusBarAlignment: { Left: 1, Right: 2 },
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
    workspaceFolders: undefined,
    getConfiguration: (section?: string) => ({
      get: (key: string) => lookup(section ? `${section}.${key}` : key),
    }),
    onDidChangeConfiguration: () => disposable,
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
