"""Agent two-factor sign-in: TOTP (RFC 6238) enrolment and checks, one-time recovery codes.

A password login makes a session that may only enrol, verify or log out
(bot.server.auth.current_session refuses it everywhere else with 403
`second_factor_required`). The TOTP secret is sealed at rest with the server's persistent
key (server_key.py); recovery codes are stored as keyed hashes only (codes.py). The
records themselves belong with the agent accounts: handoff/second_factor.py.
"""
