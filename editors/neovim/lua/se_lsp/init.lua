-- se-lsp for Neovim: attaches the se-lsp language server to Rust, C, C++ and Go buffers.
--
-- Neovim 0.11+ uses vim.lsp.config / vim.lsp.enable; 0.10 falls back to vim.lsp.start on
-- FileType. Everything in setup() is optional.

local M = {}

M.name = "se_lsp"

M.defaults = {
  cmd = { "se-lsp" },
  filetypes = { "rust", "c", "cpp", "go" },
  -- The project file first: where it lives is where the user wants the root to be.
  root_markers = { ".se-lsp.yaml", ".git", "Cargo.toml", "go.mod", "compile_commands.json" },
  -- The `seLsp` settings object (builtin, agent, limits, exclude, logLevel).
  settings = {},
  -- Agent used by :SeLspOptimize when none is named.
  agent = "systems-engineer",
}

--- The effective configuration after setup(); nil before.
M.config = nil

local function has(version)
  return vim.fn.has("nvim-" .. version) == 1
end

--- Settings as the server reads them: always wrapped in a `seLsp` section. An empty Lua
-- table would travel as a JSON array (`[]`); vim.empty_dict() travels as an object.
local function wrapped(settings)
  settings = settings or {}
  if settings.seLsp ~= nil then
    return settings
  end
  if next(settings) == nil then
    settings = vim.empty_dict()
  end
  return { seLsp = settings }
end

--- Send a request on a client in a way both 0.10 (dot) and 0.11 (method) accept.
local function request(client, method, params, handler, bufnr)
  if has("0.11") then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

