"""Template filters for the scoping memo."""

from __future__ import annotations

import re

from django import template

register = template.Library()

ZERO_WIDTH_SPACE = "\u200b"
# WeasyPrint's cost of breaking inside one unbroken token grows about quadratically with its length (a 100 KB
# token took over a minute), so long runs get break opportunities every RUN characters before layout.
RUN = 60
_LONG_RUN = re.compile(rf"\S{{{RUN + 1},}}")


def break_long_tokens(text: str) -> str:
    """Insert a zero-width space every RUN characters into runs of more than RUN non-space characters."""
    return _LONG_RUN.sub(
        lambda match: ZERO_WIDTH_SPACE.join(match[0][i : i + RUN] for i in range(0, len(match[0]), RUN)), text
    )


@register.filter
def breaklong(value: object) -> str:
    """`{{ answer|breaklong }}`: the text with break opportunities; still auto-escaped like any other value."""
    return "" if value is None else break_long_tokens(str(value))
