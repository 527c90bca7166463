"""Conversation state, the dialogue policy (pure) and the engine that runs a turn."""
