/**
 * Test mode for the end-to-end run in a real VS Code: when SE_LSP_VSCODE_TEST_OUTPUT names
 * a file, open a C++ file and check diagnostics, hover and the quick fix through the public
 * API, then write what was seen as JSON. The checks read the editor's state, so a broken
 * client or server shows up as a failed check rather than a hang.
 */

import * as fs from "fs";
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import { State } from "vscode-languageclient/node";

const RULE = "cpp/avoid-endl";
const WAIT_MS = 90_000;

interface Check {
  ok: boolean;
  detail: unknown;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until<T>(what: () => T | undefined | Promise<T | undefined>, ms: number) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (v !== undefined) {
      return v;
    }
    if (Date.now() > deadline) {
      return undefined;
    }
    await sleep(250);
  }
}

function codeOf(d: vscode.Diagnostic): string | undefined {
  const c = d.code;
  if (c === undefined) {
    return undefined;
  }
  return typeof c === "object" ? String(c.value) : String(c);
}

function rangeJson(r: vscode.Range) {
  return {
    start: { line: r.start.line, character: r.start.character },
    end: { line: r.end.line, character: r.end.character },
  };
}

function hoverText(hovers: vscode.Hover[]): string {
  const parts: string[] = [];
  for (const h of hovers) {
    for (const c of h.contents) {
      parts.push(typeof c === "string" ? c : "value" in c ? c.value : String(c));
    }
  }
  return parts.join("\n");
}

/** What the extension lets the self-test see. */
export interface Probe {
  client: () => LanguageClient | undefined;
  log: vscode.OutputChannel;
  /** window/showMessage notifications from the server. */
  serverMessages: { type: number; message: string }[];
  /** Status bar states, in order. */
  states: string[];
  /** Notices shown about workspace settings that were ignored. */
  notices: string[];
  /** The seLsp settings last sent to the server. */
  sentSettings: () => unknown;
  /** The status bar item as shown now. */
  status: () => { text: string; tooltip: string };
  /** Also run Optimize Selection (needs a model endpoint in the settings). */
  optimize: boolean;
  /** The workspace is opened in restricted mode: the agent must stay off. */
  expectUntrusted: boolean;
  /** How the server command was chosen, and what was tried first. */
  server: () => { command?: { command: string; args: string[]; source: string }; tried: string[] };
  /** Also open this Rust file and wait for a built-in `rust/...` diagnostic. */
  rustFile?: string;
}

