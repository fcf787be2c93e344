"""Heterogeneous effects and targeting: uplift models, Qini curves, the targeting policy.

An A/B test says whether a campaign works on average; uplift modelling asks *for whom*, so
the next send goes to the customers it changes (not to those who buy anyway, nor to those it
puts off).  Everything here needs a randomised test: the model is fitted on it, and the
curves are read on units the model did not see.

- :func:`uplift_by_segment` — the effect in each segment with its interval (Newcombe for a
  0/1 outcome, Welch for a mean): the first, model-free answer to "for whom";
- :func:`fit_uplift` — three learners from scikit-learn parts:

  * ``'two_model'``: one model per arm, uplift = prediction if treated - if not;
  * ``'class_transformation'`` (Jaskowski & Jaroszewicz 2012): for a 0/1 outcome, the class
    ``Z = 1`` when (treated and converted) or (control and not converted); with the arms
    weighted to equal size, ``uplift = 2 P(Z = 1 | x) - 1``;
  * ``'forest'``: a random forest regressing the transformed outcome
    ``Y (W - p) / (p (1 - p))`` (Athey & Imbens 2016), whose conditional mean is the uplift
    for any outcome (0/1 or spend); large leaves keep its noise down;

- :func:`qini_curve` and :func:`qini_coefficient` — Radcliffe's Qini curve (incremental
  outcomes among the treated of the top-scored, ``Y_T - Y_C N_T / N_C``) at every distinct
  score, and its normalised area, defined as in scikit-uplift's ``qini_auc_score``;
- :func:`evaluate_uplift` — Qini and uplift curves of several scores on a grid of shares,
  with bootstrap intervals (units resampled within arms) for the curves, the Qini
  coefficients and the expected profit of targeting each share for a given value per
  outcome and contact cost; :func:`plot_qini` draws them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay, format_notes
from crmlib._validation import (
    check_choice,
    check_frame,
    check_int,
    check_real,
    format_examples,
    numeric_outcome,
)
from crmlib.exceptions import DataError, ParameterError
from crmlib.promotion._intervals import newcombe_interval, welch_interval

__all__ = [
    "UpliftEvaluation",
    "UpliftModel",
    "evaluate_uplift",
    "fit_uplift",
    "plot_qini",
    "qini_coefficient",
    "qini_curve",
    "uplift_by_segment",
]

METHODS = ("two_model", "class_transformation", "forest")


# ----------------------------------------------------------------------------- inputs


def _treatment(frame: pd.DataFrame, col: str, treated: Any, control: Any, where: str) -> np.ndarray:
    """The arm of each row as a bool array (True = treated)."""
    s = frame[col]
    if s.isna().any():
        raise DataError(f"{where}: column {col!r} has {int(s.isna().sum())} rows without an arm "
                        f"(rows {format_examples(frame.index[s.isna()])}). Drop them (they were "
                        "not randomised) and say how many.")
    if treated is None and control is None:
        if pd.api.types.is_bool_dtype(s):
            w = s.to_numpy(dtype=bool)
        elif pd.api.types.is_numeric_dtype(s) and np.isin(s.to_numpy(dtype=float), (0, 1)).all():
            w = s.to_numpy(dtype=float) == 1
        else:
            raise DataError(f"{where}: column {col!r} holds labels {format_examples(pd.unique(s), 4)}"
                            "; say which is which with treated= and control= (e.g. "
                            "treated='treatment', control='control').")
    else:
        if treated is None or control is None:
            raise ParameterError(f"{where}: give both treated= and control= (the labels of "
                                 f"column {col!r}), or neither for a 0/1 column.")
        labels = set(pd.unique(s))
        missing = [x for x in (treated, control) if x not in labels]
        if missing:
            raise DataError(f"{where}: label(s) {format_examples(missing)} not in column {col!r} "
                            f"(labels: {format_examples(sorted(map(str, labels)), 6)}).")
        other = labels - {treated, control}
        if other:
            raise DataError(f"{where}: column {col!r} has arms other than {treated!r} and "
                            f"{control!r}: {format_examples(sorted(map(str, other)))}. Keep the "
                            "two arms to compare first, e.g. "
                            f"frame[frame[{col!r}].isin([{treated!r}, {control!r}])].")
        w = (s == treated).to_numpy(dtype=bool)
    if w.all() or not w.any():
        raise DataError(f"{where}: every row is in the {'treated' if w.all() else 'control'} arm; "
                        "uplift needs both arms.")
    return w


def _outcome(frame: pd.DataFrame, col: str, where: str) -> tuple[np.ndarray, bool]:
    y = numeric_outcome(frame, col, where=where, allow_bool=True, rule="numeric or 0/1",
                        fix="A customer without an outcome is not a zero: fill it only if it "
                            "truly is one.")
    return y, bool(np.isin(y, (0.0, 1.0)).all())


def _arrays(y, treatment, score, where) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=float)
    w = np.asarray(treatment)
    s = np.asarray(score, dtype=float)
    if not (len(y) == len(w) == len(s)):
        raise ParameterError(f"{where}: outcome, treatment and score must have the same length; "
                             f"got {len(y)}, {len(w)} and {len(s)}.")
    if w.dtype != bool:
        if not np.isin(w.astype(float), (0, 1)).all():
            raise DataError(f"{where}: treatment must be 0/1 or True/False; got values "
                            f"{format_examples(np.unique(w), 4)}.")
        w = w.astype(float) == 1
    for name, v in (("outcome", y), ("score", s)):
        bad = ~np.isfinite(v)
        if bad.any():
            raise DataError(f"{where}: the {name} has {int(bad.sum())} missing or infinite "
                            f"values (positions {format_examples(np.flatnonzero(bad))}).")
    if w.all() or not w.any():
        raise DataError(f"{where}: every unit is in one arm; the Qini curve needs both.")
    return y, w, s


# ----------------------------------------------------------------------------- segments


def uplift_by_segment(frame: pd.DataFrame, outcome: str, *, treatment: str, segment: str,
                      treated: Any = None, control: Any = None, alpha: float = 0.05
                      ) -> pd.DataFrame:
    """The effect of the treatment in each segment, with its interval.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per randomised unit.
    outcome : str
        0/1 (conversion) or a number (spend).
    treatment : str
        The arm column: 0/1 or bool, or labels named by ``treated`` and ``control``.
    segment : str
        The segment column.
    alpha : float
        Two-sided level.

    Returns
    -------
    pandas.DataFrame
        Per segment (and a last row ``'all'``): ``n_treated``, ``n_control``, ``treated``
        and ``control`` (rate or mean), ``uplift`` with ``ci_low``/``ci_high`` (Newcombe for a
        0/1 outcome, Welch otherwise).

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"seg": ["a"] * 8 + ["b"] * 8, "w": [1, 0] * 8,
    ...                   "y": [1, 0, 1, 0, 1, 0, 0, 0] + [1, 1, 0, 0, 1, 1, 0, 0]})
    >>> uplift_by_segment(f, "y", treatment="w", segment="seg")["uplift"].tolist()
    [0.75, 0.0, 0.375]
    """
    where = "uplift_by_segment"
    check_frame(frame, "frame", where=where, columns=[outcome, treatment, segment])
    alpha = check_real(alpha, "alpha", where=where, low=0, high=1, low_inclusive=False)
    w = _treatment(frame, treatment, treated, control, where)
    y, binary = _outcome(frame, outcome, where)
    seg = frame[segment]
    if seg.isna().any():
        raise DataError(f"{where}: the segment column {segment!r} has {int(seg.isna().sum())} "
                        "missing values; label them (e.g. 'unknown') so they are counted.")
    rows = {}
    groups = list(pd.unique(seg))
    try:
        groups = sorted(groups)
    except TypeError:
        pass
    for name, mask in [(g, (seg == g).to_numpy()) for g in groups] + [("all", np.ones(len(y), bool))]:
        yt, yc = y[mask & w], y[mask & ~w]
        row = {"n_treated": len(yt), "n_control": len(yc),
               "treated": yt.mean() if len(yt) else np.nan,
               "control": yc.mean() if len(yc) else np.nan}
        if len(yt) < 2 or len(yc) < 2:
            d = low = high = np.nan
        elif binary:
            d, low, high = newcombe_interval(int(yt.sum()), len(yt), int(yc.sum()), len(yc),
                                             alpha=alpha, where=where)
        else:
            d, low, high, _, _ = welch_interval(yt.mean(), yt.var(ddof=1), len(yt), yc.mean(),
                                                yc.var(ddof=1), len(yc), alpha=alpha, where=where)
        rows[name] = {**row, "uplift": d, "ci_low": low, "ci_high": high}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = segment
    return out.astype({"n_treated": "int64", "n_control": "int64"})


# ----------------------------------------------------------------------------- models


@dataclass(frozen=True, repr=False)
class UpliftModel(SummaryDisplay):
    """A fitted uplift model: :meth:`predict` gives each unit's expected effect.

    Attributes
    ----------
    method : str
    features : tuple of str
    outcome : str
    binary : bool
        The outcome is 0/1 (uplift in probability points) or not (in the outcome's units).
    treated_share : float
        The share of treated units in the training data.
    n_train : int
    estimators : dict
        The fitted scikit-learn pipelines (``'treated'``/``'control'`` or ``'model'``).
    """

    _html_table = "importance"

    method: str
    features: tuple[str, ...]
    outcome: str
    binary: bool
    treated_share: float
    n_train: int
    estimators: dict[str, Any] = field(default_factory=dict)

    @property
    def importance(self) -> pd.DataFrame:
        """For the forest: impurity importance of each encoded feature (else empty)."""
        if self.method != "forest":
            return pd.DataFrame(columns=["importance"])
        pipe = self.estimators["model"]
        names = pipe[:-1].get_feature_names_out()
        return pd.DataFrame({"importance": pipe[-1].feature_importances_},
                            index=pd.Index(names, name="feature")).sort_values("importance",
                                                                               ascending=False)

    def summary(self) -> str:
        unit = "probability points" if self.binary else f"units of {self.outcome!r}"
        return (f"Uplift model ({self.method}) of {self.outcome!r} on {len(self.features)} "
                f"features, fitted on {self.n_train:,} units ({self.treated_share:.0%} treated); "
                f"predictions in {unit}")

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Expected effect of the treatment for each row of ``frame`` (same feature columns)."""
        where = "UpliftModel.predict"
        check_frame(frame, "frame", where=where, columns=list(self.features))
        X = frame[list(self.features)]
        if self.method == "two_model":
            t, c = self.estimators["treated"], self.estimators["control"]
            if self.binary:
                return t.predict_proba(X)[:, 1] - c.predict_proba(X)[:, 1]
            return t.predict(X) - c.predict(X)
        model = self.estimators["model"]
        if self.method == "class_transformation":
            return 2 * model.predict_proba(X)[:, 1] - 1
        return model.predict(X)


def _encoder(frame: pd.DataFrame, features: Sequence[str], scale: bool, where: str) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    cats, nums = [], []
    for col in features:
        s = frame[col]
        if s.isna().any():
            raise DataError(f"{where}: feature {col!r} has {int(s.isna().sum())} missing values "
                            f"(rows {format_examples(frame.index[s.isna()])}). Fill them (e.g. a "
                            "category 'unknown', or the median with a flag column) first.")
        if (pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s)):
            cats.append(col)
        else:
            nums.append(col)
    parts = []
    if cats:
        parts.append(("categories", OneHotEncoder(handle_unknown="ignore", sparse_output=False), cats))
    if nums:
        parts.append(("numbers", StandardScaler() if scale else "passthrough", nums))
    return ColumnTransformer(parts, verbose_feature_names_out=False)


