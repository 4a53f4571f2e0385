/**
 * VS Code client for se-lsp: starts the server, passes settings and the stored API key,
 * contributes the commands and the status bar item. Decisions live in logic.ts.
 */

import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import {
  ExecuteCommandRequest,
  LanguageClient,
  MessageType,
  LanguageClientOptions,
  ServerOptions,
  ShowMessageNotification,
  State,
} from "vscode-languageclient/node";

import {
  AgentState,
  Bundle,
  ProgressTracker,
  PythonInfo,
  ServerCommand,
  cannotStartMessage,
  noServerMessage,
  optimizeArgument,
  resolveServerCommand,
  serverEnvironment,
  statusText,
  toServerSettings,
} from "./logic";
import { runSelfTest } from "./selftest";

const SECRET_ID = "seLsp.apiKey";
const LANGUAGES = ["rust", "cpp", "cuda-cpp", "go"];

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;
let status: vscode.StatusBarItem;
let state: AgentState = "idle";
let stateDetail: string | undefined;
const progress = new ProgressTracker();
let ctx: vscode.ExtensionContext;
let hasSecret = false;
/** Messages the server showed, kept in test mode so the self-test can see them. */
const serverMessages: { type: number; message: string }[] = [];
/** Status bar states as shown, in order, kept in test mode. */
const stateLog: AgentState[] = [];
const TEST_MODE = Boolean(process.env.SE_LSP_VSCODE_TEST_OUTPUT);

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  ctx = context;
  output = vscode.window.createOutputChannel("se-lsp");
  status = vscode.window.createStatusBarItem("seLsp.status", vscode.StatusBarAlignment.Right, 50);
  status.name = "se-lsp";
  status.command = "seLsp.showOutput";
  context.subscriptions.push(output, status);

  const reg = (id: string, fn: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  reg("seLsp.optimizeSelection", optimizeSelection);
  reg("seLsp.clearCache", () => serverCommand("se-lsp.clearCache", [], "Agent cache cleared"));
  reg("seLsp.showStats", showStats);
  reg("seLsp.restartServer", restart);
  reg("seLsp.showOutput", () => output.show(true));
  reg("seLsp.setApiKey", setApiKey);
  reg("seLsp.clearApiKey", clearApiKey);

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("seLsp.server")) {
        await restart();
      } else if (e.affectsConfiguration("seLsp")) {
        refreshStatus();
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(async () => {
      output.appendLine("Workspace trusted: restarting se-lsp with the agent allowed.");
      await restart();
    }),
    context.secrets.onDidChange(async (e) => {
      if (e.key === SECRET_ID) {
        await restart();
      }
    }),
  );

  await start();

  const testOut = process.env.SE_LSP_VSCODE_TEST_OUTPUT;
  if (testOut) {
    void runSelfTest(testOut, process.env.SE_LSP_VSCODE_TEST_FILE, {
      client: () => client,
      log: output,
      serverMessages,
      states: stateLog,
      optimize: Boolean(process.env.SE_LSP_VSCODE_TEST_OPTIMIZE),
      server: () => lastChoice,
      rustFile: process.env.SE_LSP_VSCODE_TEST_RUST_FILE || undefined,
      expectUntrusted: Boolean(process.env.SE_LSP_VSCODE_TEST_UNTRUSTED),
    });
  }
}

export async function deactivate(): Promise<void> {
  await stop();
}

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration("seLsp");
}

function setState(next: AgentState, detail?: string): void {
  state = next;
  stateDetail = detail;
  refreshStatus();
}

function refreshStatus(): void {
  const shown: AgentState = !vscode.workspace.isTrusted && state === "idle" ? "restricted" : state;
  if (TEST_MODE && stateLog.at(-1) !== shown) {
    stateLog.push(shown);
  }
  const model = config().get<string | null>("agent.model");
  const { text, tooltip } = statusText(shown, model, stateDetail);
  status.text = text;
  status.tooltip = tooltip;
  status.backgroundColor =
    shown === "error" ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
  status.show();
}

/** The interpreter chosen in the Python extension, or why there is none. */
async function selectedPython(): Promise<string | { missing: string }> {
  const ext = vscode.extensions.getExtension("ms-python.python");
  if (!ext) {
    return { missing: "the Python extension is not installed" };
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const api: any = ext.isActive ? ext.exports : await ext.activate();
    const resource = vscode.workspace.workspaceFolders?.[0]?.uri;
    const envPath = api?.environments?.getActiveEnvironmentPath?.(resource);
    if (envPath) {
      const env = await api.environments.resolveEnvironment?.(envPath);
      const exe: string | undefined = env?.executable?.uri?.fsPath ?? envPath.path;
      if (exe) {
        return exe;
      }
    }
    const details = api?.settings?.getExecutionDetails?.(resource);
    return details?.execCommand?.[0] ?? { missing: "no interpreter selected" };
  } catch (err) {
    return { missing: `it gave no interpreter (${String(err)})` };
  }
}

