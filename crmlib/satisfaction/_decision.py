"""The decision table: which driver to improve first, and what it is expected to bring.

The stated model: (1) overall satisfaction moves by the driver regression's slope for each
point the driver's mean score gains (:func:`key_drivers`' ``coef``; read causally, which is
an assumption); (2) the chance of being a promoter and of being a detractor follow two
logistic models in overall satisfaction and the complaint outcome (:func:`nps_response`);
the NPS gain is the mean change of promoter minus detractor probability over the
respondents when each one's overall score rises by the gain of (1), complaints unchanged.
Leaving the complaints out would credit satisfaction with the NPS gap of the complainers,
who are also the least satisfied.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlib._validation import check_columns, check_int, check_real
from crmlib.satisfaction._loyalty import penalised_logit

__all__ = ["NPSResponse", "driver_decision", "nps_response"]

_PRIORITY = {"concentrate here": 0, "keep up the good work": 1, "low priority": 2, "possible overkill": 3}


def _design(survey: pd.DataFrame, satisfaction: str, complaints: bool, shift: float = 0.0) -> np.ndarray:
    cols = [np.ones(len(survey)), survey[satisfaction].to_numpy(dtype=float) + shift]
    if complaints:
        c = survey["complaint"].astype(bool).to_numpy()
        r = survey["complaint_resolved"].astype(bool).to_numpy()
        cols += [(c & r).astype(float), (c & ~r).astype(float)]
    return np.column_stack(cols)


def _nps_of(x: np.ndarray, promoter: np.ndarray, detractor: np.ndarray) -> float:
    return float(100 * (1 / (1 + np.exp(-x @ promoter)) - 1 / (1 + np.exp(-x @ detractor))).mean())


@dataclass(frozen=True)
class NPSResponse:
    """Two logistic models: P(promoter) and P(detractor) on overall satisfaction (and complaints).

    ``promoter`` and ``detractor`` are the coefficient vectors (constant, satisfaction, and with
    ``complaints`` a resolved and an unresolved complaint); ``draws`` the bootstrap draws of both
    (``n_boot x 2 x p``), empty without a bootstrap.
    """

    promoter: np.ndarray
    detractor: np.ndarray
    satisfaction: str
    complaints: bool
    draws: np.ndarray

    def nps(self, survey: pd.DataFrame, shift: float = 0.0) -> float:
        """The NPS (points) the models predict for these respondents, satisfaction raised by ``shift``."""
        return _nps_of(_design(survey, self.satisfaction, self.complaints, shift), self.promoter, self.detractor)

    def gain(self, survey: pd.DataFrame, shift: float) -> tuple[float, float]:
        """NPS gain (points) of raising every respondent's satisfaction by ``shift``, and its bootstrap SE."""
        x0 = _design(survey, self.satisfaction, self.complaints)
        x1 = _design(survey, self.satisfaction, self.complaints, shift)
        est = _nps_of(x1, self.promoter, self.detractor) - _nps_of(x0, self.promoter, self.detractor)
        if not len(self.draws):
            return est, float("nan")
        sims = [_nps_of(x1, p, d) - _nps_of(x0, p, d) for p, d in self.draws]
        return est, float(np.std(sims, ddof=1))


def nps_response(survey: pd.DataFrame, *, nps_col: str = "nps", satisfaction: str = "overall_satisfaction",
                 complaints: bool = True, n_boot: int = 0, seed: int = 0) -> NPSResponse:
    """Fit P(promoter) and P(detractor) on satisfaction (+ complaint outcome) by logistic regression.

    Both are fitted by :func:`penalised_logit` (a weak prior on the slopes keeps a group
    without promoters — unresolved complaints in a small region — finite).  With ``n_boot``
    the respondents are resampled and both models refitted, for the standard error of
    :meth:`NPSResponse.gain`.
    """
    where = "nps_response"
    check_int(n_boot, "n_boot", where=where, low=0)
    check_int(seed, "seed", where=where, low=0)
    check_columns(survey.columns, [nps_col, satisfaction] + (["complaint", "complaint_resolved"] if complaints else []),
                  where=where)
    d = survey.dropna(subset=[nps_col, satisfaction])
    x = _design(d, satisfaction, complaints)
    y = d[nps_col].to_numpy(dtype=float)

    def fit(xx, yy):
        return (penalised_logit(xx, (yy >= 9).astype(float), where=where)[0],
                penalised_logit(xx, (yy <= 6).astype(float), where=where)[0])

    prom, det = fit(x, y)
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(n_boot):
        i = rng.integers(0, len(y), len(y))
        draws.append(np.array(fit(x[i], y[i])))
    return NPSResponse(np.asarray(prom), np.asarray(det), satisfaction, complaints, np.array(draws))


def driver_decision(drivers: pd.DataFrame, ipm: pd.DataFrame, *, survey: pd.DataFrame | None = None,
                    response: NPSResponse | None = None, step: float = 1.0,
                    scale_max: float | None = None) -> pd.DataFrame:
    """Rank the drivers: quadrant first ("concentrate here" leads), then the expected gain.

    ``drivers`` is :func:`key_drivers`' table (``coef`` per point of the driver score), ``ipm``
    the importance-performance matrix.  Columns: the quadrant, performance, importance, the
    ``room`` left to ``scale_max``, ``gain_overall`` per ``step`` point of the driver and, when
    ``survey`` and ``response`` are given, ``gain_nps`` (points) for the same step, with its
    bootstrap standard error ``gain_nps_se`` when the response was bootstrapped.
    """
    where = "driver_decision"
    st = check_real(step, "step", where=where, low=0, low_inclusive=False)
    out = pd.DataFrame({"quadrant": ipm["quadrant"], "importance": ipm["importance"],
                        "performance": ipm["performance"], "gain_overall": drivers["coef"].reindex(ipm.index) * st})
    if scale_max is not None:
        out["room"] = scale_max - out["performance"]
    if survey is not None and response is not None:
        gains = [response.gain(survey, g) for g in out["gain_overall"]]
        out["gain_nps"] = [g for g, _ in gains]
        if len(response.draws):
            out["gain_nps_se"] = [s for _, s in gains]
    out["_p"] = out["quadrant"].map(_PRIORITY)
    out = out.sort_values(["_p", "gain_overall"], ascending=[True, False]).drop(columns="_p")
    out.insert(0, "priority", np.arange(1, len(out) + 1))
    return out
