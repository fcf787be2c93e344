"""Choice-based conjoint: conditional (McFadden) logit, willingness to pay, share of preference.

Each choice set (a respondent's task) shows a few alternatives; the respondent picks one.
With utility ``U_j = x_j' b + price_coefficient x price_j + e_j`` and i.i.d. Gumbel errors,
the probability of choosing ``j`` is ``exp(V_j) / sum_k exp(V_k)`` within the set.  Attributes
are dummy coded against a base level (part-worth 0); price enters linearly.  The
log-likelihood is maximised by Newton's method (it is concave); standard errors come from the
inverse of the observed information.

Willingness to pay of a level is ``-b_level / price_coefficient`` (yuan relative to the base
level); its standard error is from the delta method with gradient
``(-1 / b_price, b_level / b_price**2)`` with respect to ``(b_level, b_price)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay, critical_value, format_notes
from crmlib._validation import check_frame
from crmlib.exceptions import DataError, ParameterError
from crmlib.pricing._checks import as_columns

__all__ = ["ConjointResult", "fit_conjoint", "share_of_preference"]


@dataclass(frozen=True, repr=False)
class ConjointResult(SummaryDisplay):
    """A conditional logit of conjoint choices from :func:`fit_conjoint`.

    Attributes
    ----------
    part_worths : pandas.DataFrame
        Index (``attribute``, ``level``) of the non-base levels, plus (``price``, ``per
        unit``); columns ``coef``, ``std_error``, ``z``, ``p_value``.
    wtp : pandas.DataFrame
        Index (``attribute``, ``level``): ``wtp`` (price units relative to the base level),
        ``std_error`` (delta method), ``ci_low``, ``ci_high`` (95%).
    covariance : pandas.DataFrame
        Covariance of the coefficients (same labels as ``part_worths``).
    levels : dict
        Attribute -> levels in coding order (the first is the base).
    price : str
        The price column.
    loglik, loglik_null : float
        Log-likelihood at the estimate and with all coefficients 0 (random choice).
    n_choice_sets, n_alternatives : int
    notes : tuple of str
    """

    _html_table = "part_worths"
    _html_notes = "notes"

    part_worths: pd.DataFrame
    wtp: pd.DataFrame
    covariance: pd.DataFrame
    levels: Mapping[str, tuple]
    price: str
    loglik: float
    loglik_null: float
    n_choice_sets: int
    n_alternatives: int
    notes: tuple[str, ...] = field(default=())

    @property
    def price_coefficient(self) -> float:
        """Utility per unit of price."""
        return float(self.part_worths["coef"].iloc[-1])

    def to_frame(self) -> pd.DataFrame:
        """The part-worths (a copy)."""
        return self.part_worths.copy()

    def summary(self, alpha: float = 0.05) -> str:
        """Text summary: fit, then each part-worth with its willingness to pay."""
        z = critical_value(alpha, where="ConjointResult.summary")
        rho2 = 1 - self.loglik / self.loglik_null
        lines = [f"Conditional logit: {self.n_choice_sets:,} choice sets, "
                 f"{self.n_alternatives:,} alternatives; log-likelihood {self.loglik:,.2f} "
                 f"(null {self.loglik_null:,.2f}, McFadden rho2 {rho2:.3f})",
                 f"  price coefficient {self.price_coefficient:.5f} per unit of {self.price!r}"]
        for (att, lev), row in self.wtp.iterrows():
            pw = self.part_worths.loc[(att, lev)]
            lines.append(f"  {att} = {lev}: part-worth {pw['coef']:.3f} (SE {pw['std_error']:.3f}); "
                         f"WTP {row['wtp']:,.1f} ({row['wtp'] - z * row['std_error']:,.1f} to "
                         f"{row['wtp'] + z * row['std_error']:,.1f})")
        return "\n".join(lines + format_notes(self.notes))


def _levels(frame: pd.DataFrame, att: str, base: object | None, where: str) -> tuple:
    s = frame[att]
    present = pd.unique(s.dropna())
    if isinstance(s.dtype, pd.CategoricalDtype):
        levels = [c for c in s.cat.categories if c in set(present)]
    else:
        levels = sorted(present.tolist())
    if len(levels) < 2:
        raise DataError(f"{where}: attribute {att!r} takes only one level ({levels}); its "
                        f"part-worths are not identified. Drop it from 'attributes' or vary it "
                        f"in the design.")
    if base is not None:
        if base not in levels:
            raise ParameterError(f"The 'base' parameter of {where} names level {base!r} for "
                                 f"{att!r}, which is not among its levels {levels}.")
        levels = [base] + [lv for lv in levels if lv != base]
    return tuple(levels)


def _design(frame: pd.DataFrame, levels: Mapping[str, tuple], price: str) -> tuple[np.ndarray, list]:
    cols, labels = [], []
    for att, lv in levels.items():
        for level in lv[1:]:
            cols.append((frame[att] == level).to_numpy(dtype=float))
            labels.append((att, level))
    cols.append(pd.to_numeric(frame[price]).to_numpy(dtype=float))
    labels.append((price, "per unit"))
    return np.column_stack(cols), labels


def _newton(x: np.ndarray, y: np.ndarray, group: np.ndarray, n_groups: int,
            where: str) -> tuple[np.ndarray, np.ndarray, float]:
    """Maximise the conditional-logit log-likelihood; return (beta, hessian, loglik)."""
    scale = np.maximum(np.abs(x).max(axis=0), 1e-12)  # work with columns of order 1
    xs = x / scale
    beta = np.zeros(x.shape[1])

    def parts(b: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        v = xs @ b
        vmax = np.full(n_groups, -np.inf)
        np.maximum.at(vmax, group, v)
        e = np.exp(v - vmax[group])
        den = np.bincount(group, weights=e, minlength=n_groups)
        prob = e / den[group]
        ll = float(np.sum(y * (v - vmax[group])) - np.sum(np.log(den)))
        xbar = np.column_stack([np.bincount(group, weights=prob * xs[:, j], minlength=n_groups)
                                for j in range(xs.shape[1])])
        dev = xs - xbar[group]
        grad = dev.T @ (y - prob)
        hess = -(dev * prob[:, None]).T @ dev
        return ll, grad, hess

    ll, grad, hess = parts(beta)
    for _ in range(100):
        step = np.linalg.solve(hess - 1e-12 * np.eye(len(beta)), -grad)
        t = 1.0
        while True:
            new = beta + t * step
            ll_new, g_new, h_new = parts(new)
            if ll_new >= ll - 1e-10 or t < 1e-8:
                break
            t /= 2
        beta, converged = new, abs(ll_new - ll) < 1e-11 * max(1.0, abs(ll))
        ll, grad, hess = ll_new, g_new, h_new
        if converged and np.max(np.abs(grad)) < 1e-6:
            break
        if np.max(np.abs(beta)) > 50:
            raise DataError(f"{where}: the estimates diverge (a coefficient passed 50 on the "
                            f"scale of its column): the choices are perfectly separated by some "
                            f"attribute. Check for a level that is always (or never) chosen "
                            f"when shown, and drop or merge it.")
    return beta / scale, hess * np.outer(scale, scale), ll


def _separation(frame: pd.DataFrame, levels: Mapping[str, tuple], chosen: np.ndarray,
                group: np.ndarray, where: str) -> None:
    """Refuse a level chosen in every choice set where it competes with another level."""
    for att, lv in levels.items():
        vals = frame[att].to_numpy()
        for level in lv:
            has = vals == level
            shown = np.bincount(group, weights=has.astype(float))
            size = np.bincount(group)
            contested = (shown > 0) & (shown < size)  # the level and another level compete
            if not contested.any():
                continue
            won = np.bincount(group, weights=(has & (chosen == 1)).astype(float)) > 0
            if np.all(won[contested]) or not np.any(won[contested]):
                how = "always" if np.all(won[contested]) else "never"
                raise DataError(
                    f"{where}: attribute {att!r} level {level!r} is {how} chosen when it is "
                    f"shown beside another level ({int(contested.sum())} choice sets); the "
                    f"choices are perfectly separated and its part-worth is infinite (not "
                    f"identified). Check the data, or drop or merge that level.")


def fit_conjoint(
    choices: pd.DataFrame,
    *,
    attributes: Sequence[str],
    price: str = "price",
    chosen: str = "chosen",
    task: str | Sequence[str] = ("respondent_id", "task"),
    base: Mapping[str, object] | None = None,
) -> ConjointResult:
    """Fit a conditional (McFadden) logit to choice-based conjoint answers.

    Parameters
    ----------
    choices : pandas.DataFrame
        Long format: one row per alternative shown, with the attribute levels, the price,
        and ``chosen`` (1 for the one chosen alternative of its choice set, else 0).
    attributes : sequence of str
        Categorical attributes, dummy coded (part-worth 0 at the base level).
    price : str
        Price column (> 0), entered linearly.
    chosen : str
        0/1 choice column.
    task : str or sequence of str
        Columns that identify a choice set.
    base : mapping, optional
        Attribute -> base level.  Default: the first category of a categorical column,
        else the smallest level.

    Returns
    -------
    ConjointResult

    Raises
    ------
    DataError
        Missing columns or values, a choice set without exactly one chosen alternative, a
        price that is not positive, an attribute with one level only, or a perfectly
        separating level (estimates would diverge).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> n = 400
    >>> d = pd.DataFrame({"set": np.repeat(np.arange(n), 2), "colour": np.tile(["red", "blue"], n),
    ...                   "price": rng.choice([10, 12, 14], 2 * n)})
    >>> v = np.where(d["colour"] == "blue", 0.5, 0.0) - 0.3 * d["price"] + rng.gumbel(size=2 * n)
    >>> d["chosen"] = (v == v.groupby(d["set"]).transform("max")).astype(int)
    >>> res = fit_conjoint(d, attributes=["colour"], task="set", base={"colour": "red"})
    >>> res.part_worths.index.tolist()
    [('colour', 'blue'), ('price', 'per unit')]
    >>> bool(res.wtp.loc[("colour", "blue"), "wtp"] > 0)
    True
    """
    where = "fit_conjoint"
    attributes = as_columns(attributes, "attributes", where=where)
    tasks = as_columns(task, "task", where=where)
    if not attributes:
        raise ParameterError(f"The 'attributes' parameter of {where} must name at least one "
                             f"attribute column. Got {list(attributes)}.")
    base = dict(base or {})
    unknown = [a for a in base if a not in attributes]
    if unknown:
        raise ParameterError(f"The 'base' parameter of {where} names {unknown}, which are not "
                             f"in 'attributes' {list(attributes)}.")
    cols = [*tasks, *attributes, price, chosen]
    check_frame(choices, "choices", where=where, columns=cols)
    frame = choices[cols]
    missing = frame.isna().any()
    if missing.any():
        col = missing[missing].index[0]
        raise DataError(f"{where}: column {col!r} has {int(frame[col].isna().sum())} missing "
                        f"values. Every alternative needs its levels, price and choice; set "
                        f"incomplete choice sets aside first.")
    p = pd.to_numeric(frame[price], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(p) & (p > 0)):
        bad = ~(np.isfinite(p) & (p > 0))
        raise DataError(f"{where}: column {price!r} must hold prices > 0; {int(bad.sum())} rows "
                        f"do not (e.g. {p[bad][0]!r}). Fix the design export.")
    y = pd.to_numeric(frame[chosen], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isin(y, (0.0, 1.0))):
        raise DataError(f"{where}: column {chosen!r} must be 0/1 (1 = the alternative chosen).")
    group = frame.groupby(list(tasks), sort=False, observed=True).ngroup().to_numpy()
    n_groups = int(group.max()) + 1
    per_set = np.bincount(group, weights=y, minlength=n_groups)
    if np.any(per_set != 1):
        bad = np.flatnonzero(per_set != 1)
        example = frame.iloc[np.flatnonzero(group == bad[0])[0]][list(tasks)].tolist()
        raise DataError(f"{where}: {len(bad)} choice sets do not have exactly one chosen "
                        f"alternative (e.g. {dict(zip(tasks, example, strict=True))} has "
                        f"{per_set[bad[0]]:g}). Each task needs one row with {chosen!r} = 1; "
                        f"check the 'task' columns {list(tasks)} and drop 'none' answers.")
    if np.all(np.bincount(group) == 1):
        raise DataError(f"{where}: every choice set has one alternative only; nothing was chosen "
                        f"against anything. Check the 'task' columns {list(tasks)}.")
    levels = {a: _levels(frame, a, base.get(a), where) for a in attributes}
    _separation(frame, levels, y, group, where)
    x, labels = _design(frame, levels, price)
    keep = np.ptp(x, axis=0) > 0
    if not keep[-1]:
        raise DataError(f"{where}: column {price!r} is constant; the price coefficient (and "
                        f"willingness to pay) is not identified. Vary the price in the design.")
    beta, hess, ll = _newton(x, y, group, n_groups, where)
    cov = np.linalg.inv(-hess)
    se = np.sqrt(np.diag(cov))
    index = pd.MultiIndex.from_tuples(labels, names=["attribute", "level"])
    from scipy.stats import norm

    zval = beta / se
    part_worths = pd.DataFrame({"coef": beta, "std_error": se, "z": zval,
                                "p_value": 2 * norm.sf(np.abs(zval))}, index=index)
    bp = beta[-1]
    notes = []
    if bp >= 0:
        notes.append("The price coefficient is not negative: willingness to pay is not "
                     "meaningful (check the price coding and the design).")
    rows = []
    for j, lab in enumerate(labels[:-1]):
        w = -beta[j] / bp
        g = np.array([-1 / bp, beta[j] / bp**2])
        c2 = cov[np.ix_([j, len(beta) - 1], [j, len(beta) - 1])]
        s = float(np.sqrt(g @ c2 @ g))
        rows.append({"wtp": w, "std_error": s, "ci_low": w - 1.959964 * s, "ci_high": w + 1.959964 * s})
    wtp = pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(labels[:-1], names=["attribute", "level"]))
    ll_null = float(-np.sum(np.log(np.bincount(group))))
    return ConjointResult(part_worths=part_worths, wtp=wtp,
                          covariance=pd.DataFrame(cov, index=index, columns=index),
                          levels=levels, price=price, loglik=ll, loglik_null=ll_null,
                          n_choice_sets=n_groups, n_alternatives=len(frame), notes=tuple(notes))


def share_of_preference(result: ConjointResult, products: pd.DataFrame, *,
                        se: bool = False) -> pd.DataFrame:
    """Logit shares of preference of a scenario: one row per product competing together.

    Parameters
    ----------
    result : ConjointResult
    products : pandas.DataFrame
        One row per product with a level of every attribute of ``result`` and its price.
    se : bool
        Add ``std_error`` of each share (delta method over the coefficient covariance).

    Returns
    -------
    pandas.DataFrame
        ``products`` with ``utility`` and ``share`` (summing to 1), and ``std_error``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> pw = pd.DataFrame({"coef": [0.5, -0.1], "std_error": [0.1, 0.01]},
    ...                   index=pd.MultiIndex.from_tuples([("colour", "blue"), ("price", "per unit")]))
    >>> res = ConjointResult(part_worths=pw, wtp=pd.DataFrame(), covariance=pd.DataFrame(np.eye(2) * 0.01),
    ...                      levels={"colour": ("red", "blue")}, price="price", loglik=-1.0,
    ...                      loglik_null=-2.0, n_choice_sets=1, n_alternatives=2)
    >>> share_of_preference(res, pd.DataFrame({"colour": ["red", "blue"], "price": [10, 15]}))["share"].round(3).tolist()
    [0.5, 0.5]
    """
    where = "share_of_preference"
    if not isinstance(result, ConjointResult):
        raise ParameterError(f"The 'result' parameter of {where} must be a ConjointResult "
                             f"(from fit_conjoint). Got a {type(result).__name__} instead.")
    check_frame(products, "products", where=where, columns=[*result.levels, result.price])
    for att, lv in result.levels.items():
        unknown = products.loc[~products[att].isin(lv), att]
        if len(unknown):
            raise DataError(f"{where}: column {att!r} of products has levels "
                            f"{sorted(map(str, unknown.unique()))} that the conjoint did not "
                            f"test (its levels: {list(lv)}). Utilities outside the design are "
                            f"not estimated; use a tested level.")
    p = pd.to_numeric(products[result.price], errors="coerce").to_numpy(dtype=float)
    if not np.all(np.isfinite(p) & (p > 0)):
        raise DataError(f"{where}: column {result.price!r} of products must hold prices > 0.")
    x, _ = _design(products, result.levels, result.price)
    b = result.part_worths["coef"].to_numpy()
    v = x @ b
    e = np.exp(v - v.max())
    share = e / e.sum()
    out = products.copy()
    out["utility"] = v
    out["share"] = share
    if se:
        # d share_i / d b = share_i (x_i - sum_k share_k x_k)
        jac = share[:, None] * (x - share @ x)
        cov = result.covariance.to_numpy()
        out["std_error"] = np.sqrt(np.einsum("ij,jk,ik->i", jac, cov, jac))
    return out