export async function runSelfTest(
  outFile: string,
  filePath: string | undefined,
  probe: Probe,
): Promise<void> {
  const { log, serverMessages } = probe;
  const getClient = probe.client;
  const checks: Record<string, Check> = {};
  const result: Record<string, unknown> = { checks, vscodeVersion: vscode.version };
  try {
    const running = await until(
      () => (getClient()?.state === State.Running ? true : undefined),
      WAIT_MS,
    );
    checks.serverRunning = { ok: running === true, detail: getClient()?.state ?? "no client" };
    result.server = probe.server();
    result.path = process.env.PATH ?? "";
    if (probe.rustFile) {
      checks.rustDiagnostic = await rustCheck(probe.rustFile);
    }

    const target = filePath
      ? vscode.Uri.file(filePath)
      : (await vscode.workspace.findFiles("**/*.cpp", undefined, 1))[0];
    if (!target) {
      throw new Error("no C++ file to open");
    }
    const doc = await vscode.workspace.openTextDocument(target);
    await vscode.window.showTextDocument(doc);
    result.languageId = doc.languageId;

    // Where the finding must be, computed from the text in UTF-16 units as VS Code counts.
    const line = doc
      .getText()
      .split("\n")
      .findIndex((l) => l.includes("std::endl"));
    const col = doc.lineAt(line).text.indexOf("std::endl");
    const expected = new vscode.Range(line, col, line, col + "std::endl".length);
    result.expectedRange = rangeJson(expected);

    const diag = await until(
      () => vscode.languages.getDiagnostics(doc.uri).find((d) => codeOf(d) === RULE),
      WAIT_MS,
    );
    // The workspace sets this rule to "error": seeing Error proves the settings arrived.
    checks.diagnostic = {
      ok:
        diag !== undefined &&
        diag.range.isEqual(expected) &&
        diag.severity === vscode.DiagnosticSeverity.Error,
      detail: diag
        ? {
            code: codeOf(diag),
            message: diag.message,
            source: diag.source,
            severity: diag.severity,
            range: rangeJson(diag.range),
          }
        : vscode.languages.getDiagnostics(doc.uri).map((d) => codeOf(d)),
    };
    if (!diag) {
      throw new Error(`no ${RULE} diagnostic`);
    }

    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      "vscode.executeHoverProvider",
      doc.uri,
      diag.range.start.translate(0, 2),
    );
    const text = hoverText(hovers ?? []);
    checks.hover = { ok: text.includes(RULE) && text.includes("flushes"), detail: text };

    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      "vscode.executeCodeActionProvider",
      doc.uri,
      diag.range,
      vscode.CodeActionKind.QuickFix.value,
      10,
    );
    const titles = (actions ?? []).map((a) => a.title);
    const fix = (actions ?? []).find((a) => a.title.startsWith("Fix: "));
    checks.codeAction = { ok: fix?.edit !== undefined, detail: titles };
    if (!fix?.edit) {
      throw new Error(`no 'Fix: ...' action with an edit among ${JSON.stringify(titles)}`);
    }

    const before = doc.lineAt(line).text;
    const applied = await vscode.workspace.applyEdit(fix.edit);
    const after = doc.lineAt(line).text;
    const wanted = before.replace("std::endl", "'\\n'");
    checks.applyFix = { ok: applied && after === wanted, detail: { applied, before, after } };

    // The server re-analyses the edited text: the finding must go away.
    const cleared = await until(
      () =>
        vscode.languages.getDiagnostics(doc.uri).some((d) => codeOf(d) === RULE) ? undefined : true,
      WAIT_MS,
    );
    checks.diagnosticCleared = { ok: cleared === true, detail: null };
    checks.trust = {
      ok: vscode.workspace.isTrusted === !probe.expectUntrusted,
      detail: { isTrusted: vscode.workspace.isTrusted },
    };
    // The server offers "Optimize selection with ..." only while the agent is enabled.
    const body = new vscode.Range(line - 1, 0, line + 1, 0);
    const bodyActions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      "vscode.executeCodeActionProvider",
      doc.uri,
      body,
    );
    const bodyTitles = (bodyActions ?? []).map((a) => a.title);
    const offered = bodyTitles.some((t) => t.startsWith("Optimize selection"));
    checks.agentActionOffered = { ok: offered === !probe.expectUntrusted, detail: bodyTitles };
    if (process.env.SE_LSP_VSCODE_TEST_WORKSPACE_ATTEMPTS) {
      checks.workspaceSettings = workspaceSettingsCheck(probe, bodyTitles);
    }
    if (probe.expectUntrusted) {
      checks.restricted = await restrictedCheck(doc, probe.states);
    } else if (probe.optimize) {
      checks.optimize = await optimizeCheck(doc, probe.states);
      checks.optimizeFails = await optimizeFailsCheck(doc, probe);
    }

    // The server accepted every setting it was sent (client-only keys were stripped).
    checks.noSettingsWarnings = {
      ok: !serverMessages.some((m) => /setting/i.test(m.message)),
      detail: serverMessages,
    };
  } catch (err) {
    result.error = err instanceof Error ? `${err.message}\n${err.stack ?? ""}` : String(err);
  }
  result.ok = result.error === undefined && Object.values(checks).every((c) => c.ok);
  log.appendLine(`self-test: ${JSON.stringify(result)}`);
  // Write to a temporary name first so the driver never reads a half-written file.
  fs.writeFileSync(`${outFile}.tmp`, JSON.stringify(result, null, 2));
  fs.renameSync(`${outFile}.tmp`, outFile);
}

/**
 * Select the function body, run the palette command, and wait for the agent's diagnostic;
 * the status bar must have shown "analyzing" while the server reported progress.
 */
async function optimizeCheck(doc: vscode.TextDocument, states: string[]): Promise<Check> {
  const editor = await vscode.window.showTextDocument(doc);
  const lines = doc.getText().split("\n");
  const first = lines.findIndex((l) => l.includes("{"));
  const last = lines.findIndex((l) => l.includes("return 0;"));
  editor.selection = new vscode.Selection(first + 1, 0, last, lines[last].length);
  const from = states.length;
  let commandError: string | undefined;
  try {
    await vscode.commands.executeCommand("seLsp.optimizeSelection");
  } catch (err) {
    commandError = String(err);
  }
  const agent = await until(
    () =>
      vscode.languages
        .getDiagnostics(doc.uri)
        .find((d) => d.source !== undefined && d.source !== "se-lsp"),
    WAIT_MS,
  );
  const idle = await until(() => (states.at(-1) === "idle" ? true : undefined), 10_000);
  const seen = states.slice(from);
  return {
    ok: agent !== undefined && seen.includes("analyzing") && idle === true && !commandError,
    detail: {
      commandError,
      states: seen,
      selection: rangeJson(editor.selection),
      diagnostic: agent
        ? {
            source: agent.source,
            message: agent.message,
            range: rangeJson(agent.range),
            lineText: doc.lineAt(agent.range.start.line).text,
          }
        : vscode.languages.getDiagnostics(doc.uri).map((d) => [d.source, d.message]),
    },
  };
}