--- Number of `encoding` units in the first `byte` bytes of `line` (a UTF-8 string).
-- Counting lead bytes gives code points; 4-byte sequences are two UTF-16 units.
function M.units(line, byte, encoding)
  byte = math.min(byte, #line)
  if encoding == "utf-8" then
    return byte
  end
  local n = 0
  for i = 1, byte do
    local b = line:byte(i)
    if b < 0x80 or b >= 0xC0 then
      n = n + 1
      if encoding == "utf-16" and b >= 0xF0 then
        n = n + 1
      end
    end
  end
  return n
end

--- Byte length of the UTF-8 character starting at 1-based byte `col` of `line`.
local function char_len(line, col)
  local b = line:byte(col)
  if b == nil then
    return 0
  elseif b < 0xC0 then
    return 1
  elseif b < 0xE0 then
    return 2
  elseif b < 0xF0 then
    return 3
  end
  return 4
end

local function line_text(bufnr, row)
  return vim.api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or ""
end

--- The LSP range of lines line1..line2 (1-based) or, when `charwise`, of the last visual
-- selection, in `encoding` units. Columns are converted here only.
function M.selection_range(bufnr, line1, line2, encoding, charwise)
  local srow, scol, erow, ecol -- 0-based rows, 0-based byte columns, end exclusive
  if charwise then
    local s = vim.api.nvim_buf_get_mark(bufnr, "<") -- {row 1-based, col 0-based byte}
    local e = vim.api.nvim_buf_get_mark(bufnr, ">")
    srow, scol, erow = s[1] - 1, s[2], e[1] - 1
    local last = line_text(bufnr, erow)
    if vim.o.selection == "exclusive" then
      ecol = math.min(e[2], #last)
    else
      ecol = math.min(e[2] + char_len(last, e[2] + 1), #last)
    end
  else
    srow, scol, erow = line1 - 1, 0, line2 - 1
    ecol = #line_text(bufnr, erow)
  end
  return {
    start = { line = srow, character = M.units(line_text(bufnr, srow), scol, encoding) },
    ["end"] = { line = erow, character = M.units(line_text(bufnr, erow), ecol, encoding) },
  }
end

--- The se-lsp client attached to `bufnr`, if any.
function M.client(bufnr)
  local clients = vim.lsp.get_clients({ bufnr = bufnr, name = M.name })
  return clients[1]
end

--- Words for how a review ended: the command's result, or the request's error.
function M.outcome(err, result)
  if err then
    return "se-lsp: review failed: " .. (err.message or vim.inspect(err)), vim.log.levels.ERROR
  end
  result = result or {}
  if result.error then
    return "se-lsp: review failed: " .. tostring(result.error), vim.log.levels.ERROR
  end
  if result.cancelled then
    return "se-lsp: review cancelled", vim.log.levels.INFO
  end
  return "se-lsp: review done: " .. tostring(result.message or "no result"), vim.log.levels.INFO
end

--- The last review's outcome as shown (for statuslines and tests).
M.last_outcome = nil

local function report(err, result)
  local text, level = M.outcome(err, result)
  M.last_outcome = text
  vim.notify(text, level)
end

--- Send `se-lsp.optimize` and report its outcome when it ends.
local function review(client, arguments, bufnr)
  local params = { command = "se-lsp.optimize", arguments = arguments }
  request(client, "workspace/executeCommand", params, function(err, result)
    report(err, result)
  end, bufnr)
  return params
end

--- Ask the server's agent to review a range: the `se-lsp.optimize` command.
-- Findings come back as diagnostics whose source is the agent's name; when the review
-- ends, its outcome (findings count, or the error) is shown with vim.notify.
function M.optimize(opts)
  opts = opts or {}
  local bufnr = opts.bufnr or vim.api.nvim_get_current_buf()
  local client = M.client(bufnr)
  if client == nil then
    vim.notify("se-lsp: no se-lsp client is attached to this buffer", vim.log.levels.ERROR)
    return nil
  end
  local line1 = opts.line1 or vim.api.nvim_win_get_cursor(0)[1]
  local line2 = opts.line2 or line1
  local charwise = opts.charwise
  if charwise == nil then
    -- A `:'<,'>` range from a characterwise selection keeps its columns.
    local s = vim.api.nvim_buf_get_mark(bufnr, "<")
    local e = vim.api.nvim_buf_get_mark(bufnr, ">")
    charwise = opts.range == 2
      and vim.fn.visualmode() == "v"
      and s[1] == line1
      and e[1] == line2
  end
  local agent = opts.agent
  if agent == nil or agent == "" then
    agent = (M.config and M.config.agent) or M.defaults.agent
  end
  return review(client, {
    {
      uri = vim.uri_from_bufnr(bufnr),
      range = M.selection_range(bufnr, line1, line2, client.offset_encoding, charwise),
      agent = agent,
    },
  }, bufnr)
end

--- The "Optimize selection" code action runs here instead of a bare executeCommand, so its
-- outcome is shown too (Neovim ignores the result of commands it forwards).
local function optimize_command(command, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  if client == nil then
    return
  end
  review(client, command.arguments, ctx.bufnr)
end

local function lsp_config(cfg)
  return {
    cmd = cfg.cmd,
    filetypes = cfg.filetypes,
    root_markers = cfg.root_markers,
    settings = wrapped(cfg.settings),
    init_options = wrapped(cfg.settings),
    capabilities = cfg.capabilities,
    on_attach = cfg.on_attach,
    -- Client-side: the code action's command goes through here, so its outcome shows.
    commands = { ["se-lsp.optimize"] = optimize_command },
  }
end

local augroup = nil

--- Start the server for `bufnr` on Neovim 0.10, where vim.lsp.config does not exist.
local function start_010(cfg, bufnr)
  local base = lsp_config(cfg)
  local root = vim.fs.root(bufnr, cfg.root_markers)
  vim.lsp.start({
    name = M.name,
    cmd = base.cmd,
    root_dir = root or vim.fs.dirname(vim.api.nvim_buf_get_name(bufnr)),
    settings = base.settings,
    init_options = base.init_options,
    capabilities = base.capabilities,
    on_attach = base.on_attach,
    commands = base.commands,
  }, { bufnr = bufnr })
end

function M.setup(opts)
  local cfg = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts or {})
  -- Lists replace the defaults rather than merging index by index.
  for _, key in ipairs({ "cmd", "filetypes", "root_markers" }) do
    if opts and opts[key] then
      cfg[key] = opts[key]
    end
  end
  M.config = cfg

  if vim.lsp.config ~= nil and vim.lsp.enable ~= nil then
    vim.lsp.config(M.name, lsp_config(cfg))
    vim.lsp.enable(M.name)
  else
    augroup = vim.api.nvim_create_augroup("se_lsp", { clear = true })
    vim.api.nvim_create_autocmd("FileType", {
      group = augroup,
      pattern = cfg.filetypes,
      callback = function(ev)
        start_010(cfg, ev.buf)
      end,
    })
    -- Buffers already open when setup() runs (lazy loading) attach too.
    for _, buf in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(buf) and vim.tbl_contains(cfg.filetypes, vim.bo[buf].filetype) then
        start_010(cfg, buf)
      end
    end
  end

  vim.api.nvim_create_user_command("SeLspOptimize", function(cmd)
    M.optimize({
      line1 = cmd.line1,
      line2 = cmd.line2,
      range = cmd.range,
      agent = cmd.args,
    })
  end, {
    range = true,
    nargs = "?",
    desc = "se-lsp: ask the agent to review the selected lines for performance",
  })
end

return M
