"""Scale reliability: Cronbach's alpha with Feldt's interval, McDonald's omega, item statistics.

A *scale* is a set of Likert items meant to measure one thing (the quality of the products,
the service).  :func:`cronbach_alpha` gives alpha for one scale; :func:`scale_reliability`
gives, for every scale of a survey, alpha with its interval, omega from a one-factor model,
alpha-if-item-deleted and item-rest correlations, and :func:`factor_check` asks whether each
item loads on the factor of its own scale in an exploratory factor analysis.

Rows with a missing answer on a scale are left out of that scale's statistics (listwise
deletion, as pingouin's ``cronbach_alpha`` does); the count kept is reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay, format_notes
from crmlib._validation import check_columns, check_int, check_real, format_examples
from crmlib.exceptions import DataError, ParameterError

__all__ = ["AlphaResult", "FactorCheck", "ReliabilityResult", "cronbach_alpha", "factor_check",
           "reverse_items", "scale_reliability"]


def _items(frame: pd.DataFrame, items: Sequence[str], *, where: str, scale: str = "the scale") -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(f"{where}: the survey must be a pandas DataFrame. Got {type(frame).__name__} instead.")
    items = list(items)
    if len(items) < 2:
        raise ParameterError(
            f"{where}: {scale} has {len(items)} item ({format_examples(items)}); reliability needs at least 2 "
            "items that measure the same thing. Add items, or report the single item without a reliability.")
    if len(set(items)) != len(items):
        raise ParameterError(f"{where}: {scale} lists an item twice ({items}). List each item once.")
    check_columns(frame.columns, items, where=where, hint="Pass the item columns of the survey.")
    sub = frame[items]
    bad = [c for c in items if not pd.api.types.is_numeric_dtype(sub[c]) or pd.api.types.is_bool_dtype(sub[c])]
    if bad:
        raise DataError(f"{where}: items must be numeric answers (e.g. 1-5); {bad} are not "
                        f"(dtypes {[str(sub[c].dtype) for c in bad]}). Convert them first.")
    empty = [c for c in items if sub[c].isna().all()]
    if empty:
        raise DataError(f"{where}: the items {empty} of {scale} have no answers at all (every value missing). "
                        "Drop them from the scale, or check the file's column mapping.")
    flat = [c for c in items if sub[c].nunique() < 2]
    if flat:
        raise DataError(f"{where}: the items {flat} of {scale} give the same answer in every row; an item that does "
                        "not vary carries no information about the scale. Drop it.")
    return sub.astype(float)


def reverse_items(frame: pd.DataFrame, items: Sequence[str], *, scale_range: tuple[float, float]) -> pd.DataFrame:
    """A copy of ``frame`` with ``items`` reverse-coded: ``low + high - answer``.

    >>> reverse_items(pd.DataFrame({"q": [1.0, 2.0, 5.0]}), ["q"], scale_range=(1, 5))["q"].tolist()
    [5.0, 4.0, 1.0]
    """
    low, high = _range(scale_range, where="reverse_items")
    check_columns(frame.columns, items, where="reverse_items", hint="Name reverse-coded item columns.")
    out = frame.copy()
    for c in items:
        out[c] = low + high - out[c].astype(float)
    return out


def _range(scale_range: object, *, where: str) -> tuple[float, float]:
    ok = (isinstance(scale_range, (tuple, list)) and len(scale_range) == 2
          and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in scale_range)
          and scale_range[0] < scale_range[1])
    if not ok:
        raise ParameterError(f"The 'scale_range' parameter of {where} must be (lowest, highest) answer, e.g. (1, 5). "
                             f"Got {scale_range!r} instead.")
    return float(scale_range[0]), float(scale_range[1])


def _alpha(x: np.ndarray) -> float:
    k = x.shape[1]
    item_var = x.var(axis=0, ddof=1).sum()
    total_var = x.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1 - item_var / total_var))


def _feldt(a: float, n: int, k: int, level_alpha: float) -> tuple[float, float]:
    """Feldt's (1965) interval: (1 - alpha_hat) / (1 - alpha) ~ F(n - 1, (n - 1)(k - 1))."""
    from scipy import stats

    d1, d2 = n - 1, (n - 1) * (k - 1)
    lo = 1 - (1 - a) * stats.f.ppf(1 - level_alpha / 2, d1, d2)
    hi = 1 - (1 - a) * stats.f.ppf(level_alpha / 2, d1, d2)
    return float(lo), float(hi)


