"""Load the facts up to a cut: checkpoint (if usable) + newly decoded records."""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from projections import checkpoint
from projections.errors import ProjectionError
from projections.facts import Facts, decode_chunk
from projections.source import (
    Store,
    max_position,
    open_store,
    prefetched,
    record_at,
    record_times,
    records,
)
from store.drivers import first_line


@dataclass(frozen=True)
class Cut:
    """Which records count: positions ≤ upto (all of them if None)."""

    upto: int | None = None


def parse_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ProjectionError(
            f"--as-of {text!r} is not a timestamp: use e.g. 2026-11-24T10:00:00+00:00"
        ) from None
    if moment.tzinfo is None:
        raise ProjectionError(f"--as-of {text!r} needs a UTC offset, e.g. 2026-11-24T10:00:00Z")
    return moment.astimezone(UTC)


def cut_for(store: Store, as_of: str | None, position: int | None) -> Cut:
    if as_of is not None and position is not None:
        raise ProjectionError("give --as-of or --position, not both")
    if position is not None:
        if position < 0:
            raise ProjectionError(f"--position {position} must be 0 or more")
        return Cut(position)
    if as_of is None:
        return Cut()
    return Cut(prefix_recorded_by(store, parse_time(as_of)))


def prefix_recorded_by(store: Store, moment: datetime) -> int:
    """The last position N such that every record at positions ≤ N was
    recorded at or before `moment`: a prefix of the log, so the figures are
    those of `--position N` and the chain head over N proves them. Concurrent
    writers may record a little out of time order; a record after `moment`
    then ends the prefix, and records after it wait for a later --as-of."""
    times = record_times(store).with_columns(
        at=pl.col("recorded_at").str.to_datetime(
            "%Y-%m-%dT%H:%M:%S%.f%:z", time_zone="UTC", time_unit="us"
        )  # Python's isoformat drops ".000000", so the fraction is optional
    )
    later = times.filter(pl.col("at") > moment)
    if later.height:
        return int(later["position"].min()) - 1  # type: ignore[arg-type]
    return int(times["position"].max() or 0)  # type: ignore[arg-type]


def decoded(chunk: pl.DataFrame) -> Facts:
    """A chunk of stored records as fact tables; a record that is not the JSON
    the ledger wrote means the store was altered, which `verify` pins down."""
    try:
        return decode_chunk(chunk)
    except pl.exceptions.PolarsError as error:  # e.g. text where a number was, a bad date
        raise ProjectionError(
            f"a stored record cannot be read ({first_line(error)}); the store may have been "
            "altered: run rnd-ledger verify to find it"
        ) from None


def load_facts(
    url: str,
    as_of: str | None = None,
    position: int | None = None,
    checkpoint_dir: str | Path | None = None,
    use_checkpoint: bool = True,
) -> Facts:
    store = open_store(url)
    cut = cut_for(store, as_of, position)
    directory = Path(checkpoint_dir) if checkpoint_dir else checkpoint.default_dir(store)
    facts, manifest = Facts(), None
    if use_checkpoint:
        manifest = checkpoint.read_manifest(directory)
        if manifest and not usable(store, manifest, cut):
            manifest = None
        loaded = checkpoint.load(directory, manifest) if manifest else None
        if loaded is None:
            manifest = None
        else:
            facts = loaded
    after = facts.position
    added = Facts()
    for chunk in prefetched(records(store, after, cut.upto)):
        added.add(decoded(chunk))
    if added.position:
        for event_type, frame in added.frames.items():
            facts.frames[event_type] = (
                pl.concat([facts.frames[event_type], frame])
                if event_type in facts.frames
                else frame
            )
        facts.rejections += added.rejections
        facts.position, facts.recorded_at = added.position, added.recorded_at
        if use_checkpoint:
            checkpoint.save(directory, manifest, facts, added.frames, after)
    return facts


def usable(store: Store, manifest: checkpoint.Manifest, cut: Cut) -> bool:
    if cut.upto is not None and cut.upto < manifest.position:
        return False
    if manifest.position == 0:
        return True
    if max_position(store) < manifest.position:
        return False
    return record_at(store, manifest.position) == manifest.recorded_at
