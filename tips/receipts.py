"""Receipt codes: shown to the tipper once, stored only as a slow salted hash.

A code is 16 symbols from a 32-symbol alphabet without look-alikes (no 0/O, 1/I), i.e. exactly
80 bits from ``secrets``, shown grouped as ``K7QF-2M9D-XR4T-PB6N``.

Finding the tip for a code: argon2id hashes are salted, so they cannot be searched. Each tip also
stores ``lookup`` = the first 16 bits of SHA-256 over the code (domain-separated). Lookup reads
the few rows sharing that prefix (about n/65536 of all tips) and verifies each with argon2. The
prefix leaves 64 bits unknown, so it does not help brute force; it is deliberately *not* keyed
with the server secret so receipts keep working if the secret is rotated or was never configured
(then it is random per process). ``tips.service.find_by_receipt`` answers every wrong code after
the same fixed delay, so timing does not reveal whether any tip matches the prefix.

What that costs is a ``ReceiptCost``: production's by default; tests hand a cheaper one to
``TipsRuntime`` and assert production's only where it is the point (tests/tips/test_domain.py).
"""
from __future__ import annotations

import hashlib
import secrets
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from argon2 import PasswordHasher

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols: 5 bits each
CODE_LENGTH = 16  # 16 × 5 = 80 bits
GROUP = 4
LOOKUP_HEX_CHARS = 4  # 16 bits



@dataclass(frozen=True, slots=True)
class ReceiptCost:
    """What a receipt code costs: argon2id's parameters for hashing one, and the fixed delay after
    which every wrong code is refused (above one argon2 check, so timing tells nothing).

    The defaults are production's: argon2id with t=3, m=64 MiB, p=4 (RFC 9106's low-memory
    profile, argon2-cffi's default; 0.1–0.3 s of CPU here) and 0.6 s.
    """

    argon2_time_cost: int = 3
    argon2_memory_kib: int = 64 * 1024
    argon2_parallelism: int = 4
    refusal_s: float = 0.6


PRODUCTION_COST = ReceiptCost()


@cache
def _hasher(cost: ReceiptCost) -> PasswordHasher:
    # argon2-cffi (with cffi) is imported by the first receipt hashed or checked, not by every process at
    # start (issue 14, point 7).
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=cost.argon2_time_cost, memory_cost=cost.argon2_memory_kib,
                          parallelism=cost.argon2_parallelism)


class ReceiptInvalid(ValueError):
    """The code is malformed or matches no tip; deliberately the same error for both."""


def new_code() -> str:
    """Return a fresh grouped receipt code with 80 bits of entropy."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return format_code(raw)


def format_code(raw: str) -> str:
    return "-".join(raw[i : i + GROUP] for i in range(0, len(raw), GROUP))


def normalize(code: str) -> str:
    """Canonical form: full-width folded, upper case, separators dropped; raise ReceiptInvalid if malformed."""
    folded = unicodedata.normalize("NFKC", code or "").upper()
    raw = "".join(ch for ch in folded if ch not in " -_—–·.\t\r\n")
    if len(raw) != CODE_LENGTH or any(ch not in ALPHABET for ch in raw):
        raise ReceiptInvalid()
    return raw


def lookup_key(code: str) -> str:
    raw = normalize(code)
    return hashlib.sha256(b"ankang-tip-receipt:" + raw.encode()).hexdigest()[:LOOKUP_HEX_CHARS]


def hash_code(code: str, cost: ReceiptCost = PRODUCTION_COST) -> str:
    """Slow salted argon2id hash of the normalised code (CPU-heavy: call in a thread)."""
    return _hasher(cost).hash(normalize(code))


def verify(stored_hash: str, code: str) -> bool:
    """True if ``code`` is the one ``stored_hash`` was made from (at the cost recorded in the hash)."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        return _hasher(PRODUCTION_COST).verify(stored_hash, normalize(code))
    except (VerifyMismatchError, VerificationError, InvalidHashError, ReceiptInvalid):
        return False
