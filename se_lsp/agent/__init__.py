"""The LLM agent: definitions, prompt building, reply parsing, the client and the runner.

Only the command names live here: importing the runner pulls in pydantic models and
more, which the server loads after start-up rather than before it can answer.
"""

OPTIMIZE = "se-lsp.optimize"
DISMISS = "se-lsp.dismiss"
CLEAR_CACHE = "se-lsp.clearCache"
SHOW_STATS = "se-lsp.showStats"
# `data.kind` of the Optimize code action (it runs a command: nothing to resolve).
AGENT_ACTION = "agent.optimize"
