"""The banks that ship with socscope, as `socscope.bank/1` documents (docs/bank-format.md). Pure Python."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BANKS_DIR = Path(__file__).resolve().parent
DEFAULT_BANK_PATH = BANKS_DIR / "default.json"


def shipped_bank_document(path: Path = DEFAULT_BANK_PATH) -> dict[str, Any]:
    """A fresh copy of a shipped bank document (the default bank unless `path` names another)."""
    return json.loads(path.read_text(encoding="utf-8"))
