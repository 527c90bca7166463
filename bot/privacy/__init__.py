"""A trader's data on request and over time: find it (`subject`), erase it (`erasure`),
export it (`export`), and erase what is older than the retention period (`retention`).

It owns no table: each package erases and reads out its own records (bot.conversations,
handoff, bot.attachments, bot.identity, bot.ops), and bot.storage.scrub makes sure the
erased text is gone from the database file too. Nothing here prints or logs user text."""
