/**
 * VS Code client for se-lsp: starts the server, passes settings and the stored API key,
 * contributes the commands and the status bar item. Decisions live in logic.ts.
 */

import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse as parseJsonc } from "jsonc-parser";
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
  Inspected,
  ProgressTracker,
  PythonInfo,
  ServerCommand,
  USER_ONLY_SETTINGS,
  UserOnlySetting,
  cannotStartMessage,
  ignoredSettingNotice,
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
/** Notices about workspace settings that were ignored, as shown (one per key and file). */
const notices: string[] = [];
/** The settings last sent to the server, kept in test mode. */
let sentSettings: unknown;
const TEST_MODE = Boolean(process.env.SE_LSP_VSCODE_TEST_OUTPUT);

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  ctx = context;
  notices.length = 0; // once per session: a new activation tells again
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
      await noticeWorkspaceAttempts();
      // The server takes where code goes only from its start-up settings: restart for those.
      if (USER_ONLY_SETTINGS.some((key) => e.affectsConfiguration(`seLsp.${key}`))) {
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

  await noticeWorkspaceAttempts();
  await start();

  const testOut = process.env.SE_LSP_VSCODE_TEST_OUTPUT;
  if (testOut) {
    void runSelfTest(testOut, process.env.SE_LSP_VSCODE_TEST_FILE, {
      client: () => client,
      log: output,
      serverMessages,
      states: stateLog,
      notices,
      sentSettings: () => sentSettings,
      status: () => ({ text: status.text, tooltip: String(status.tooltip ?? "") }),
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

function inspected(key: UserOnlySetting): Inspected<unknown> | undefined {
  return config().inspect<unknown>(key);
}

/** Where code goes and what runs: the user's values only, read through inspect(). */
function userOnlyValues(): Partial<Record<UserOnlySetting, unknown>> {
  const out: Partial<Record<UserOnlySetting, unknown>> = {};
  for (const key of USER_ONLY_SETTINGS) {
    out[key] = userValue(inspected(key));
  }
  return out;
}

/**
 * The settings files of the workspace and what they set. VS Code leaves a "machine"
 * setting out of inspect() when a workspace sets it, so the files are read directly.
 */
async function workspaceSettingFiles(): Promise<{ file: string; settings: unknown }[]> {
  const out: { file: string; settings: unknown }[] = [];
  const read = async (uri: vscode.Uri): Promise<unknown> => {
    try {
      const bytes = await vscode.workspace.fs.readFile(uri);
      return parseJsonc(Buffer.from(bytes).toString("utf8"), [], { allowTrailingComma: true });
    } catch {
      return undefined; // no such file, or unreadable: nothing set there
    }
  };
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const uri = vscode.Uri.joinPath(folder.uri, ".vscode", "settings.json");
    out.push({ file: uri.fsPath, settings: await read(uri) });
  }
  const wsFile = vscode.workspace.workspaceFile;
  if (wsFile?.scheme === "file") {
    const data = (await read(wsFile)) as { settings?: unknown } | undefined;
    out.push({ file: wsFile.fsPath, settings: data?.settings });
  }
  return out;
}

/** Tell the user, once per key and file, that a workspace's value was ignored. */
async function noticeWorkspaceAttempts(): Promise<void> {
  const attempts: [UserOnlySetting, string][] = [];
  for (const { file, settings } of await workspaceSettingFiles()) {
    for (const key of userOnlyKeysIn(settings)) {
      attempts.push([key, file]);
    }
  }
  const folder = vscode.workspace.workspaceFolders?.[0];
  const fallback = folder ? path.join(folder.uri.fsPath, ".vscode", "settings.json") : undefined;
  for (const key of USER_ONLY_SETTINGS) {
    // Without "scope" (an older package.json, a remote) inspect() still shows the attempt.
    const file = workspaceAttempt(inspected(key), { folder: fallback });
    if (file !== undefined) {
      attempts.push([key, file]);
    }
  }
  for (const [key, file] of attempts) {
    const notice = ignoredSettingNotice(key, file);
    if (!notices.includes(notice)) {
      notices.push(notice);
      output.appendLine(notice);
      void vscode.window.showWarningMessage(notice);
    }
  }
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
  const user = userOnlyValues();
  const args = user["server.args"];
  const selected = await selectedPython();
  lastChoice = resolveServerCommand({
    configuredPath: typeof user["server.path"] === "string" ? user["server.path"] : "",
    configuredArgs: Array.isArray(args) ? args.map(String) : [],
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
  const sent = toServerSettings(withUserOnly(raw, userOnlyValues()), {
    trusted: vscode.workspace.isTrusted,
    hasSecretKey: hasSecret,
  });
  sentSettings = sent;
  return sent;
}

/** The status bar after a review: the error state when it failed, its outcome in the tooltip. */
function showOutcome(result: unknown): void {
  const { state: next, detail } = reviewOutcome(result);
  setState(next, detail);
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
      // The "Optimize selection" code action runs the server command through here.
      executeCommand: async (command, args, next) => {
        const result = await next(command, args);
        if (command === "se-lsp.optimize") {
          showOutcome(result);
        }
        return result;
      },
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
  const result = await serverCommand("se-lsp.optimize", [arg]);
  if (result !== undefined) {
    showOutcome(result);
  }
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
