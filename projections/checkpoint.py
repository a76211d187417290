"""Incremental runs: the fact tables kept as Parquet with the last position.

Layout of a checkpoint directory:
  manifest.json                      format, position, recorded_at, rejections, parts
  <EventType>-<after>-<upto>.parquet one part per run that added facts of that type

A run loads the parts, then decodes only the records after `position`. The
manifest is replaced atomically after the parts are written, so a crashed
run leaves the previous checkpoint intact. A checkpoint is ignored when its
format differs, when the store no longer holds its last record unchanged
(same recorded_at), or when the run is cut below it.
"""

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import msgspec
import polars as pl

from projections.errors import ProjectionError
from projections.facts import ENVELOPE, PAYLOADS, Facts, columns_of
from projections.source import Store

FORMAT = hashlib.sha256(
    ("v1" + repr(ENVELOPE) + repr(sorted(PAYLOADS.items()))).encode()
).hexdigest()[:16]
DIR_ENV = "RND_LEDGER_PROJECTIONS_DIR"
MAX_PARTS = 8


def default_dir(store: Store) -> Path:
    override = os.environ.get(DIR_ENV)
    if override:
        if os.path.exists(override) and not os.path.isdir(override):
            # Else every run would skip the checkpoint without a word.
            raise ProjectionError(f"${DIR_ENV} {override!r} is a file, not a directory")
        return Path(override) / store.key
    if store.kind == "sqlite":
        return Path(store.target + ".projections")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "rnd-ledger" / "projections" / store.key


@dataclass
class Manifest:
    position: int
    recorded_at: str | None
    rejections: int
    parts: dict[str, list[str]]


def read_manifest(directory: Path) -> Manifest | None:
    """The manifest, or None if there is none of this format that reads whole
    (a run then rebuilds from the history): edited by hand, it may lack a key
    or hold the wrong type."""
    try:
        raw = json.loads((directory / "manifest.json").read_text("utf-8"))
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            return None
        return msgspec.convert(raw, Manifest)
    except (OSError, ValueError, msgspec.ValidationError):
        return None


def load(directory: Path, manifest: Manifest) -> Facts | None:
    """The checkpoint's facts, or None (rebuilt from the history) if a part
    does not read, or holds other columns or types than its event type's: a
    part edited by hand stopped every command in a Polars traceback."""
    try:
        frames = {
            event_type: pl.read_parquet([directory / name for name in names])
            for event_type, names in manifest.parts.items()
            if names
        }
    except (OSError, pl.exceptions.PolarsError):
        return None
    for event_type, frame in frames.items():
        if event_type not in PAYLOADS or dict(frame.schema) != columns_of(event_type):
            return None
    return Facts(frames, manifest.rejections, manifest.position, manifest.recorded_at)


def save(
    directory: Path,
    previous: Manifest | None,
    facts: Facts,
    added: dict[str, pl.DataFrame],
    after: int,
) -> None:
    """Write the facts added after `after`, then the manifest naming every part."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        parts = {k: list(v) for k, v in (previous.parts if previous else {}).items()}
        obsolete: list[str] = []
        for event_type, frame in added.items():
            if frame.height == 0:
                continue
            names = parts.setdefault(event_type, [])
            if len(names) >= MAX_PARTS:  # compact: one part with everything so far
                obsolete.extend(names)
                names.clear()
                frame, start = facts.frame(event_type), 0
            else:
                start = after
            name = f"{event_type}-{start}-{facts.position}.parquet"
            partial = directory / f"{name}.{os.getpid()}.tmp"
            frame.write_parquet(partial, compression="lz4", statistics=False)
            partial.replace(directory / name)  # atomic: a concurrent run writes the same bytes
            names.append(name)
        manifest = {
            "format": FORMAT,
            "position": facts.position,
            "recorded_at": facts.recorded_at,
            "rejections": facts.rejections,
            "parts": parts,
        }
        temporary = directory / f"manifest.{os.getpid()}.tmp"
        temporary.write_text(json.dumps(manifest, indent=1), "utf-8")
        temporary.replace(directory / "manifest.json")
        for name in obsolete:
            (directory / name).unlink(missing_ok=True)
    except OSError:
        return  # a checkpoint is an optimisation: never fail a run for it
