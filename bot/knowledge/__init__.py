"""Readers for the bot's knowledge files: NLU examples, FAQ entries and replies.

Each reader checks its file against the format in docs/knowledge.md and raises
DataFileError naming the file, the line and the fix.
"""