def fit_uplift(
    frame: pd.DataFrame,
    outcome: str,
    *,
    treatment: str,
    features: Sequence[str],
    method: str = "two_model",
    treated: Any = None,
    control: Any = None,
    min_samples_leaf: int = 200,
    n_estimators: int = 200,
    random_state: int = 0,
) -> UpliftModel:
    """Fit an uplift model on a randomised test.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per randomised unit: the outcome, the arm and the features (measured before
        the send).
    outcome : str
        0/1 (conversion) or a number (spend).
    treatment : str
        The arm column: 0/1 or bool, or labels named by ``treated`` and ``control``.
    features : sequence of str
        Columns describing each unit; text, category and bool columns are one-hot encoded.
    method : {'two_model', 'class_transformation', 'forest'}
        See the module's description.  ``'class_transformation'`` needs a 0/1 outcome.
    min_samples_leaf, n_estimators : int
        The forest's leaf size and number of trees (``'forest'`` only).
    random_state : int
        Seed of the forest.

    Returns
    -------
    UpliftModel

    Raises
    ------
    DataError
        Missing columns or values, one arm only, a non-0/1 outcome for the class
        transformation, an arm with no conversions (the per-arm model has nothing to learn).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> n = 4000
    >>> f = pd.DataFrame({"young": rng.random(n) < 0.5, "w": rng.random(n) < 0.5})
    >>> f["y"] = (rng.random(n) < 0.1 + 0.2 * (f["young"] & f["w"])).astype(int)
    >>> m = fit_uplift(f, "y", treatment="w", features=["young"])
    >>> up = m.predict(pd.DataFrame({"young": [True, False]}))
    >>> bool(up[0] > 0.15 and abs(up[1]) < 0.05)
    True
    """
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.pipeline import make_pipeline

    where = "fit_uplift"
    if isinstance(features, str) or not isinstance(features, Sequence) or not features:
        raise ParameterError(f"The 'features' parameter of {where} must be a non-empty list of "
                             f"column names. Got {features!r}.")
    check_frame(frame, "frame", where=where, columns=[outcome, treatment, *features])
    check_choice(method, "method", METHODS, where=where)
    min_samples_leaf = check_int(min_samples_leaf, "min_samples_leaf", where=where, low=1)
    n_estimators = check_int(n_estimators, "n_estimators", where=where, low=1)
    if outcome in features or treatment in features:
        raise ParameterError(f"{where}: the features may not include the outcome or the arm "
                             f"({outcome!r}, {treatment!r}): the model would read the answer.")
    w = _treatment(frame, treatment, treated, control, where)
    y, binary = _outcome(frame, outcome, where)
    X = frame[list(features)]
    p = float(w.mean())
    estimators: dict[str, Any] = {}
    if method == "class_transformation" and not binary:
        raise DataError(f"{where}: method='class_transformation' needs a 0/1 outcome; "
                        f"{outcome!r} has other values. Use 'two_model' or 'forest'.")
    if binary and method != "forest":
        for arm, mask in (("treated", w), ("control", ~w)):
            if np.unique(y[mask]).size < 2:
                raise DataError(f"{where}: every unit of the {arm} arm has outcome "
                                f"{y[mask][0]:g}; a model of that arm has nothing to learn. "
                                "Wait for more data or use uplift_by_segment.")
    if method == "two_model":
        for arm, mask in (("treated", w), ("control", ~w)):
            learner = (LogisticRegression(C=1.0, max_iter=2000) if binary else LinearRegression())
            pipe = make_pipeline(_encoder(frame, features, True, where), learner)
            pipe.fit(X[mask], y[mask])
            estimators[arm] = pipe
    elif method == "class_transformation":
        z = ((y == 1) & w) | ((y == 0) & ~w)
        weight = np.where(w, 0.5 / p, 0.5 / (1 - p))
        pipe = make_pipeline(_encoder(frame, features, True, where),
                             LogisticRegression(C=1.0, max_iter=2000))
        pipe.fit(X, z.astype(int), logisticregression__sample_weight=weight)
        estimators["model"] = pipe
    else:
        target = y * (w.astype(float) - p) / (p * (1 - p))
        forest = RandomForestRegressor(n_estimators=n_estimators, min_samples_leaf=min_samples_leaf,
                                       max_features=0.5, random_state=random_state, n_jobs=1)
        pipe = make_pipeline(_encoder(frame, features, False, where), forest)
        pipe.fit(X, target)
        estimators["model"] = pipe
    return UpliftModel(method=method, features=tuple(features), outcome=outcome, binary=binary,
                       treated_share=p, n_train=len(y), estimators=estimators)


