"""Calls to other systems that must neither be lost nor block a turn: the on-call page when
a P1 waits with nobody to take it, and the exchange's "freeze withdrawals" (webhooks,
paging, freeze, runtime)."""
