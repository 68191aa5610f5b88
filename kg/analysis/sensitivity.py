"""How sure is a rank: each weight moved by ±20 %, one at a time, and the best and worst rank
each product reaches.

A recommendation that stays in place when any single weight moves is robust; one that
jumps from 3rd to 15th rests on a choice of weights the planner should look at.

>>> import pandas as pd
>>> components = pd.DataFrame({"feedstock_readiness": [1.0, 0.0], "demand_pull": [0.0, 0.5]},
...                           index=["a", "b"])
>>> rank_ranges(components, {"feedstock_readiness": 0.5, "demand_pull": 0.5}, ["a", "b"])
{'a': (1, 1), 'b': (2, 2)}
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import pandas as pd

STEP = 0.2
"""How far each weight moves: to (1 − STEP) and (1 + STEP) times its value."""


def _ranks(components: pd.DataFrame, weights: Mapping[str, float], factor: pd.Series | None) -> pd.Series:
    names = [n for n in components.columns if n in weights]
    vector = [weights[n] for n in names]
    total = sum(vector)
    score = pd.Series(components[names].to_numpy(dtype=float) @ vector / total if total > 0 else 0.0,
                      index=components.index, dtype=float)
    if factor is not None:
        score = score * factor.reindex(score.index).fillna(1.0)
    return score.round(6).rank(method="min", ascending=False).astype(int)


def rank_ranges(components: pd.DataFrame, weights: Mapping[str, float], ids: Iterable[str],
                factor_of: Callable[[Mapping[str, float]], pd.Series] | None = None,
                step: float = STEP) -> dict[str, tuple[int, int]]:
    """(best, worst) rank of each of ``ids`` among the rows of ``components`` (one list's
    products) when each weight of ``weights`` moves to (1 ± ``step``) of its value, the
    others kept; the unmoved rank is included. ``factor_of(weights)`` gives a factor per
    product that multiplies the score (the chain-kind weight), so weights that act through
    it move too."""
    ids = [i for i in ids if i in components.index]

    def ranks(w: Mapping[str, float]) -> pd.Series:
        return _ranks(components, w, factor_of(w) if factor_of else None)

    base = ranks(weights)
    best = {i: int(base[i]) for i in ids}
    worst = dict(best)
    for name in weights:
        for scale in (1 - step, 1 + step):
            moved = ranks({**weights, name: weights[name] * scale})
            for i in ids:
                best[i] = min(best[i], int(moved[i]))
                worst[i] = max(worst[i], int(moved[i]))
    return {i: (best[i], worst[i]) for i in ids}