function which(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) {
      continue;
    }
    const candidate = path.join(dir, program);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) {
        return candidate;
      }
    } catch {
      // not here
    }
  }
  return undefined;
}

const PROBE =
  "import sys, importlib.util as u; " +
  "print('%d.%d' % sys.version_info[:2], sys.implementation.name, " +
  "int(u.find_spec('se_lsp') is not None))";

/** Version, implementation and whether se_lsp imports, from the interpreter itself. */
function probePython(python: string): PythonInfo {
  const r = spawnSync(python, ["-c", PROBE], { timeout: 15000, encoding: "utf8" });
  if (r.error) {
    return { error: r.error.message };
  }
  const [version, implementation, has] = (r.stdout ?? "").trim().split(/\s+/);
  if (r.status !== 0 || !version || !implementation) {
    return { error: `does not run (exit ${r.status ?? r.signal})` };
  }
  return { version, implementation, hasSeLsp: has === "1" };
}

/** The server in the extension's `bundled/` folder, when this .vsix has one. */
function bundledServer(): Bundle | undefined {
  const root = ctx?.extensionPath ? path.join(ctx.extensionPath, "bundled") : undefined;
  if (!root) {
    return undefined;
  }
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, "manifest.json"), "utf8"));
    const server = path.join(root, "tool", "server.py");
    if (!Array.isArray(manifest.pythons) || !fs.existsSync(server)) {
      return undefined;
    }
    return { server, pythons: manifest.pythons.map(String), target: String(manifest.target) };
  } catch {
    return undefined;
  }
}

/** The command that starts the server, or none, with what was tried. */
let lastChoice: { command?: ServerCommand; tried: string[] } = { tried: [] };

async function findServer(): Promise<ServerCommand | undefined> {
  const cfg = config();
  const selected = await selectedPython();
  lastChoice = resolveServerCommand({
    configuredPath: cfg.get<string>("server.path") ?? "",
    configuredArgs: cfg.get<string[]>("server.args") ?? [],
    pythonInterpreter: typeof selected === "string" ? selected : undefined,
    pythonInterpreterMissing: typeof selected === "string" ? undefined : selected.missing,
    bundle: bundledServer(),
    probe: probePython,
    which,
  });
  for (const line of lastChoice.tried) {
    output.appendLine(`Server lookup: ${line}`);
  }
  return lastChoice.command;
}

function settingsForServer(raw: unknown): unknown {
  return toServerSettings(raw, { trusted: vscode.workspace.isTrusted, hasSecretKey: hasSecret });
}

async function start(): Promise<void> {
  const secret = await ctx.secrets.get(SECRET_ID);
  hasSecret = Boolean(secret);
  const cmd = await findServer();
  if (!cmd) {
    const msg = noServerMessage(lastChoice.tried, bundledServer());
    output.appendLine(msg);
    setState("error", msg);
    void notifyCannotStart(msg);
    return;
  }
  output.appendLine(`Starting ${cmd.command} ${cmd.args.join(" ")} (from ${cmd.source})`);

  const serverOptions: ServerOptions = {
    command: cmd.command,
    args: cmd.args,
    // No `transport`: stdio without the `--stdio` flag, which `se-lsp` has only under `serve`.
    options: { env: serverEnvironment(process.env, secret, vscode.workspace.isTrusted) },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: LANGUAGES.flatMap((language) => [
      { scheme: "file", language },
      { scheme: "untitled", language },
    ]),
    outputChannel: output,
    initializationOptions: settingsForServer(vscode.workspace.getConfiguration().get("seLsp")),
    synchronize: { configurationSection: "seLsp" },
    middleware: {
      workspace: {
        configuration: async (params, token, next) => {
          const result = await next(params, token);
          if (!Array.isArray(result)) {
            return result;
          }
          return result.map((value, i) =>
            params.items[i]?.section === "seLsp" ? settingsForServer(value) : value,
          );
        },
      },
      handleWorkDoneProgress: (token, params, next) => {
        const busy = progress.update(token, params.kind);
        if (busy && state !== "analyzing") {
          setState("analyzing");
        } else if (!busy && state === "analyzing") {
          setState("idle");
        }
        next(token, params);
      },
    },
  };

  const c = new LanguageClient("seLsp", "se-lsp", serverOptions, clientOptions);
  client = c;
  if (TEST_MODE) {
    // Record what the server shows (e.g. a rejected setting) and still show it.
    c.onNotification(ShowMessageNotification.type, (p) => {
      serverMessages.push({ type: p.type, message: p.message });
      const show =
        p.type === MessageType.Error
          ? vscode.window.showErrorMessage
          : p.type === MessageType.Warning
            ? vscode.window.showWarningMessage
            : vscode.window.showInformationMessage;
      void show(p.message);
    });
  }
  c.onDidChangeState((e) => {
    if (e.newState === State.Stopped && client === c) {
      progress.clear();
      setState("stopped", "The server is not running (se-lsp: Restart Server).");
    } else if (e.newState === State.Running) {
      setState("idle");
    }
  });
  try {
    await c.start();
    setState("idle");
  } catch (err) {
    const msg = cannotStartMessage(cmd, String(err instanceof Error ? err.message : err));
    output.appendLine(msg);
    setState("error", msg);
    void notifyCannotStart(msg);
  }
}

