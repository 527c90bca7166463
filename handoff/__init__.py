"""The human side: agent accounts, the prioritized queue, routing/SLA, the handoff packet."""
