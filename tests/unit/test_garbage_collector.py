"""The ingest pauses cyclic garbage collection, and resumes it with nothing to scan."""

import gc

from rnd_ledger.ingest_command import cyclic_collector_paused


def test_what_the_run_made_is_frozen_before_collection_resumes() -> None:
    with cyclic_collector_paused():
        assert not gc.isenabled()
        made = [[n] for n in range(10_000)]  # containers the collector tracks
    assert gc.isenabled()
    # None of them is in a generation the collector scans (they are frozen):
    # the first collection would otherwise scan every one.
    made_ids = {id(item) for item in made}
    assert not any(id(tracked) in made_ids for tracked in gc.get_objects())
