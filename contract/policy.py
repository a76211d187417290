"""Who may emit what: the authorization policy, loaded from a TOML data file."""

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from contract.payloads import PAYLOAD_TYPES
from contract.validation import ContractViolation

DEFAULT_POLICY_FILE = Path(__file__).with_name("authorization.toml")
POLICY_ENV = "RND_LEDGER_POLICY"  # named in authorization.toml as the --policy default
SELF = "self"
RETRACTED = "retracted"


class PolicyError(Exception):
    """The policy file cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class AuthorizationPolicy:
    emitters: dict[str, frozenset[str]]

    def check(self, event_type: str, source: str, subject_id: str) -> None:
        """Check (7): raise unauthorized_source unless `source` may emit this."""
        allowed = self.emitters[event_type]
        if source in allowed or RETRACTED in allowed:
            return
        if SELF in allowed and source == subject_id:
            return
        raise ContractViolation(
            "unauthorized_source",
            f"source: may not emit {event_type} for this subject",
        )

    @property
    def agencies(self) -> list[str]:
        """The source codes the policy names (NRF, MSIT, ...), without self/retracted."""
        return sorted(set().union(*self.emitters.values()) - {SELF, RETRACTED})

    def owner_warning(self, agency: str, given_as: str) -> str | None:
        """A warning when --source or --topic-owner names no agency of the policy.

        Not an error: an institution or institute may be the source of its
        own reports (`self`). But a typo such as `nrf` would otherwise reject
        every message of the input as unauthorized_source, quietly."""
        if agency in self.agencies:
            return None
        close = [known for known in self.agencies if known.casefold() == agency.casefold()]
        hint = f"; did you mean {close[0]}?" if close else "."
        return (
            f"warning: {given_as}: {agency!r} is none of the policy's agencies "
            f"({', '.join(self.agencies)}){hint} Only messages whose source is exactly "
            f"{agency!r} (an institution's or institute's own id) will be accepted."
        )


def load_policy(path: Path | str | None = None) -> AuthorizationPolicy:
    """Read and check a policy file; without `path`, env RND_LEDGER_POLICY, else
    the shipped default."""
    path = Path(path or os.environ.get(POLICY_ENV) or DEFAULT_POLICY_FILE)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PolicyError(f"cannot read policy file {path}: {error.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise PolicyError(f"policy file {path} is not valid TOML: {error}") from None
    emitters = document.get("emitters")
    if not isinstance(emitters, dict):
        raise PolicyError(f"policy file {path} needs an [emitters] table")
    unknown = sorted(set(emitters) - set(PAYLOAD_TYPES))
    missing = sorted(set(PAYLOAD_TYPES) - set(emitters))
    if unknown:
        raise PolicyError(f"policy file {path}: unknown event types {', '.join(unknown)}")
    if missing:
        raise PolicyError(f"policy file {path}: no emitters for {', '.join(missing)}")
    for event_type, sources in emitters.items():
        if not isinstance(sources, list) or not all(isinstance(s, str) and s for s in sources):
            raise PolicyError(f"policy file {path}: {event_type} must be a list of source codes")
        if RETRACTED in sources and event_type != "EventRetracted":
            # `check` lets "retracted" pass any source: the retraction's own rule
            # (the retracted event's source) is checked by the ledger. Elsewhere
            # nothing would check it, and every source could emit the type.
            raise PolicyError(
                f'policy file {path}: {event_type}: "{RETRACTED}" is for EventRetracted only '
                '(it means the source of the retracted event); name source codes or "self"'
            )
    return AuthorizationPolicy({k: frozenset(v) for k, v in emitters.items()})
