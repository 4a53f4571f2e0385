-- Headless Neovim driver for tests/editors/test_neovim.py.
--
-- Reads a JSON plan from $SE_LSP_NVIM_PLAN, drives the real editor through the se_lsp plugin
-- (open files, wait for diagnostics, hover, code action through vim.ui.select, visual-range
-- :SeLspOptimize, :checkhealth) and writes what it saw as JSON to plan.out. It asserts
-- nothing itself: the Python test does, so a failure shows the whole picture.

local plan_path = assert(os.getenv("SE_LSP_NVIM_PLAN"), "SE_LSP_NVIM_PLAN is not set")
local fh = assert(io.open(plan_path))
local plan = vim.json.decode(fh:read("*a"))
fh:close()

local result = { files = {}, events = {}, notified = {} }

-- What the plugin tells the user.
vim.notify = function(msg, level)
  table.insert(result.notified, { message = msg, level = level })
end

local function event(msg)
  table.insert(result.events, string.format("%.3f %s", vim.uv.hrtime() / 1e9, msg))
end

local function write_result()
  local out = assert(io.open(plan.out, "w"))
  out:write(vim.json.encode(result))
  out:close()
end

local function diags(buf)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(out, {
      lnum = d.lnum,
      col = d.col,
      end_lnum = d.end_lnum,
      end_col = d.end_col,
      code = d.code,
      source = d.source,
      severity = d.severity,
      message = d.message,
    })
  end
  table.sort(out, function(a, b)
    return a.lnum < b.lnum or (a.lnum == b.lnum and a.col < b.col)
  end)
  return out
end

local function float_lines()
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(win).relative ~= "" then
      local buf = vim.api.nvim_win_get_buf(win)
      return win, vim.api.nvim_buf_get_lines(buf, 0, -1, false)
    end
  end
  return nil, nil
end

-- Raw publishDiagnostics params, to check the columns the server sent before Neovim converts.
local raw = {}
local orig_publish = vim.lsp.handlers["textDocument/publishDiagnostics"]
vim.lsp.handlers["textDocument/publishDiagnostics"] = function(err, params, ctx, config)
  raw[params.uri] = params.diagnostics
  return orig_publish(err, params, ctx, config)
end

-- Messages the server asked the editor to show.
local shown = {}
local orig_show = vim.lsp.handlers["window/showMessage"]
vim.lsp.handlers["window/showMessage"] = function(err, params, ctx, config)
  table.insert(shown, params.message)
  return orig_show(err, params, ctx, config)
end
result.shown = shown

