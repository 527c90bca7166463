"""The conversation record: conversations, messages, deliveries, the inbox of push
channels, and seed words held between two messages. The only package that touches
their tables (tests/test_architecture.py)."""
