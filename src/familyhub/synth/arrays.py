"""Small numpy helpers whose stubs are too strict for object columns that hold None."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np

# np.where with None as one branch (object columns where None means "not recorded").
where = cast(Callable[..., np.ndarray], np.where)


def full_like_value(n: int, value: Any, dtype: Any) -> np.ndarray:
    """An array of ``n`` copies of ``value``."""
    return cast(Callable[..., np.ndarray], np.full)(n, value, dtype=dtype)
