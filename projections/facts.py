"""Typed fact tables: one Polars frame per event type, decoded from stored state.

`decode_chunk` turns a chunk of stored records (position, topic, state) into
typed frames with `str.json_decode(dtype)` and an explicit Struct dtype per
event type. `Facts` holds every accepted fact (retracted ones and the
retractions included — that is what the checkpoint keeps); `Facts.effective`
drops retracted events and the retractions themselves, and `latest` applies
latest-report-wins.
"""

from dataclasses import dataclass, field

import msgspec
import polars as pl

from contract.payloads import PAYLOAD_TYPES
from domain.history import (
    FACT_TOPICS,
    KNOWN_TOPICS,
    REJECTION_TOPIC,
    UnreadableRecord,
)

S, I64, F64, B, D = pl.String, pl.Int64, pl.Float64, pl.Boolean, pl.Date
# Money: the contract allows up to 10^16 KRW per field, so a sum of a
# thousand such wraps round in 64 bits (silently, to a wrong or negative
# figure); every sum of money is made in 128 bits.
KRW = pl.Int128

ENVELOPE = {
    "event_id": S,
    "source": S,
    "subject_id": S,
    "occurred_at_utc": S,
}

# Payload fields per event type (dates decode as strings and are parsed to Date).
PAYLOADS: dict[str, dict[str, pl.DataType]] = {
    "ResearcherRegistered": {
        "institution_id": S,
        "position": S,
        "first_appointed_on": D,
        "field": S,
    },
    "ResearcherPositionChanged": {"institution_id": S, "position": S, "effective_on": D},
    "ResearcherDeparted": {"effective_on": D},
    "FacultyCensusReported": {
        "year": I64,
        "full_time": I64,
        "non_full_time": I64,
        "early_career_full_time": I64,
    },
    "GrantAwarded": {
        "researcher_id": S,
        "institution_id": S,
        "program": S,
        "field": S,
        "start_on": D,
        "end_on": D,
        "annual_amount_krw": KRW,
    },
    "GrantAmended": {"end_on": D, "annual_amount_krw": KRW},
    "GrantFundsDisbursed": {"fiscal_year": I64, "amount_krw": KRW, "disbursed_on": D},
    "GrantTerminated": {"effective_on": D, "reason": S},
    "SelectionEvaluationCompleted": {
        "program": S,
        "submitted_on": D,
        "decided_on": D,
        "reviewer_count": I64,
        "ai_assisted": B,
        "outcome": S,
    },
    "StageEvaluationHeld": {"held_on": D, "result": S},
    "RnDBudgetEnacted": {
        "fiscal_year": I64,
        "total_government_rnd_krw": KRW,
        "basic_research_krw": KRW,
    },
    "BlockFundingAllocated": {"fiscal_year": I64, "amount_krw": KRW, "performance_score": F64},
    "BlockFundingSpent": {"fiscal_year": I64, "category": S, "amount_krw": KRW},
    "AICenterDesignated": {"institution_id": S, "field": S, "designated_on": D},
    "AIResearchersTrained": {"year": I64, "count": I64},
    "InstituteRegistered": {"name_ko": S, "name_en": S},
    "InstituteBudgetReported": {
        "fiscal_year": I64,
        "institutional_contribution_krw": KRW,
        "basic_program_krw": KRW,
        "strategic_program_krw": KRW,
        "project_revenue_krw": KRW,
        "personnel_cost_krw": KRW,
        "personnel_cost_from_contribution_krw": KRW,
    },
    "RepresentativeResultSubmitted": {"evaluation_year": I64, "result_id": S, "mission": S},
    "InstituteEvaluated": {
        "evaluation_year": I64,
        "system": S,
        "grade": S,
        "representative_result_ids": pl.List(S),
    },
    "PerformanceBonusPaid": {
        "fiscal_year": I64,
        "scheme": S,
        "recipients": I64,
        "amount_krw": KRW,
    },
    "SpecialHiringCompleted": {"year": I64, "hires": I64},
    "EventRetracted": {"retracted_event_id": S},
}

EVENT_TYPES = tuple(PAYLOADS)
# Payload fields naming a year (indicators.md "Years"); dates count by their year.
YEAR_FIELDS = ("start_on", "year", "fiscal_year", "evaluation_year", "held_on", "decided_on")
YEAR_FIELDS += ("designated_on",)


# Payload fields renamed in the fact tables (`position` is the ledger position there).
RENAMES = {"position": "kind"}


def columns_of(event_type: str) -> dict[str, pl.DataType]:
    payload = {RENAMES.get(k, k): v for k, v in PAYLOADS[event_type].items()}
    return {"position": I64, **ENVELOPE, **payload}


def empty(event_type: str) -> pl.DataFrame:
    return pl.DataFrame(schema=columns_of(event_type))


