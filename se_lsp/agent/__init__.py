"""The LLM agent: definitions, prompt building, reply parsing, the client and the runner."""
