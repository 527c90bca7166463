"""supportbot: a multilingual support assistant for a cryptocurrency exchange."""

__version__ = "0.1.0"
