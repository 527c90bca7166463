"""Errors that reach an operator. Each one says what went wrong and what to do next."""

from __future__ import annotations

from pathlib import Path


class SupportbotError(Exception):
    """Base class: the message is meant to be printed as-is to the operator."""


class ConfigError(SupportbotError):
    """config.yml is missing, malformed, or holds a key or value that is not allowed."""


class DataFileError(SupportbotError):
    """A training, FAQ or reply file is malformed. Names the file, the line and the fix."""

    def __init__(self, path: Path | str, problem: str, fix: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        self.problem = problem
        self.fix = fix
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {problem}. {fix}")


class ModelNotReadyError(SupportbotError):
    """No trained model, or one trained on other data or settings than the current ones."""
