-- :checkhealth se_lsp: is the server there, which version, and can the agent endpoint be reached.

local M = {}

local health = vim.health
local uv = vim.uv or vim.loop

local TIMEOUT_MS = 2000

--- host, port, path and scheme of an http(s) URL; nil when it is not one.
local function parse_url(url)
  local scheme, rest = url:match("^(https?)://(.*)$")
  if scheme == nil then
    return nil
  end
  local hostport, path = rest:match("^([^/]*)(.*)$")
  local host, port = hostport:match("^%[(.+)%]:?(%d*)$")
  if host == nil then
    host, port = hostport:match("^([^:]+):?(%d*)$")
  end
  if host == nil then
    return nil
  end
  if port == nil or port == "" then
    port = scheme == "https" and "443" or "80"
  end
  return { scheme = scheme, host = host, port = tonumber(port), path = path }
end

--- Connect to the endpoint and, for plain http, GET <path>/models. Returns ok, message.
-- Uses libuv directly so it needs no curl and never waits longer than TIMEOUT_MS.
function M.probe(base_url)
  local url = parse_url(base_url)
  if url == nil then
    return false, "not an http(s) URL: " .. base_url
  end
  local addrs = uv.getaddrinfo(url.host, tostring(url.port), { socktype = "stream" })
  if addrs == nil or addrs[1] == nil then
    return false, "cannot resolve " .. url.host
  end
  local tcp = uv.new_tcp()
  local state = { done = false }
  local function finish(ok, msg)
    if not state.done then
      state.done, state.ok, state.msg = true, ok, msg
    end
  end
  tcp:connect(addrs[1].addr, url.port, function(err)
    if err then
      return finish(false, ("cannot connect to %s:%d (%s)"):format(url.host, url.port, err))
    end
    if url.scheme == "https" then
      return finish(true, ("TCP connection to %s:%d works (TLS not checked)"):format(url.host, url.port))
    end
    local path = url.path:gsub("/$", "") .. "/models"
    tcp:write(("GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n\r\n"):format(path, url.host))
    local buf = ""
    tcp:read_start(function(rerr, chunk)
      if rerr then
        return finish(false, "read failed: " .. rerr)
      end
      buf = buf .. (chunk or "")
      local status = buf:match("^HTTP/%d[%.%d]* (%d%d%d)")
      if status then
        return finish(true, ("GET %s answered HTTP %s"):format(path, status))
      elseif chunk == nil then
        return finish(false, "connection closed without an HTTP answer")
      end
    end)
  end)
  vim.wait(TIMEOUT_MS, function()
    return state.done
  end, 20)
  if not tcp:is_closing() then
    tcp:close()
  end
  if not state.done then
    return false, ("no answer from %s:%d within %d ms"):format(url.host, url.port, TIMEOUT_MS)
  end
  return state.ok, state.msg
end

local function agent_base_url(cfg)
  local settings = cfg.settings or {}
  if settings.seLsp ~= nil then
    settings = settings.seLsp
  end
  local agent = settings.agent or {}
  if agent.baseUrl ~= nil and agent.baseUrl ~= vim.NIL then
    return agent.baseUrl, "settings.agent.baseUrl"
  end
  local env = vim.env.OPENAI_BASE_URL
  if env ~= nil and env ~= "" then
    return env, "$OPENAI_BASE_URL"
  end
  return nil, nil
end

function M.check()
  local se_lsp = require("se_lsp")
  local cfg = se_lsp.config
  health.start("se-lsp: server")
  if cfg == nil then
    health.warn("require('se_lsp').setup() has not been called; using the defaults")
    cfg = vim.deepcopy(se_lsp.defaults)
  end

  local exe = vim.fn.exepath(cfg.cmd[1])
  if exe == "" then
    health.error(
      ("server command '%s' not found on PATH"):format(cfg.cmd[1]),
      {
        "se-lsp is not on PyPI: in a checkout of se-lsp run `pipx install .` (or `uv tool install .`),"
          .. " which puts se-lsp in ~/.local/bin",
        "or pass cmd = { '/path/to/se-lsp' } to setup()",
      }
    )
  else
    health.ok(("server command: %s"):format(exe))
    local argv = vim.list_extend(vim.deepcopy(cfg.cmd), { "--version" })
    local ok, res = pcall(function()
      return vim.system(argv, { text = true }):wait(10000)
    end)
    if ok and res.code == 0 then
      health.ok("version: " .. vim.trim(res.stdout ~= "" and res.stdout or res.stderr))
    else
      local why = ok and ((res.stderr or "") .. " (exit " .. tostring(res.code) .. ")") or tostring(res)
      health.error("`" .. table.concat(argv, " ") .. "` failed: " .. vim.trim(why))
    end
  end

  local clients = vim.lsp.get_clients({ name = se_lsp.name })
  if #clients > 0 then
    for _, client in ipairs(clients) do
      health.info(("running: client %d, position encoding %s, root %s"):format(
        client.id,
        client.offset_encoding,
        client.root_dir or "(none)"
      ))
    end
  else
    health.info("no se-lsp client is running (open a Rust, C, C++ or Go file)")
  end

  health.start("se-lsp: agent endpoint")
  local base_url, source = agent_base_url(cfg)
  if base_url == nil then
    health.info("no agent endpoint configured (settings.agent.baseUrl or $OPENAI_BASE_URL): skipped")
    return
  end
  local ok, msg = M.probe(base_url)
  if ok then
    health.ok(("%s = %s: %s"):format(source, base_url, msg))
  else
    health.warn(("%s = %s: %s"):format(source, base_url, msg), {
      "start the model server, or fix the URL (it should end before /models, e.g. http://127.0.0.1:8080/v1)",
    })
  end
end

return M