@dataclass(frozen=True, repr=False)
class AlphaResult(SummaryDisplay):
    """Cronbach's alpha of one scale with Feldt's F-based interval."""

    alpha: float
    low: float
    high: float
    n: int
    k: int
    level: float
    table: pd.DataFrame

    def summary(self) -> str:
        return (f"Cronbach's alpha = {self.alpha:.3f} ({self.level:.0%} interval {self.low:.3f} to {self.high:.3f}, "
                f"Feldt's F), {self.k} items, {self.n:,} complete answers")


def cronbach_alpha(frame: pd.DataFrame, items: Sequence[str], *, reverse: Sequence[str] = (),
                   scale_range: tuple[float, float] | None = None, alpha: float = 0.05) -> AlphaResult:
    """Cronbach's alpha of ``items``, with Feldt's F-based ``1 - alpha`` interval.

    ``alpha = k/(k-1) * (1 - sum of item variances / variance of the sum)`` on the rows that
    answered every item.  ``reverse`` items are recoded ``low + high - answer`` first, with
    ``scale_range=(low, high)`` (default: the smallest and largest answer seen).

    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4]})
    >>> round(cronbach_alpha(df, ["a", "b", "c"]).alpha, 4)
    0.9538
    >>> cronbach_alpha(df, ["a"])
    Traceback (most recent call last):
    ...
    crmlib.exceptions.ParameterError: cronbach_alpha: the scale has 1 item ('a'); reliability needs at least 2 items that measure the same thing. Add items, or report the single item without a reliability.
    """
    where = "cronbach_alpha"
    level_alpha = check_real(alpha, "alpha", where=where, low=0, high=1, low_inclusive=False)
    x, a, lo, hi = _scale_alpha(frame, items, reverse, scale_range, level_alpha, where=where)
    n, k = x.shape
    table = pd.DataFrame({"alpha": [a], "low": [lo], "high": [hi], "n": [n], "k": [k]}, index=["scale"])
    return AlphaResult(a, lo, hi, n, k, 1 - level_alpha, table)


def _prepared(frame, items, reverse, scale_range, *, where, scale="the scale"):
    sub = _items(frame, items, where=where, scale=scale)
    reverse = list(reverse)
    stray = [r for r in reverse if r not in list(items)]
    if stray:
        raise ParameterError(f"{where}: the reverse-coded items {stray} are not items of {scale} {list(items)}. "
                             "List only the scale's own items in reverse=.")
    if reverse:
        rng = scale_range if scale_range is not None else (float(np.nanmin(sub.to_numpy())), float(np.nanmax(sub.to_numpy())))
        sub = reverse_items(sub, reverse, scale_range=rng)
    return sub


def _scale_alpha(frame, items, reverse, scale_range, level_alpha, *, where, scale="the scale"):
    """The complete rows of a scale (reverse items recoded), its alpha and Feldt interval."""
    x = _prepared(frame, items, reverse, scale_range, where=where, scale=scale).dropna().to_numpy()
    n, k = x.shape
    if n < 3:
        raise DataError(f"{where}: only {n} rows answered every item of {scale}; alpha needs at least 3. "
                        "Check the missing answers of its items.")
    a = _alpha(x)
    return (x, a, *_feldt(a, n, k, level_alpha))


