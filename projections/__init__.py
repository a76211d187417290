"""Projections: stored events → typed fact tables (Polars) → indicators.

`compute(store_url, *, as_of=None, position=None, parameters_path=None,
checkpoint_dir=None, use_checkpoint=True)` returns the JSON of indicators.md
plus extra keys for the HTML report:

    {
      "as_of": {"position": int, "recorded_at": str | None, "chain_head": hex str},
      "parameters": {...},                      # what was used (file, defaults, targets)
      "indicators": [{"id", "year", "value", ["numerator", "denominator"]}],
      "targets": [{"id", "target", "target_year", "latest_year", "latest_value",
                   "gap", "forecast", "status"}],
      "breakdowns": [{"id", "by", "key", "year", "value", ["numerator", "denominator"]}],
      # extras (not printed by `rnd-ledger indicators --format json`):
      "findings": [{"id": "compliance.*|dq.*", "year": int, "count": int,
                    "event_ids": [up to 5 event_ids, sorted]}],   # years with count > 0
      "distributions": [{"id": "institutes.grade", "year", "key": "S".."D", "value": n},
                        {"id": "institutes.program_split", "year",
                         "key": "basic"|"strategic"|"other", "value": krw}],
      "institutes": [{"institute_id", "name_ko", "name_en", "year",
                      "personnel_cost_coverage", "pbs_dependency", "basic_program_share",
                      "grade", "system", "representative_results", "special_hires"}],
      "summary": {"events": accepted facts incl. retractions, "retracted": n,
                  "rejections": n, "sources": [sorted], "synthetic": bool,
                  "first_year": int | None, "last_year": int | None},
    }

Arrays are ordered by id, then year (then by, key). Ratios and means carry
numerator/denominator and are null when the denominator is 0 or missing.
"""

from pathlib import Path
from typing import Any

from audit.seal import stated_head
from projections.engine import load_facts
from projections.errors import ProjectionError
from projections.parameters import load_parameters
from projections.result import SPEC_KEYS, build_result

__all__ = ["SPEC_KEYS", "ProjectionError", "build_result", "compute", "load_facts"]


def compute(
    store_url: str,
    *,
    as_of: str | None = None,
    position: int | None = None,
    parameters_path: str | None = None,
    checkpoint_dir: str | Path | None = None,
    use_checkpoint: bool = True,
) -> dict[str, Any]:
    """Every indicator of indicators.md, from the store at `store_url` (see module doc)."""
    params = load_parameters(parameters_path)
    facts = load_facts(store_url, as_of, position, checkpoint_dir, use_checkpoint)
    result = build_result(facts, params)
    # The proof a figure carries: the hash-chain head of the history it came from
    # (docs/hash-chain.md); `rnd-ledger verify --expect N:HEX` checks it.
    result["as_of"]["chain_head"] = stated_head(store_url, result["as_of"]["position"])
    return result