/**
 * A second review of other code, which the loopback model answers with prose only: the
 * status bar must end in the error state, with the reason in its tooltip.
 */
async function optimizeFailsCheck(doc: vscode.TextDocument, probe: Probe): Promise<Check> {
  const editor = await vscode.window.showTextDocument(doc);
  editor.selection = new vscode.Selection(0, 0, doc.lineCount - 1, 0);
  const from = probe.states.length;
  let commandError: string | undefined;
  try {
    await vscode.commands.executeCommand("seLsp.optimizeSelection");
  } catch (err) {
    commandError = String(err);
  }
  const failed = await until(() => (probe.states.at(-1) === "error" ? true : undefined), WAIT_MS);
  const status = probe.status();
  return {
    ok: failed === true && /Last review failed/.test(status.tooltip) && !commandError,
    detail: { commandError, states: probe.states.slice(from), status },
  };
}

/**
 * The workspace's .vscode/settings.json tries every setting that decides where code goes or
 * what runs: none may reach the server or start a program, and each is noticed once.
 */
function workspaceSettingsCheck(probe: Probe, titles: string[]): Check {
  const cfg = vscode.workspace.getConfiguration("seLsp");
  const keys = [
    "server.path",
    "server.args",
    "agent.baseUrl",
    "agent.apiKeyEnv",
    "agent.localOnly",
    "agent.agentsDirs",
  ];
  const inspected: Record<string, unknown> = {};
  const applied: Record<string, unknown> = {};
  for (const key of keys) {
    const i = cfg.inspect(key);
    inspected[key] = { workspace: i?.workspaceValue, user: i?.globalValue };
    applied[key] = cfg.get(key);
  }
  const noticed = keys.filter((k) =>
    probe.notices.some((n) => n.includes(`seLsp.${k} in `) && n.includes("settings.json")),
  );
  const marker = process.env.SE_LSP_VSCODE_TEST_MARKER;
  const serverRanFromWorkspace = marker !== undefined && fs.existsSync(marker);
  return {
    ok:
      noticed.length === keys.length &&
      !titles.some((t) => t.includes("workspace-agent")) &&
      !serverRanFromWorkspace,
    detail: {
      notices: probe.notices,
      sent: probe.sentSettings(),
      inspected,
      applied,
      titles,
      serverRanFromWorkspace,
    },
  };
}

/** A Rust file gets at least one built-in `rust/...` diagnostic. */
async function rustCheck(file: string): Promise<Check> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  await vscode.window.showTextDocument(doc);
  const found = await until(() => {
    const rust = vscode.languages.getDiagnostics(doc.uri).filter((d) => codeOf(d)?.startsWith("rust/"));
    return rust.length ? rust : undefined;
  }, WAIT_MS);
  return {
    ok: found !== undefined && doc.languageId === "rust",
    detail: {
      languageId: doc.languageId,
      diagnostics: (found ?? []).map((d) => ({
        code: codeOf(d),
        source: d.source,
        range: rangeJson(d.range),
        lineText: doc.lineAt(d.range.start.line).text,
      })),
    },
  };
}

/** Restricted mode: the status bar says so and Optimize Selection does not run. */
async function restrictedCheck(doc: vscode.TextDocument, states: string[]): Promise<Check> {
  const editor = await vscode.window.showTextDocument(doc);
  editor.selection = new vscode.Selection(0, 0, doc.lineCount - 1, 0);
  let commandError: string | undefined;
  try {
    await vscode.commands.executeCommand("seLsp.optimizeSelection");
  } catch (err) {
    commandError = String(err);
  }
  await sleep(2000); // a request that should not happen gets its chance to show up
  const agent = vscode.languages
    .getDiagnostics(doc.uri)
    .filter((d) => d.source !== undefined && d.source !== "se-lsp");
  return {
    ok: states.at(-1) === "restricted" && agent.length === 0 && !commandError,
    detail: { states, commandError, agentDiagnostics: agent.map((d) => d.message) },
  };
}
