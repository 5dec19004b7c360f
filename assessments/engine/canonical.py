"""Canonical JSON and the checksums built on it (docs/bank-format.md)."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_checksum(obj: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical_json(obj).encode("utf-8")).hexdigest()


def bank_checksum(doc: dict[str, Any]) -> str:
    return sha256_checksum(doc)
