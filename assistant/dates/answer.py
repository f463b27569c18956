"""What a typed date means."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

Grain = Literal["day", "week", "month"]


@dataclass(frozen=True)
class DateAnswer:
    """What a typed date means. `value` is None when it was not understood."""

    value: date | None
    approximate: bool = False
    grain: Grain = "day"
    in_future: bool = False
    certain: bool = True


NOT_UNDERSTOOD = DateAnswer(None, approximate=False, grain="day", in_future=False, certain=False)