# ----------------------------------------------------------------------------- curves


def _points(y: np.ndarray, w: np.ndarray, order: np.ndarray, last: np.ndarray,
            weight: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Cumulative counts at each distinct-score threshold (``last``: index of a tie group's end).

    ``weight`` (units x resamples) gives bootstrap counts; the result then has one column per
    resample.
    """
    ys, ws = y[order], w[order].astype(float)
    if weight is None:
        wt = np.ones((len(y), 1))
    else:
        wt = weight[order]
    n = np.cumsum(wt, axis=0)[last]
    nt = np.cumsum(wt * ws[:, None], axis=0)[last]
    yt = np.cumsum(wt * (ys * ws)[:, None], axis=0)[last]
    yc = np.cumsum(wt * (ys * (1 - ws))[:, None], axis=0)[last]
    nc = n - nt
    ratio = np.divide(nt, nc, out=np.zeros_like(nt), where=nc != 0)
    qini = yt - yc * ratio
    rate_t = np.divide(yt, nt, out=np.zeros_like(yt), where=nt != 0)
    rate_c = np.divide(yc, nc, out=np.zeros_like(yc), where=nc != 0)
    uplift = (rate_t - rate_c) * n
    zero = np.zeros((1, n.shape[1]))
    return {"n": np.vstack([zero, n]), "qini": np.vstack([zero, qini]),
            "uplift": np.vstack([zero, uplift]), "n_treated": np.vstack([zero, nt])}


def _order(score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(score, kind="mergesort")[::-1]
    s = score[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    return order, last


def qini_curve(y_true: Any, treatment: Any, score: Any) -> pd.DataFrame:
    """The Qini and uplift curves at every distinct score, highest scores first.

    Returns
    -------
    pandas.DataFrame
        ``n_targeted`` (units with a score at or above the threshold, from 0), ``share``,
        ``n_treated``, ``qini`` (incremental outcomes among the treated of the targeted:
        ``Y_T - Y_C N_T / N_C``, 0 while no control unit is included) and ``uplift``
        (incremental outcomes if all the targeted were treated:
        ``(Y_T / N_T - Y_C / N_C) x n``).  Tied scores form one step, as in scikit-uplift.

    Examples
    --------
    >>> qini_curve([1, 0, 1, 0], [1, 0, 0, 1], [0.9, 0.8, 0.3, 0.1])["qini"].tolist()
    [0.0, 1.0, 1.0, 0.5, 0.0]
    """
    y, w, s = _arrays(y_true, treatment, score, "qini_curve")
    order, last = _order(s)
    pts = _points(y, w, order, last)
    out = pd.DataFrame({k: v[:, 0] for k, v in pts.items()})
    out = out.rename(columns={"n": "n_targeted"})
    out["share"] = out["n_targeted"] / len(y)
    return out[["n_targeted", "share", "n_treated", "qini", "uplift"]]


def _trapezoid(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (np.diff(x, axis=0) * (y[1:] + y[:-1]) / 2).sum(axis=0)


def _coefficient(y, w, order, last, perfect, weight=None) -> np.ndarray:
    actual = _points(y, w, order, last, weight)
    best = _points(y, w, *perfect, weight)
    base = best["n"][-1] * best["qini"][-1] / 2  # area under the straight line to the end
    return ((_trapezoid(actual["n"], actual["qini"]) - base)
            / (_trapezoid(best["n"], best["qini"]) - base))


def _perfect_order(y: np.ndarray, w: np.ndarray, negative_effect: bool):
    if not negative_effect:
        return None
    return _order(y * w - y * (~w))


def qini_coefficient(y_true: Any, treatment: Any, score: Any, *, negative_effect: bool = True
                     ) -> float:
    """The Qini coefficient: the area between the Qini curve and the random line, over that of
    the best possible ranking (the definition of scikit-uplift's ``qini_auc_score``).

    The best ranking puts treated converters first and control converters last
    (``negative_effect=True``: it may also show harm); with ``negative_effect=False`` the best
    curve rises straight to the total incremental outcome and stays there.  1 is perfect, 0
    is random targeting, below 0 is worse than random.  Meant for a 0/1 outcome.

    Examples
    --------
    >>> round(qini_coefficient([1, 0, 1, 0, 1, 0], [1, 1, 0, 0, 1, 0],
    ...                        [0.9, 0.2, 0.3, 0.1, 0.8, 0.5]), 4)
    0.6
    """
    y, w, s = _arrays(y_true, treatment, score, "qini_coefficient")
    if not isinstance(negative_effect, bool):
        raise ParameterError("The 'negative_effect' parameter of qini_coefficient must be a "
                             f"bool. Got {negative_effect!r}.")
    order, last = _order(s)
    if negative_effect:
        return float(_coefficient(y, w, order, last, _perfect_order(y, w, True))[0])
    actual = _points(y, w, order, last)
    total = actual["qini"][-1, 0]
    n = len(y)
    base = n * total / 2
    x_best, y_best = np.array([0.0, total, n]), np.array([0.0, total, total])
    best = float(np.sum(np.diff(x_best) * (y_best[1:] + y_best[:-1]) / 2))
    return float((_trapezoid(actual["n"], actual["qini"])[0] - base) / (best - base))


# ----------------------------------------------------------------------------- evaluation


@dataclass(frozen=True, repr=False)
class UpliftEvaluation(SummaryDisplay):
    """Qini and uplift curves of several scores, with bootstrap intervals, and the policy.

    Attributes
    ----------
    curves : pandas.DataFrame
        Long table: ``model``, ``share`` (of units targeted, highest scores first),
        ``qini`` and ``uplift`` (incremental outcomes; see :func:`qini_curve`) with
        ``*_low``/``*_high`` bootstrap bands, and ``profit`` (``value x uplift - cost x
        targeted``) with its band.
    coefficients : pandas.DataFrame
        Per model: ``qini_coefficient`` with ``ci_low``/``ci_high``.
    policy : pandas.DataFrame
        Per model: the share to target for the highest expected profit, the profit there
        with its interval, and the profit of targeting everyone.
    value, cost : float
        Value of one unit of outcome (margin per conversion) and cost per contact.
    n_units, n_boot : int
    alpha : float
    notes : tuple of str
    """

    _html_table = "policy"
    _html_notes = "notes"

    curves: pd.DataFrame
    coefficients: pd.DataFrame
    policy: pd.DataFrame
    value: float
    cost: float
    n_units: int
    n_boot: int
    alpha: float
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        lines = [f"Uplift evaluation on {self.n_units:,} held-out units ({self.n_boot} bootstrap "
                 f"resamples, {100 * (1 - self.alpha):g}% intervals; value {self.value:g} per "
                 f"outcome, cost {self.cost:g} per contact)"]
        for name, row in self.coefficients.iterrows():
            pol = self.policy.loc[name]
            qini = (f"Qini coefficient {row['qini_coefficient']:.3f} [{row['ci_low']:.3f}, "
                    f"{row['ci_high']:.3f}]; " if np.isfinite(row["qini_coefficient"]) else "")
            band = (f" [{pol['profit_low']:,.0f}, {pol['profit_high']:,.0f}]"
                    if np.isfinite(pol["profit_low"]) else "")
            lines.append(f"  {name}: {qini}best share {pol['best_share']:.0%}, expected profit "
                         f"{pol['profit']:,.0f}{band} vs {pol['profit_all']:,.0f} for everyone")
        return "\n".join(lines + format_notes(self.notes))

    def plot(self, *, kind: str = "qini", ax: Any = None) -> Any:
        """The curves with their bands (``kind='qini'``, ``'uplift'`` or ``'profit'``)."""
        return plot_qini(self, kind=kind, ax=ax)


def evaluate_uplift(
    y_true: Any,
    treatment: Any,
    scores: Mapping[str, Any],
    *,
    value: float = 1.0,
    cost: float = 0.0,
    n_points: int = 20,
    n_boot: int = 200,
    alpha: float = 0.1,
    random_state: int = 0,
) -> UpliftEvaluation:
    """Compare uplift scores on held-out units, with bootstrap intervals and a policy.

    Parameters
    ----------
    y_true, treatment : array-like
        Outcome (0/1 or amount) and arm (0/1 or bool) of each held-out unit.
    scores : mapping of str to array-like
        Each model's predicted uplift for the same units (a ``'random'`` score is a useful
        reference; it is not added automatically).
    value : float
        Value of one unit of outcome for the profit (margin per conversion; the margin rate
        when the outcome is revenue).
    cost : float
        Cost of one contact (message, coupon handling), paid for every targeted unit.
    n_points : int
        Grid of shares ``1/n_points, 2/n_points, ..., 1`` (plus 0).
    n_boot : int
        Bootstrap resamples (units resampled within each arm); 0 skips the intervals.
    alpha : float
        Two-sided level of the bands (0.1: 90% bands).
    random_state : int
        Seed of the resampling.

    Returns
    -------
    UpliftEvaluation

    Notes
    -----
    The curve at a share between two tie steps is interpolated linearly, as the trapezoid
    area of the coefficient assumes.  Profit at share ``s`` is ``value x uplift(s) - cost x
    s x n``: the incremental outcome if the top ``s`` were all treated, priced, minus what
    contacting them costs; targeting no one earns 0.
    """
    where = "evaluate_uplift"
    if not isinstance(scores, Mapping) or not scores:
        raise ParameterError(f"The 'scores' parameter of {where} must be a non-empty mapping of "
                             f"model name to scores. Got {type(scores).__name__}.")
    value = check_real(value, "value", where=where)
    cost = check_real(cost, "cost", where=where, low=0)
    n_points = check_int(n_points, "n_points", where=where, low=1)
    n_boot = check_int(n_boot, "n_boot", where=where, low=0)
    alpha = check_real(alpha, "alpha", where=where, low=0, high=1, low_inclusive=False)
    first = next(iter(scores.values()))
    y, w, _ = _arrays(y_true, treatment, first, where)
    n = len(y)
    chunks = _boot_chunks(n, n_boot)
    grid = np.r_[0.0, np.arange(1, n_points + 1) / n_points]
    binary = bool(np.isin(y, (0.0, 1.0)).all())
    perfect = _perfect_order(y, w, True) if binary else None
    lo_q, hi_q = alpha / 2, 1 - alpha / 2
    curves, coefs, policy = [], {}, {}
    notes: list[str] = []
    for name, sc in scores.items():
        _, _, s = _arrays(y, w, sc, where)
        order, last = _order(s)
        pts = _points(y, w, order, last)
        frame = {"model": name, "share": grid}
        x = pts["n"][:, 0] / n
        for key in ("qini", "uplift"):
            frame[key] = np.interp(grid, x, pts[key][:, 0])
        frame["profit"] = value * frame["uplift"] - cost * grid * n
        cb = []
        if n_boot:
            bands: dict[str, list[np.ndarray]] = {"qini": [], "uplift": []}
            for weight in _boot_weights(w, chunks, random_state):
                boot = _points(y, w, order, last, weight)
                xb = boot["n"] / n  # resamples keep each arm's size, so n is fixed
                for key in bands:
                    bands[key].append(np.column_stack([np.interp(grid, xb[:, b], boot[key][:, b])
                                                       for b in range(weight.shape[1])]))
                if binary:
                    cb.append(_coefficient(y, w, order, last, perfect, weight))
            for key, parts in bands.items():
                band = np.hstack(parts)
                frame[f"{key}_low"] = np.quantile(band, lo_q, axis=1)
                frame[f"{key}_high"] = np.quantile(band, hi_q, axis=1)
                if key == "uplift":
                    prof = value * band - cost * grid[:, None] * n
                    frame["profit_low"] = np.quantile(prof, lo_q, axis=1)
                    frame["profit_high"] = np.quantile(prof, hi_q, axis=1)
        table = pd.DataFrame(frame)
        curves.append(table)
        if binary:
            c = float(_coefficient(y, w, order, last, perfect)[0])
            if cb:
                clo, chi = np.quantile(np.concatenate(cb), [lo_q, hi_q])
            else:
                clo = chi = np.nan
        else:
            c = clo = chi = np.nan
        coefs[name] = {"qini_coefficient": c, "ci_low": clo, "ci_high": chi}
        best = int(np.argmax(table["profit"].to_numpy()))
        policy[name] = {"best_share": grid[best], "profit": table["profit"].iloc[best],
                        "profit_low": table.get("profit_low", pd.Series(np.nan, index=table.index)).iloc[best],
                        "profit_high": table.get("profit_high", pd.Series(np.nan, index=table.index)).iloc[best],
                        "profit_all": table["profit"].iloc[-1]}
    if not binary:
        notes.append("The outcome is not 0/1: the Qini coefficient (defined for conversions) "
                     "is not computed; read the curves and the profit.")
    if n_boot and n_boot < 100:
        notes.append(f"{n_boot} bootstrap resamples give rough band ends; use 200 or more.")
    coef = pd.DataFrame.from_dict(coefs, orient="index")
    coef.index.name = "model"
    pol = pd.DataFrame.from_dict(policy, orient="index")
    pol.index.name = "model"
    return UpliftEvaluation(curves=pd.concat(curves, ignore_index=True), coefficients=coef,
                            policy=pol, value=value, cost=cost, n_units=n, n_boot=n_boot,
                            alpha=alpha, notes=tuple(notes))


def _boot_chunks(n: int, n_boot: int, cells: int = 4_000_000) -> list[int]:
    """Resamples per chunk so that one chunk's count matrix stays near ``cells`` entries."""
    size = max(1, cells // max(n, 1))
    return [min(size, n_boot - i) for i in range(0, n_boot, size)]


def _boot_weights(w: np.ndarray, chunks: Sequence[int], random_state: int):
    """Stratified bootstrap counts (each arm resampled to its own size), chunk by chunk.

    Chunk ``i`` draws from the seed ``(random_state, i)``, so every model is evaluated on the
    same resamples (their intervals are comparable) and memory stays bounded.
    """
    arms = [np.flatnonzero(w), np.flatnonzero(~w)]
    for i, size in enumerate(chunks):
        rng = np.random.default_rng([random_state, i])
        weight = np.zeros((len(w), size))
        for idx in arms:
            for b in range(size):
                weight[idx, b] = np.bincount(rng.integers(0, len(idx), len(idx)), minlength=len(idx))
        yield weight


def plot_qini(evaluation: UpliftEvaluation, *, kind: str = "qini", ax: Any = None) -> Any:
    """Draw the curves of an :func:`evaluate_uplift` result, with their bands; returns the Axes.

    ``kind='qini'`` or ``'uplift'`` adds the random-targeting line; ``'profit'`` marks each
    model's best share.
    """
    from crmlib.plotting import get_ax

    if not isinstance(evaluation, UpliftEvaluation):
        raise ParameterError("The 'evaluation' parameter of plot_qini must be an "
                             f"UpliftEvaluation (from evaluate_uplift). Got "
                             f"{type(evaluation).__name__}.")
    check_choice(kind, "kind", ["qini", "uplift", "profit"], where="plot_qini")
    ax = get_ax(ax, where="plot_qini")
    for i, (name, t) in enumerate(evaluation.curves.groupby("model", sort=False)):
        colour = f"C{i}"
        ax.plot(t["share"], t[kind], color=colour, label=name)
        if f"{kind}_low" in t:
            ax.fill_between(t["share"], t[f"{kind}_low"], t[f"{kind}_high"], color=colour, alpha=0.15)
        if kind == "profit":
            best = evaluation.policy.loc[name, "best_share"]
            ax.axvline(best, color=colour, linestyle=":", linewidth=1)
    if kind != "profit":
        end = evaluation.curves.groupby("model", sort=False)[kind].last().mean()
        ax.plot([0, 1], [0, end], color="grey", linestyle="--", label="random targeting")
    else:
        ax.axhline(0, color="black", linewidth=0.8)
    labels = {"qini": "incremental outcomes (Qini)", "uplift": "incremental outcomes if all treated",
              "profit": "expected incremental profit"}
    ax.set(xlabel="share of customers targeted (highest predicted uplift first)",
           ylabel=labels[kind])
    ax.legend()
    return ax
