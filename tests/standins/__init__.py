"""Local stand-ins for the outside services the chat doors talk to (Slack now, Teams later)."""
