"""Checking a checkpoint against the history it stands for (run by `verify`).

A checkpoint is a cache outside the hash chain: figures computed from it are
only as good as its files, and anyone who can write them can change a figure
while the chain head it states still verifies. So `verify` recomputes the
fact tables from the history up to the checkpoint's position, the way
`--no-checkpoint` does, and compares them with the checkpoint's.
"""

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from projections import checkpoint
from projections.engine import Cut, load_facts, usable
from projections.source import open_store


@dataclass(frozen=True)
class CheckpointCheck:
    """What `verify` found in a checkpoint directory."""

    directory: Path
    position: int | None  # None: no checkpoint there that a run would use
    differing: list[str]  # event types (and "rejections") whose tables disagree

    @property
    def ok(self) -> bool:
        return not self.differing


def check_checkpoint(url: str, directory: str | Path | None = None) -> CheckpointCheck:
    """The checkpoint the figures would be computed from, checked against the
    history. One that a run would not use (none, another format, unreadable,
    behind a changed store) is not checked: the next run rebuilds it."""
    store = open_store(url)
    folder = Path(directory) if directory else checkpoint.default_dir(store)
    manifest = checkpoint.read_manifest(folder)
    kept = None
    if manifest is not None and usable(store, manifest, Cut()):
        kept = checkpoint.load(folder, manifest)
    if manifest is None or kept is None:
        return CheckpointCheck(folder, None, [])
    fresh = load_facts(url, position=manifest.position, use_checkpoint=False)
    differing = [
        event_type
        for event_type in sorted(kept.frames.keys() | fresh.frames.keys())
        if not same_table(kept.frames.get(event_type), fresh.frames.get(event_type))
    ]
    if kept.rejections != fresh.rejections:
        differing.append("rejections")
    return CheckpointCheck(folder, manifest.position, differing)


def same_table(kept: pl.DataFrame | None, fresh: pl.DataFrame | None) -> bool:
    """Equal tables; an absent one equals an empty one (no facts of that type)."""
    if kept is None or fresh is None:
        return (kept is None or kept.is_empty()) and (fresh is None or fresh.is_empty())
    return kept.schema == fresh.schema and kept.equals(fresh)
