"""Verified trader identity: which exchange account is behind a conversation.

The exchange vouches for its logged-in traders in two ways: the widget carries a token its
backend signed (tokens), and a Telegram user sends a one-time code their account page
showed (codes, links). service ties them to conversations; view says what agents see."""
