"""The one place trained artefacts are written and read, with a fingerprinted manifest.

`supportbot train` writes into a fresh temporary folder and swaps it in whole, so a crash
mid-training never leaves a half-written model that loads. The manifest records
fingerprints of the data and of the pipeline settings; a model that no longer matches
them is stale and the server says so instead of answering with old knowledge.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bot.errors import ModelNotReadyError

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


def fingerprint_files(paths: Iterable[Path], root: Path | None = None) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        name = str(path.relative_to(root)) if root else path.name
        digest.update(name.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def data_files(*folders: Path) -> list[Path]:
    files: list[Path] = []
    for folder in folders:
        if folder.is_file():
            files.append(folder)
        elif folder.is_dir():
            files += [p for p in folder.rglob("*") if p.is_file() and p.suffix in {
                ".yml", ".yaml", ".csv", ".in", ""}]
    return files


class ModelStore:
    def __init__(self, directory: Path | str):
        self.directory = Path(directory)

    def write(self, writer: Callable[[Path], None], manifest: dict[str, Any]) -> None:
        self.directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".training-", dir=self.directory.parent))
        try:
            writer(staging)
            manifest = {"format_version": FORMAT_VERSION, "created": time.time(), **manifest}
            (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
            previous = self.directory.with_name(self.directory.name + ".previous")
            if self.directory.exists():
                shutil.rmtree(previous, ignore_errors=True)
                self.directory.rename(previous)
            staging.rename(self.directory)
            shutil.rmtree(previous, ignore_errors=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def manifest(self) -> dict[str, Any]:
        path = self.directory / MANIFEST
        if not path.exists():
            raise ModelNotReadyError(
                f"No trained model in {self.directory}. Run `supportbot train` first."
            )
        try:
            manifest: dict[str, Any] = json.loads(path.read_text())
        except json.JSONDecodeError:
            raise ModelNotReadyError(
                f"{path} is damaged. Run `supportbot train` to rebuild the model."
            ) from None
        if manifest.get("format_version") != FORMAT_VERSION:
            raise ModelNotReadyError(
                f"The model in {self.directory} was written by another version. "
                "Run `supportbot train`."
            )
        return manifest

    def check_fresh(self, fingerprints: dict[str, str]) -> dict[str, Any]:
        manifest = self.manifest()
        stored = manifest.get("fingerprints", {})
        changed = [name for name, value in fingerprints.items() if stored.get(name) != value]
        if changed:
            raise ModelNotReadyError(
                f"The model in {self.directory} is stale: {', '.join(changed)} changed since "
                "it was trained. Run `supportbot train`."
            )
        return manifest