async function notifyCannotStart(message: string): Promise<void> {
  const pick = await vscode.window.showErrorMessage(message, "Open Settings", "Show Output");
  if (pick === "Open Settings") {
    await vscode.commands.executeCommand("workbench.action.openSettings", "seLsp.server");
  } else if (pick === "Show Output") {
    output.show(true);
  }
}

async function stop(): Promise<void> {
  const c = client;
  client = undefined;
  progress.clear();
  if (c) {
    try {
      await c.stop(5000);
    } catch (err) {
      output.appendLine(`Stopping the server failed: ${String(err)}`);
    }
  }
}

async function restart(): Promise<void> {
  output.appendLine("Restarting se-lsp.");
  await stop();
  await start();
}

function runningClient(): LanguageClient | undefined {
  if (client && client.state === State.Running) {
    return client;
  }
  void vscode.window.showErrorMessage(
    "se-lsp is not running. Run 'se-lsp: Restart Server' or see 'se-lsp: Show Output'.",
  );
  return undefined;
}

async function serverCommand(
  command: string,
  args: unknown[],
  doneMessage?: string,
): Promise<unknown> {
  const c = runningClient();
  if (!c) {
    return undefined;
  }
  try {
    const result = await c.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
    if (doneMessage) {
      void vscode.window.showInformationMessage(`se-lsp: ${doneMessage}`);
    }
    return result;
  } catch (err) {
    const msg = `se-lsp: ${command} failed: ${err instanceof Error ? err.message : String(err)}`;
    output.appendLine(msg);
    setState("error", msg);
    void vscode.window.showErrorMessage(msg);
    return undefined;
  }
}

async function optimizeSelection(): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || !LANGUAGES.includes(editor.document.languageId)) {
    void vscode.window.showWarningMessage("se-lsp: open a Rust, C++ or Go file and select code.");
    return;
  }
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(
      "se-lsp: the LLM agent is off in a restricted workspace. Trust the workspace to use it.",
    );
    return;
  }
  const c = runningClient();
  if (!c) {
    return;
  }
  const sel = editor.selection;
  const range = sel.isEmpty ? editor.document.lineAt(sel.active.line).range : sel;
  const arg = optimizeArgument(
    c.code2ProtocolConverter.asUri(editor.document.uri),
    c.code2ProtocolConverter.asRange(range),
  );
  if (state === "error") {
    setState("idle");
  }
  await serverCommand("se-lsp.optimize", [arg]);
}

async function showStats(): Promise<void> {
  const result = await serverCommand("se-lsp.showStats", []);
  if (result === undefined) {
    return;
  }
  output.appendLine("se-lsp stats:");
  output.appendLine(typeof result === "string" ? result : JSON.stringify(result, null, 2));
  output.show(true);
}

async function setApiKey(): Promise<void> {
  const key = await vscode.window.showInputBox({
    title: "se-lsp: API key for the model endpoint",
    prompt: "Stored in VS Code's secret storage and given to the server as SE_LSP_API_KEY.",
    password: true,
    ignoreFocusOut: true,
  });
  if (key === undefined) {
    return;
  }
  if (key.trim() === "") {
    await clearApiKey();
    return;
  }
  await ctx.secrets.store(SECRET_ID, key.trim());
  void vscode.window.showInformationMessage("se-lsp: API key stored; the server restarts.");
}

async function clearApiKey(): Promise<void> {
  await ctx.secrets.delete(SECRET_ID);
  void vscode.window.showInformationMessage("se-lsp: API key removed.");
}
