/**
 * The extension's decisions, kept free of the `vscode` module so they can be unit tested
 * with node's test runner: which program starts the server, what settings it receives,
 * and what the status bar says.
 */

/** Environment variable through which a key from SecretStorage reaches the server. */
export const SECRET_KEY_ENV = "SE_LSP_API_KEY";

/** Settings under `seLsp.*` that only the extension reads; the server rejects unknown keys. */
export const CLIENT_ONLY_SECTIONS = ["server", "trace"] as const;
/** Server settings sections that run the workspace's toolchain: off when it is untrusted. */
export const TOOLCHAIN_SECTIONS = ["verify", "linters", "measure"] as const;

export interface ServerCommand {
  command: string;
  args: string[];
  /** How the command was chosen, shown in the output channel. */
  source: string;
}

export interface ResolveInputs {
  /** `seLsp.server.path` (may be empty). */
  configuredPath: string;
  /** `seLsp.server.args`. */
  configuredArgs: string[];
  /** The interpreter selected in the Python extension, if it is installed and has one. */
  pythonInterpreter?: string;
  /** Whether `python -c "import se_lsp"` succeeds for this interpreter. */
  hasSeLsp: (python: string) => boolean;
  /** Full path of a program on PATH, or undefined. */
  which: (program: string) => string | undefined;
}

/** True for `python`, `python3`, `python3.12`, `python.exe`, `pythonw.exe`. */
export function looksLikePython(program: string): boolean {
  const base = (program.split(/[\\/]/).pop() ?? "").toLowerCase().replace(/\.exe$/, "");
  return /^python(w)?(\d+(\.\d+)*)?$/.test(base);
}

/**
 * The server command, in order: the configured path; the selected Python interpreter if
 * it can import se_lsp; `python3` on PATH if it can; `se-lsp` on PATH. Undefined when none
 * works, so the caller can tell the user how to fix it.
 */
export function resolveServerCommand(inp: ResolveInputs): ServerCommand | undefined {
  const extra = inp.configuredArgs ?? [];
  const configured = (inp.configuredPath ?? "").trim();
  if (configured) {
    // A Python interpreter given as the server path runs the module unless args say otherwise.
    const args = looksLikePython(configured) && extra.length === 0 ? ["-m", "se_lsp"] : extra;
    return { command: configured, args, source: "seLsp.server.path" };
  }
  if (inp.pythonInterpreter && inp.hasSeLsp(inp.pythonInterpreter)) {
    return {
      command: inp.pythonInterpreter,
      args: ["-m", "se_lsp", ...extra],
      source: "selected Python interpreter",
    };
  }
  for (const name of ["python3", "python"]) {
    const found = inp.which(name);
    if (found && inp.hasSeLsp(found)) {
      return { command: found, args: ["-m", "se_lsp", ...extra], source: `${name} on PATH` };
    }
  }
  const exe = inp.which(process.platform === "win32" ? "se-lsp.exe" : "se-lsp");
  if (exe) {
    return { command: exe, args: extra, source: "se-lsp on PATH" };
  }
  return undefined;
}

/** The message shown when no server can be found or started. */
export function cannotStartMessage(detail?: string): string {
  const why = detail ? ` (${detail})` : "";
  return (
    `se-lsp: the language server could not be started${why}. ` +
    "Install it with `pip install se-lsp` in the selected Python environment, " +
    "or set `seLsp.server.path` to the se-lsp executable."
  );
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function deepCopy<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

export interface MappingContext {
  /** Whether the workspace is trusted; an untrusted one gets the built-in analyzer only. */
  trusted: boolean;
  /** Whether a key from SecretStorage is handed to the server in SECRET_KEY_ENV. */
  hasSecretKey: boolean;
}

/**
 * The `seLsp` section as the server should see it: without client-only keys, with the
 * agent off in an untrusted workspace, and with `agent.apiKeyEnv` pointing at the stored
 * key when the user did not name a variable of their own.
 */
export function toServerSettings(raw: unknown, ctx: MappingContext): JsonObject {
  const out: JsonObject = isObject(raw) ? deepCopy(raw) : {};
  for (const key of CLIENT_ONLY_SECTIONS) {
    delete out[key];
  }
  const agent: JsonObject = isObject(out.agent) ? out.agent : {};
  if (!ctx.trusted) {
    agent.enable = false;
    // Compile checks, linters and benchmarks run the workspace's own build (cargo runs
    // build scripts and proc macros): not in a restricted workspace.
    for (const key of TOOLCHAIN_SECTIONS) {
      const section: JsonObject = isObject(out[key]) ? out[key] : {};
      section.enabled = false;
      out[key] = section;
    }
  } else if (ctx.hasSecretKey && (agent.apiKeyEnv === undefined || agent.apiKeyEnv === null)) {
    agent.apiKeyEnv = SECRET_KEY_ENV;
  }
  if (Object.keys(agent).length > 0 || isObject(out.agent)) {
    out.agent = agent;
  }
  return out;
}

/** The environment of the server process: the editor's, plus the stored key if any. */
export function serverEnvironment(
  base: NodeJS.ProcessEnv,
  secretKey: string | undefined,
  trusted: boolean,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  delete env[SECRET_KEY_ENV];
  if (secretKey && trusted) {
    env[SECRET_KEY_ENV] = secretKey;
  }
  return env;
}

export type AgentState = "idle" | "analyzing" | "error" | "stopped" | "restricted";

/** Status bar text and tooltip for the agent state and the configured model. */
export function statusText(
  state: AgentState,
  model: string | null | undefined,
  detail?: string,
): { text: string; tooltip: string } {
  const icon: Record<AgentState, string> = {
    idle: "$(check)",
    analyzing: "$(sync~spin)",
    error: "$(error)",
    stopped: "$(debug-stop)",
    restricted: "$(shield)",
  };
  const label: Record<AgentState, string> = {
    idle: "idle",
    analyzing: "analyzing",
    error: "error",
    stopped: "stopped",
    restricted: "built-in only",
  };
  const shownModel = model ? model : "model from environment";
  const text =
    state === "restricted"
      ? `${icon[state]} se-lsp: ${label[state]}`
      : `${icon[state]} se-lsp: ${label[state]} · ${shownModel}`;
  const lines = [`se-lsp agent: ${label[state]}`];
  if (state === "restricted") {
    lines.push("Restricted workspace: the LLM agent is off, built-in rules only.");
  } else {
    lines.push(`Model: ${shownModel}`);
  }
  if (detail) {
    lines.push(detail);
  }
  return { text, tooltip: lines.join("\n") };
}

/** Tracks work-done progress tokens from the server: analyzing while any is active. */
export class ProgressTracker {
  private readonly active = new Set<string>();

  update(token: string | number, kind: "begin" | "report" | "end"): boolean {
    const key = String(token);
    if (kind === "begin") {
      this.active.add(key);
    } else if (kind === "end") {
      this.active.delete(key);
    }
    return this.busy;
  }

  get busy(): boolean {
    return this.active.size > 0;
  }

  clear(): void {
    this.active.clear();
  }
}

/** The argument of the server command `se-lsp.optimize`. */
export function optimizeArgument(
  uri: string,
  range: { start: { line: number; character: number }; end: { line: number; character: number } },
  agent = "systems-engineer",
): { uri: string; range: typeof range; agent: string } {
  return { uri, range, agent };
}