def required_columns(event_type: str) -> list[str]:
    """The columns every stored fact of this type has: the envelope's, and
    the payload fields the contract requires (GrantAmended's are optional)."""
    contract = msgspec.structs.fields(PAYLOAD_TYPES[event_type])
    required = {f.name for f in contract if f.required}
    return [*ENVELOPE, *(RENAMES.get(k, k) for k in PAYLOADS[event_type] if k in required)]


REQUIRED = {event_type: required_columns(event_type) for event_type in EVENT_TYPES}


def decode_dtype(event_type: str) -> pl.Struct:
    payload = {k: (S if v == D else v) for k, v in PAYLOADS[event_type].items()}
    return pl.Struct({**ENVELOPE, "payload": pl.Struct(payload)})


def decode_type(records: pl.DataFrame, event_type: str) -> pl.DataFrame:
    """Records of one event type (position, state) → its typed fact table."""
    payload = PAYLOADS[event_type]
    dates = [name for name, dtype in payload.items() if dtype == D]
    names = [RENAMES.get(name, name) for name in payload]
    frame = (
        records.lazy()
        .select(
            "position",
            pl.col("state").str.json_decode(decode_dtype(event_type)).alias("s"),
        )
        .unnest("s")
        .with_columns(pl.col("payload").struct.rename_fields(names))
        .unnest("payload")
        .with_columns(pl.col(dates).str.to_date("%Y-%m-%d"))
        .select(list(columns_of(event_type)))
        .collect()
    )
    missing = frame.filter(pl.any_horizontal(pl.col(REQUIRED[event_type]).is_null()))
    if missing.height:
        # A fact lacks a field the ledger always writes: the store was altered.
        raise UnreadableRecord(int(missing["position"].min()))  # type: ignore[arg-type]
    return frame


@dataclass
class Chunk:
    """What one chunk of stored records adds."""

    frames: dict[str, pl.DataFrame]
    rejections: int
    last_position: int
    last_recorded_at: str | None


def decode_chunk(records: pl.DataFrame) -> Chunk:
    """A chunk of stored records (position, topic, state) → typed fact frames."""
    last_position, last_recorded_at = 0, None
    if records.height:
        tail = records.sort("position").tail(1)
        last_position = int(tail["position"][0])
        last_recorded_at = tail.select(pl.col("state").str.json_path_match(r"$.timestamp")).item()
    strange = records.filter(~pl.col("topic").is_in(list(KNOWN_TOPICS)).fill_null(False))
    if strange.height:  # a topic the ledger never writes (NULL too): an altered record
        raise UnreadableRecord(int(strange["position"].min()))  # type: ignore[arg-type]
    rejections = records.filter(pl.col("topic") == REJECTION_TOPIC).height
    facts = records.filter(pl.col("topic").is_in(list(FACT_TOPICS))).with_columns(
        event_type=pl.col("topic").str.split(".").list.last()
    )
    frames = {}
    for (event_type,), part in facts.partition_by("event_type", as_dict=True).items():
        frames[str(event_type)] = decode_type(part, str(event_type))
    return Chunk(frames, rejections, last_position, last_recorded_at)


@dataclass
class Facts:
    """Every accepted fact up to a position, one typed frame per event type."""

    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    rejections: int = 0
    position: int = 0
    recorded_at: str | None = None

    def frame(self, event_type: str) -> pl.DataFrame:
        return self.frames.get(event_type, empty(event_type))

    def add(self, chunk: Chunk) -> None:
        for event_type, frame in chunk.frames.items():
            if event_type in self.frames:
                self.frames[event_type] = pl.concat([self.frames[event_type], frame])
            else:
                self.frames[event_type] = frame
        self.rejections += chunk.rejections
        if chunk.last_position > self.position:
            self.position, self.recorded_at = chunk.last_position, chunk.last_recorded_at

    def retracted_ids(self) -> pl.Series:
        return self.frame("EventRetracted")["retracted_event_id"].unique()

    def effective(self) -> dict[str, pl.DataFrame]:
        """Every event type's facts less retracted events; no retractions."""
        retracted = self.retracted_ids()
        result = {}
        for event_type in EVENT_TYPES:
            if event_type == "EventRetracted":
                continue
            frame = self.frame(event_type)
            if retracted.len():
                hit = frame["event_id"].is_in(retracted.implode())
                if hit.any():  # filter (and copy) only the frames a retraction touches
                    frame = frame.filter(~hit)
            result[event_type] = frame  # appended in position order
        return result


# occurred_at_utc as text that sorts as instants: nine fraction digits, the
# six that records stored before nanoseconds were kept padded with zeros.
SORTABLE_UTC = pl.col("occurred_at_utc").str.replace(r"^(.{19}\.\d{6})Z$", "${1}000Z")


def latest(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Latest report wins: greatest occurred_at (as an instant), then position."""
    return (
        frame.sort([SORTABLE_UTC, "position"]).group_by(keys, maintain_order=True).last().sort(keys)
    )