def _one_factor(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Standardised loadings and uniquenesses of a one-factor model of the items' correlations.

    Maximum likelihood (scikit-learn's FactorAnalysis on standardised items) for three or more
    items; with two items the model is not identified, and the loadings are taken equal
    (``sqrt(r)``, tau-equivalence), so omega equals the standardised alpha.
    """
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    if x.shape[1] == 2:
        r = float(np.corrcoef(z, rowvar=False)[0, 1])
        lam = np.full(2, np.sqrt(max(r, 0.0)))
        return lam, 1 - lam**2
    from sklearn.decomposition import FactorAnalysis

    fa = FactorAnalysis(n_components=1, random_state=0).fit(z)
    lam = fa.components_[0]
    if lam.sum() < 0:
        lam = -lam
    return lam, fa.noise_variance_


@dataclass(frozen=True, repr=False)
class ReliabilityResult(SummaryDisplay):
    """Reliability of every scale (``table``) and of every item (``items``), with notes."""

    table: pd.DataFrame
    items: pd.DataFrame
    level: float
    notes: tuple[str, ...] = ()
    _html_notes = "notes"

    def summary(self) -> str:
        lines = [f"Scale reliability: {len(self.table)} scales, {len(self.items)} items "
                 f"(alpha with {self.level:.0%} Feldt interval; omega from a one-factor model)"]
        for s, r in self.table.iterrows():
            lines.append(f"  {s}: alpha {r['alpha']:.3f} [{r['alpha_low']:.3f}, {r['alpha_high']:.3f}], "
                         f"omega {r['omega']:.3f}, {int(r['k'])} items, n = {int(r['n']):,}")
        return "\n".join(lines + format_notes(self.notes))


def scale_reliability(frame: pd.DataFrame, scales: Mapping[str, Sequence[str]], *,
                      reverse: Sequence[str] = (), scale_range: tuple[float, float] | None = None,
                      alpha: float = 0.05) -> ReliabilityResult:
    """Alpha (Feldt interval), omega, alpha-if-item-deleted and item-rest correlations per scale.

    ``scales`` maps a scale name to its item columns; ``reverse`` lists the reverse-coded items
    (recoded before anything else).  An item whose correlation with the rest of its scale is
    negative is flagged in the notes: it is probably reverse-coded and not declared.

    >>> df = pd.DataFrame({"a": [1, 2, 3, 4, 5, 3], "b": [2, 2, 3, 5, 5, 3], "c": [1, 3, 3, 4, 4, 2]})
    >>> res = scale_reliability(df, {"s": ["a", "b", "c"]})
    >>> round(float(res.table.loc["s", "alpha"]), 3), list(res.items.columns[:3])
    (0.946, ['scale', 'item_rest_r', 'alpha_if_deleted'])
    """
    where = "scale_reliability"
    level_alpha = check_real(alpha, "alpha", where=where, low=0, high=1, low_inclusive=False)
    if not isinstance(scales, Mapping) or not scales:
        raise ParameterError(f"The 'scales' parameter of {where} must be a non-empty dict of scale name -> item "
                             f"columns, e.g. {{'quality': ['q1', 'q2', 'q3']}}. Got {scales!r} instead.")
    every = [i for v in scales.values() for i in v]
    stray = [r for r in reverse if r not in every]
    if stray:
        raise ParameterError(f"{where}: the reverse-coded items {stray} belong to no scale. Scales: {dict(scales)}.")
    rows, item_rows, notes = {}, [], []
    for name, items in scales.items():
        items = list(items)
        x, a, lo, hi = _scale_alpha(frame, items, [r for r in reverse if r in items], scale_range, level_alpha,
                                    where=where, scale=f"scale {name!r}")
        n, k = x.shape
        lam, psi = _one_factor(x)
        omega = float(lam.sum() ** 2 / (lam.sum() ** 2 + psi.sum()))
        total = x.sum(axis=1)
        negative = []
        for j, item in enumerate(items):
            rest = total - x[:, j]
            r_rest = float(np.corrcoef(x[:, j], rest)[0, 1])
            a_del = _alpha(np.delete(x, j, axis=1)) if k > 2 else float("nan")
            item_rows.append({"item": item, "scale": name, "item_rest_r": r_rest, "alpha_if_deleted": a_del,
                              "loading": float(lam[j]), "mean": float(x[:, j].mean()),
                              "reversed": item in reverse})
            if r_rest < 0:
                negative.append(item)
        if negative:
            notes.append(f"Scale {name!r}: items {negative} correlate negatively with the rest of the scale: "
                         "reverse-coded but not declared? Declare them with reverse=[...] (or drop them) and rerun.")
        if a < 0.7:
            notes.append(f"Scale {name!r}: alpha {a:.2f} is below the usual 0.7 threshold for group comparisons.")
        if k == 2:
            notes.append(f"Scale {name!r} has 2 items: its one-factor model is not identified, so omega is "
                         "computed with equal loadings (it equals the standardised alpha).")
        rows[name] = {"k": k, "n": n, "alpha": a, "alpha_low": lo, "alpha_high": hi, "omega": omega,
                      "mean_item_rest_r": float(np.mean([r["item_rest_r"] for r in item_rows[-k:]]))}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table["k"] = table["k"].astype(int)
    table["n"] = table["n"].astype(int)
    items_df = pd.DataFrame(item_rows).set_index("item")
    return ReliabilityResult(table, items_df, 1 - level_alpha, tuple(notes))


@dataclass(frozen=True, repr=False)
class FactorCheck(SummaryDisplay):
    """Exploratory factor analysis of all items: loadings and whether each item lands on its scale."""

    loadings: pd.DataFrame
    assignment: pd.DataFrame
    rotation: str
    _html_table = "loadings"

    @property
    def all_on_own_scale(self) -> bool:
        return bool(self.assignment["own_scale"].all())

    def summary(self) -> str:
        ok = int(self.assignment["own_scale"].sum())
        return (f"Exploratory factor analysis ({self.loadings.shape[1]} factors, maximum likelihood, "
                f"{self.rotation} rotation): {ok} of {len(self.assignment)} items load most on the factor of their own scale")


def factor_check(frame: pd.DataFrame, scales: Mapping[str, Sequence[str]], *, reverse: Sequence[str] = (),
                 scale_range: tuple[float, float] | None = None, rotation: str = "varimax",
                 seed: int = 0) -> FactorCheck:
    """Does each item load on the factor of its own scale? One factor per scale, fitted together.

    Maximum-likelihood factor analysis (scikit-learn) of the standardised items with as many
    factors as scales and a ``varimax`` (orthogonal) or ``quartimax`` rotation; each factor is
    named after the scale whose items load most on it.  Complete rows only.
    """
    from sklearn.decomposition import FactorAnalysis

    where = "factor_check"
    if rotation not in ("varimax", "quartimax"):
        raise ParameterError(f"The 'rotation' parameter of {where} must be one of ['varimax', 'quartimax']. "
                             f"Got {rotation!r} instead.")
    check_int(seed, "seed", where=where, low=0)
    items = [i for v in scales.values() for i in v]
    for name, v in scales.items():
        _items(frame, v, where=where, scale=f"scale {name!r}")
    sub = frame[items].astype(float)
    if reverse:
        rng = scale_range or (float(np.nanmin(sub.to_numpy())), float(np.nanmax(sub.to_numpy())))
        sub = reverse_items(sub, list(reverse), scale_range=rng)
    x = sub.dropna().to_numpy()
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    m = len(scales)
    fa = FactorAnalysis(n_components=m, rotation=rotation, random_state=seed).fit(z)
    load = fa.components_.T  # items x factors
    owner = {i: s for s, v in scales.items() for i in v}
    names = []
    for f in range(m):
        col = np.abs(load[:, f])
        score = {s: col[[items.index(i) for i in v]].mean() for s, v in scales.items()}
        names.append(max(score, key=score.get))
    signs = np.sign([load[:, f][np.argmax(np.abs(load[:, f]))] for f in range(m)])
    load = load * signs
    labels = [f"F{f + 1} ({names[f]})" for f in range(m)]
    loadings = pd.DataFrame(load, index=items, columns=labels)
    top = np.abs(load).argmax(axis=1)
    assignment = pd.DataFrame({"scale": [owner[i] for i in items], "factor": [names[t] for t in top],
                               "loading": [load[r, t] for r, t in enumerate(top)]}, index=items)
    assignment["own_scale"] = assignment["scale"] == assignment["factor"]
    return FactorCheck(loadings, assignment, rotation)
