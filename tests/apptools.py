"""Helpers shared by the AppTest files: read the numbers a page shows (data frames and metrics)."""
from __future__ import annotations

import math


def numbers(at) -> list[float]:
    """Every finite number the page shows in a data frame or a metric."""
    out = []
    for df in at.dataframe:
        for col in df.value.columns:
            out += [float(v) for v in df.value[col].tolist()
                    if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)]
    for m in at.metric:
        try:
            out.append(float(m.value))
        except ValueError:
            pass
    return out


def shows(at, value: float, rel: float = 5e-9) -> bool:
    """The page shows `value` (to a relative 5e-9: a 9-digit display) somewhere."""
    return any(abs(x - value) <= rel * max(1.0, abs(value)) for x in numbers(at))