local function run()
  if plan.consent then
    -- Answer the server's window/showMessageRequest (Neovim asks through vim.ui.select).
    result.asked = {}
    local orig_select = vim.ui.select
    vim.ui.select = function(items, opts, on_choice)
      if opts and opts.kind == "lsp_message" then
        table.insert(result.asked, opts.prompt)
        for i, item in ipairs(items) do
          if item.title == plan.consent then
            return on_choice(item, i)
          end
        end
        return on_choice(nil, nil)
      end
      return orig_select(items, opts, on_choice)
    end
  end
  vim.opt.runtimepath:prepend(plan.plugin)
  vim.cmd("filetype on")
  if not plan.default_log_level then
    vim.lsp.set_log_level("debug")
  end
  if plan.hide_lsp_config then
    -- Pretend to be Neovim 0.10, which has no vim.lsp.config / vim.lsp.enable.
    rawset(vim.lsp, "config", nil)
    rawset(vim.lsp, "enable", nil)
  end
  if plan.preopen then
    -- A buffer opened before setup(), as with a lazily loaded plugin.
    vim.cmd.edit(vim.fn.fnameescape(plan.preopen))
  end
  local se_lsp = require("se_lsp")
  if plan.setup == nil or plan.setup == vim.NIL then
    se_lsp.setup() -- the README's plain setup, nothing passed at all
  else
    se_lsp.setup(plan.setup)
  end
  result.nvim = tostring(vim.version())
  local timeout = plan.timeout_ms

  for _, spec in ipairs(plan.files) do
    local rec = { path = spec.path }
    result.files[spec.name] = rec
    vim.cmd.edit(vim.fn.fnameescape(spec.path))
    local buf = vim.api.nvim_get_current_buf()
    rec.filetype = vim.bo[buf].filetype
    local got = vim.wait(timeout, function()
      return #vim.diagnostic.get(buf) > 0
    end, 20)
    event(spec.name .. (got and ": diagnostics" or ": no diagnostics within timeout"))
    rec.diagnostics = diags(buf)
    rec.raw = raw[vim.uri_from_bufnr(buf)]
    local client = se_lsp.client(buf)
    if client ~= nil then
      rec.client_id = client.id
      rec.offset_encoding = client.offset_encoding
      rec.root_dir = client.root_dir
    end
    local first = rec.diagnostics[1]

    if spec.hover and first ~= nil then
      vim.api.nvim_win_set_cursor(0, { first.lnum + 1, first.col })
      vim.lsp.buf.hover()
      vim.wait(timeout, function()
        return float_lines() ~= nil
      end, 20)
      local win, lines = float_lines()
      rec.hover = lines
      if win then
        vim.api.nvim_win_close(win, true)
      end
      event(spec.name .. (lines and ": hover float" or ": no hover float"))
    end

    if spec.fix and first ~= nil then
      local offered = {}
      vim.ui.select = function(items, opts, on_choice)
        local format = opts.format_item or tostring
        for i, item in ipairs(items) do
          local title = format(item)
          table.insert(offered, title)
          if title:find("^Fix: ") then
            return on_choice(item, i)
          end
        end
        return on_choice(nil, nil)
      end
      local tick = vim.api.nvim_buf_get_changedtick(buf)
      vim.api.nvim_win_set_cursor(0, { first.lnum + 1, first.col })
      vim.lsp.buf.code_action()
      local changed = vim.wait(timeout, function()
        return vim.api.nvim_buf_get_changedtick(buf) ~= tick
      end, 20)
      rec.actions_offered = offered
      rec.after_fix = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
      event(spec.name .. (changed and ": buffer changed by fix" or ": fix did not change buffer"))
      -- The re-analysis of the edited text drops the fixed finding.
      vim.wait(timeout, function()
        for _, d in ipairs(vim.diagnostic.get(buf)) do
          if d.code == first.code then
            return false
          end
        end
        return true
      end, 20)
      rec.diagnostics_after_fix = diags(buf)
    end

    if spec.optimize and client ~= nil then
      local o = spec.optimize
      -- A real characterwise visual selection, then the command on '<,'>.
      vim.api.nvim_win_set_cursor(0, { o.start[1] + 1, o.start[2] })
      vim.cmd("normal! v")
      vim.api.nvim_win_set_cursor(0, { o["end"][1] + 1, o["end"][2] })
      vim.cmd("normal! \27")
      local sent = {}
      local orig_request = client.request
      client.request = function(self, method, params, handler, bufnr)
        if method == "workspace/executeCommand" then
          table.insert(sent, params)
        end
        return orig_request(self, method, params, handler, bufnr)
      end
      se_lsp.last_outcome = nil
      if o.via == "code_action" then
        -- The "Optimize selection" code action for the selection, picked in the menu.
        local offered = {}
        vim.ui.select = function(items, opts, on_choice)
          local format = opts.format_item or tostring
          for i, item in ipairs(items) do
            local title = format(item)
            table.insert(offered, title)
            if title:find("^Optimize selection") then
              return on_choice(item, i)
            end
          end
          return on_choice(nil, nil)
        end
        vim.lsp.buf.code_action({
          range = { start = { o.start[1] + 1, o.start[2] }, ["end"] = { o["end"][1] + 1, o["end"][2] } },
        })
        rec.actions_offered = offered
      else
        vim.cmd("'<,'>SeLspOptimize")
      end
      if o.wait_outcome then
        vim.wait(o.wait_ms or timeout, function()
          return se_lsp.last_outcome ~= nil
        end, 50)
      end
      client.request = orig_request
      rec.optimize_sent = sent
      rec.outcome = se_lsp.last_outcome
      -- The same selection in the other encodings, through the plugin's converter.
      local s = vim.api.nvim_buf_get_mark(buf, "<")
      local e = vim.api.nvim_buf_get_mark(buf, ">")
      rec.selection = {}
      for _, enc in ipairs({ "utf-8", "utf-16", "utf-32" }) do
        rec.selection[enc] = se_lsp.selection_range(buf, s[1], e[1], enc, true)
      end
      rec.linewise = se_lsp.selection_range(buf, s[1], e[1], "utf-16", false)
      if o.wait_source then
        local seen = vim.wait(o.wait_ms or timeout, function()
          for _, d in ipairs(vim.diagnostic.get(buf)) do
            if d.source == o.wait_source then
              return true
            end
          end
          return false
        end, 50)
        event(spec.name .. (seen and ": agent diagnostic" or ": no agent diagnostic"))
      end
      if o.wait_source or o.wait_outcome then
        vim.wait(o.wait_ms or timeout, function()
          return se_lsp.last_outcome ~= nil
        end, 50)
        rec.outcome = se_lsp.last_outcome
        rec.diagnostics_after_optimize = diags(buf)
      end
    end
  end

  if plan.settle_ms then
    vim.wait(plan.settle_ms, function()
      return false
    end, 50)
  end
  result.messages = vim.fn.execute("messages")

  if plan.health then
    vim.cmd("checkhealth se_lsp")
    result.health = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  end
end

local ok, err = xpcall(run, debug.traceback)
if not ok then
  result.error = tostring(err)
end
write_result()
for _, client in ipairs(vim.lsp.get_clients()) do
  client:stop(true)
end
vim.cmd("qa!")
