"""Clustering: customer features, k selection, segment models and bootstrap stability."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay
from crmlib._validation import (
    check_choice,
    check_columns,
    check_frame,
    check_int,
    check_values,
    format_examples,
    parse_date,
)
from crmlib.exceptions import DataError, ParameterError
from crmlib.plotting import get_ax
from crmlib.segmentation._rfm import rfm_table

__all__ = [
    "ClusterSelection",
    "FEATURE_GROUPS",
    "SegmentModel",
    "cluster_stability",
    "customer_features",
    "fit_segments",
    "plot_k_selection",
    "select_k",
]


# --------------------------------------------------------------------------------------------
# clustering
# --------------------------------------------------------------------------------------------
#: Feature groups built by :func:`customer_features` (names of its columns).
FEATURE_GROUPS: dict[str, list[str]] = {
    "demographic": ["age", "income", "n_children", "married", "female", "city_tier"],
    "psychographic": ["price_consciousness", "innovativeness", "brand_loyalty"],
    "behavioural": ["log_purchases_per_year", "log_order_value", "promotion_share"],
}
_INCOME = ["under_5k", "5k_10k", "10k_20k", "20k_40k", "40k_plus"]


def customer_features(
    customers: pd.DataFrame,
    orders: pd.DataFrame,
    *,
    as_of: Any,
    groups: Sequence[str] = ("demographic", "psychographic", "behavioural"),
    amount_col: str = "net_amount",
) -> pd.DataFrame:
    """Numeric features per customer for clustering (see :data:`FEATURE_GROUPS`).

    - demographic: ``age``, ``income`` (0-4, the rank of ``income_band``), ``n_children``,
      ``married`` and ``female`` (0/1), ``city_tier``;
    - psychographic: the survey scores ``price_consciousness``, ``innovativeness``,
      ``brand_loyalty``;
    - behavioural (from completed orders up to ``as_of``): ``log_purchases_per_year``
      (ln of purchase days per year of tenure, tenure at least a quarter),
      ``log_order_value`` (ln of the mean spend per purchase day) and ``promotion_share``
      (share of orders that used a promotion).

    Only customers with a completed purchase on or before ``as_of`` are rows (the others are
    not customers yet at that date); order rows with ``status`` other than ``completed`` are
    ignored when a ``status`` column is present.

    Parameters
    ----------
    customers : pandas.DataFrame
        The customers table (``customer_id`` and the columns the groups need).
    orders : pandas.DataFrame
        The orders table (``customer_id``, ``order_date``, ``amount_col``, ``promotion``).
    as_of : date-like
        Analysis date.
    groups : sequence of str
        Which feature groups to build.
    amount_col : str
        Spend column of ``orders``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (sorted), one float column per feature, no missing values.

    Raises
    ------
    DataError
        Missing columns, missing values, or no customer with a purchase by ``as_of``.
    ParameterError
        Unknown group.

    Examples
    --------
    >>> import crmlib.datasets as ds
    >>> data = ds.load_default(tables=["customers", "orders"])
    >>> X = customer_features(data.customers, data.orders, as_of="2025-12-28")
    >>> X.shape
    (12000, 12)
    >>> list(X.columns[-3:])
    ['log_purchases_per_year', 'log_order_value', 'promotion_share']
    """
    where = "customer_features"
    check_frame(customers, "customers", where=where)
    check_frame(orders, "orders", where=where)
    groups = list(groups)
    for g in groups:
        check_choice(g, "groups", list(FEATURE_GROUPS), where=where)
    if not groups:
        raise ParameterError(f"The 'groups' parameter of {where} must name at least one of "
                             f"{list(FEATURE_GROUPS)}. Got [] instead.")
    if "status" in orders.columns:
        orders = orders[orders["status"] == "completed"]
    rfm = rfm_table(orders, as_of=as_of, amount_col=amount_col, monetary="mean")
    check_columns(customers.columns, ["customer_id"], where=where)
    cust = customers.set_index("customer_id")
    out = pd.DataFrame(index=rfm.index.intersection(cust.index).sort_values())
    out.index.name = "customer_id"
    if len(out) == 0:
        raise DataError(f"{where}: no customer of 'customers' has a completed order on or before "
                        f"as_of. Check that both tables use the same customer_id values.")
    c = cust.loc[out.index]
    if "demographic" in groups:
        check_columns(customers.columns, ["age", "income_band", "n_children", "marital_status",
                                          "gender", "city_tier"], where=where)
        income = c["income_band"].astype(object).map({b: i for i, b in enumerate(_INCOME)})
        if income.isna().any():
            raise DataError(f"{where}: column 'income_band' has levels outside {_INCOME} (e.g. "
                            f"{format_examples(c.loc[income.isna(), 'income_band'].unique())}).")
        out["age"] = c["age"].astype(float)
        out["income"] = income.astype(float)
        out["n_children"] = c["n_children"].astype(float)
        out["married"] = (c["marital_status"].astype(object) == "married").astype(float)
        out["female"] = (c["gender"].astype(object) == "female").astype(float)
        out["city_tier"] = c["city_tier"].astype(float)
    if "psychographic" in groups:
        cols = FEATURE_GROUPS["psychographic"]
        check_columns(customers.columns, cols, where=where)
        for col in cols:
            out[col] = c[col].astype(float)
    if "behavioural" in groups:
        check_columns(orders.columns, ["promotion"], where=where)
        r = rfm.loc[out.index]
        years = np.maximum((r["tenure_days"] + 1) / 365.25, 0.25)
        out["log_purchases_per_year"] = np.log(r["frequency"] / years)
        out["log_order_value"] = np.log(r["monetary"])
        day = parse_date(as_of, "as_of", where=where, day=True)
        mine = orders[orders["order_date"].dt.normalize() <= day]
        out["promotion_share"] = mine.groupby("customer_id")["promotion"].mean().reindex(out.index).astype(float)
    check_values(out, list(out.columns), where=where, what="the features", finite=False, negative=False)
    return out


def _check_features(features: object, where: str) -> np.ndarray:
    frame = check_frame(features, "features", where=where)
    if frame.shape[1] == 0:
        raise DataError(f"{where}: 'features' has no columns. Pass numeric features per customer.")
    bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])
           or pd.api.types.is_bool_dtype(frame[c])]
    if bad:
        raise DataError(f"{where}: features must be numeric; columns {bad} are not. Encode them "
                        f"first (e.g. customer_features builds numeric columns).")
    check_values(frame, list(frame.columns), where=where, what="features", finite=False, negative=False)
    return frame.to_numpy(dtype=float)


def _pipeline(method: str, k: int, random_state: int, n_init: int) -> Any:
    from sklearn.cluster import KMeans
    from sklearn.mixture import GaussianMixture
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    if method == "kmeans":
        model = KMeans(n_clusters=k, n_init=n_init, random_state=random_state)
    else:
        # a ridge of 0.01 (features are standardised) keeps components from collapsing onto
        # the few values of 0/1 flags and 1-7 survey scores (which would make BIC meaningless)
        model = GaussianMixture(n_components=k, n_init=n_init, random_state=random_state,
                                reg_covar=0.01)
    return Pipeline([("scale", StandardScaler()), (method, model)])


def _single_thread() -> Any:
    """Context that runs OpenMP/BLAS single-threaded (scoped, restored on exit).

    The fits here are small; on a shared machine, thread oversubscription made k-means up to
    20 times slower than one thread.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _check_k(k: object, n: int, name: str, where: str) -> int:
    k = check_int(k, name, where=where, low=2)
    if k >= n:
        raise ParameterError(
            f"The {name!r} parameter of {where} must be smaller than the number of customers "
            f"({n}). Got {k} instead. Pass a smaller k or use more customers."
        )
    return k


def _check_distinct(x: np.ndarray, k: int, name: str, where: str, rows: str = "customers") -> None:
    """Refuse a k above the number of distinct feature rows (identical customers are one point)."""
    distinct = len(np.unique(x, axis=0))
    if distinct >= k:
        return
    if distinct < 2:
        fix = ("No segmentation is possible: every customer has the same features; add "
               "features that differ between customers.")
    else:
        bound = f"every k <= {distinct}" if name == "k_range" else f"{name} <= {distinct}"
        fix = f"Pass {bound}, or add features that tell these customers apart."
    raise DataError(
        f"{where}: the {name!r} parameter asks for {k} segments, but the {len(x):,} {rows} "
        f"have only {distinct} distinct feature row{'s' if distinct != 1 else ''} (identical "
        f"rows are one point, and k segments need at least k distinct points). {fix}"
    )


@dataclass(frozen=True, repr=False)
class ClusterSelection(SummaryDisplay):
    """Fit statistics over a range of k (see :func:`select_k`).

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by ``k``: ``silhouette`` and ``inertia`` (k-means) or ``bic`` (mixture).
    method : str
        ``"kmeans"`` or ``"gmm"``.
    best_k : int
        Largest silhouette (k-means) or smallest BIC (mixture).
    criterion : str
        The column used to choose.
    """

    _html_table = "table"

    table: pd.DataFrame
    method: str
    best_k: int
    criterion: str

    def to_frame(self) -> pd.DataFrame:
        """The per-k table (a copy)."""
        return self.table.copy()

    def summary(self) -> str:
        """A short text summary with notes."""
        rule = "largest silhouette" if self.criterion == "silhouette" else "smallest BIC"
        lines = [f"{self.method}: best k = {self.best_k} by {rule} over k = "
                 f"{self.table.index.min()}..{self.table.index.max()}"]
        notes = []
        if self.best_k in (self.table.index.min(), self.table.index.max()) and len(self.table) > 2:
            notes.append("the best k is at the edge of the range: widen the range")
        if self.criterion == "silhouette" and self.table["silhouette"].max() < 0.25:
            notes.append("silhouette below 0.25: the clusters overlap (weak structure)")
        lines += [f"  Note {i}: {n}" for i, n in enumerate(notes, 1)]
        return "\n".join(lines)


def select_k(
    features: pd.DataFrame,
    *,
    k_range: Sequence[int] = range(2, 9),
    method: str = "kmeans",
    random_state: int = 0,
    n_init: int = 4,
    sample_size: int | None = 3000,
) -> ClusterSelection:
    """Choose the number of segments: silhouette for k-means, BIC for a Gaussian mixture.

    Features are standardised (``StandardScaler`` in a scikit-learn ``Pipeline``).

    Parameters
    ----------
    features : pandas.DataFrame
        Numeric features, one row per customer.
    k_range : sequence of int
        Candidate numbers of segments (each >= 2 and below the number of customers).
    method : {"kmeans", "gmm"}
        k-means (chosen by the largest silhouette) or a full-covariance Gaussian mixture with
        a covariance ridge of 0.01 (chosen by the smallest BIC).
    random_state, n_init : int
        Seed and number of restarts of each fit.
    sample_size : int or None
        Rows (a random sample drawn with ``random_state``) on which every candidate model is
        fitted and scored, for speed; ``None`` uses every row. Fit the chosen k on every row
        with :func:`fit_segments`.

    Returns
    -------
    ClusterSelection

    Raises
    ------
    ParameterError
        Bad method, k_range or sizes (e.g. k not below the number of customers).
    DataError
        Non-numeric or missing features, or fewer distinct feature rows than the largest k.

    Examples
    --------
    Three well-separated groups:

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(np.vstack([rng.normal(c, 0.3, (30, 2)) for c in (0, 5, 10)]))
    >>> select_k(X, k_range=range(2, 6)).best_k
    3
    >>> select_k(X, k_range=range(2, 6), method="gmm").best_k
    3
    """

    where = "select_k"
    x = _check_features(features, where)
    check_choice(method, "method", ["kmeans", "gmm"], where=where)
    random_state = check_int(random_state, "random_state", where=where, low=0)
    n_init = check_int(n_init, "n_init", where=where, low=1)
    ks = list(k_range)
    if not ks:
        raise ParameterError(f"The 'k_range' parameter of {where} must hold at least one k. "
                             f"Got {k_range!r} instead. Pass e.g. range(2, 9).")
    ks = sorted({_check_k(k, len(x), "k_range", where) for k in ks})
    rows = np.arange(len(x))
    if sample_size is not None:
        sample_size = check_int(sample_size, "sample_size", where=where, low=10)
        if sample_size < len(x):
            rows = np.sort(np.random.default_rng(random_state).choice(len(x), sample_size, replace=False))
            if max(ks) >= len(rows):
                raise ParameterError(f"The 'sample_size' parameter of {where} must exceed the "
                                     f"largest k ({max(ks)}). Got {sample_size} instead.")
    _check_distinct(x[rows], max(ks), "k_range", where,
                    rows="customers" if len(rows) == len(x) else "sampled customers")
    records = []
    with _single_thread():
        records = _select_records(x, rows, ks, method, random_state, n_init)
    table = pd.DataFrame(records).set_index("k")
    if method == "kmeans":
        best, crit = int(table["silhouette"].idxmax()), "silhouette"
    else:
        best, crit = int(table["bic"].idxmin()), "bic"
    return ClusterSelection(table=table, method=method, best_k=best, criterion=crit)


def _select_records(
    x: np.ndarray, rows: np.ndarray, ks: list[int], method: str, random_state: int, n_init: int
) -> list[dict[str, float]]:
    from sklearn.metrics import silhouette_score

    records: list[dict[str, float]] = []
    for k in ks:
        pipe = _pipeline(method, k, random_state, n_init)
        if method == "kmeans":
            pipe.fit(x[rows])
            labels = pipe[-1].labels_
            z = pipe[0].transform(x[rows])
            sil = float(silhouette_score(z, labels)) if len(set(labels)) > 1 else float("nan")
            records.append({"k": k, "silhouette": sil, "inertia": float(pipe[-1].inertia_)})
        else:
            pipe.fit(x[rows])
            records.append({"k": k, "bic": float(pipe[-1].bic(pipe[0].transform(x[rows])))})
    return records


def plot_k_selection(selection: ClusterSelection, *, ax: Any = None) -> Any:
    """Draw the selection criterion against k and mark the chosen k.

    Parameters
    ----------
    selection : ClusterSelection
        Output of :func:`select_k` (its ``table`` is the compute twin).
    ax : matplotlib Axes, optional
        Where to draw (default: the current Axes).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> table = pd.DataFrame({"silhouette": [0.5, 0.7, 0.4]}, index=pd.Index([2, 3, 4], name="k"))
    >>> sel = ClusterSelection(table=table, method="kmeans", best_k=3, criterion="silhouette")
    >>> fig, ax = plt.subplots()
    >>> ax = plot_k_selection(sel, ax=ax)
    >>> ax.lines[0].get_ydata().tolist(), ax.get_ylabel()
    ([0.5, 0.7, 0.4], 'silhouette')
    >>> plt.close(fig)
    """
    if not isinstance(selection, ClusterSelection):
        raise ParameterError(f"The 'selection' parameter of plot_k_selection must be a "
                             f"ClusterSelection (from select_k). Got a {type(selection).__name__}.")
    ax = get_ax(ax)
    y = selection.table[selection.criterion]
    ax.plot(y.index, y.to_numpy(), marker="o", label=selection.method)
    ax.axvline(selection.best_k, color="grey", linestyle=":", label=f"chosen k = {selection.best_k}")
    ax.set_xlabel("number of segments k")
    ax.set_ylabel(selection.criterion)
    ax.legend()
    return ax


@dataclass(frozen=True, repr=False)
class SegmentModel(SummaryDisplay):
    """A fitted segmentation (see :func:`fit_segments`).

    Attributes
    ----------
    pipeline : sklearn.pipeline.Pipeline
        The fitted scaler + model; ``pipeline.predict(new_features)`` assigns raw cluster ids
        (use :meth:`predict` for the size-ordered segment numbers).
    labels : pandas.Series
        Segment number per customer, 0 = largest segment.
    profile : pandas.DataFrame
        Per segment: ``customers``, ``share``, the mean of each feature (original units) and
        ``name``.
    z_profile : pandas.DataFrame
        Per segment: feature means in standard deviations from the overall mean.
    method : str
    k : int
    """

    _html_table = "profile"
    _html_lines = 1
    _html_float = "{:,.2f}"

    pipeline: Any
    labels: pd.Series
    profile: pd.DataFrame
    z_profile: pd.DataFrame
    method: str
    k: int
    _relabel: tuple[int, ...] = field(repr=False, default=())

    def predict(self, features: pd.DataFrame) -> pd.Series:
        """Segment numbers (0 = largest segment at fit time) for new customers."""
        x = _check_features(features, "SegmentModel.predict")
        with _single_thread():
            raw = self.pipeline.predict(x)
        return pd.Series(np.asarray(self._relabel)[raw], index=features.index, name="segment")

    def to_frame(self) -> pd.DataFrame:
        """The profile table (a copy)."""
        return self.profile.copy()

    def summary(self) -> str:
        """A short text summary: size and name of each segment."""
        lines = [f"{self.method} with k = {self.k} on {len(self.labels):,} customers"]
        for seg, row in self.profile.iterrows():
            lines.append(f"  {seg}: {row['customers']:,.0f} ({row['share']:.1%}) {row['name']}")
        small = self.profile.index[self.profile["share"] < 0.05]
        if len(small):
            lines.append(f"  Note 1: segments {list(small)} hold under 5% of customers.")
        return "\n".join(lines)


def _name(z: pd.Series, n_terms: int = 2) -> str:
    top = z.abs().sort_values(ascending=False, kind="stable").index[:n_terms]
    return ", ".join(f"{'high' if z[c] > 0 else 'low'} {c}" for c in top)


def fit_segments(
    features: pd.DataFrame, k: int, *, method: str = "kmeans", random_state: int = 0, n_init: int = 4
) -> SegmentModel:
    """Fit k segments on standardised features, with profiles and descriptive names.

    Segments are numbered by size (0 = largest). Each is named after the two features whose
    segment mean is farthest from the overall mean in standard deviations, e.g.
    ``"high price_consciousness, low log_order_value"`` — a starting point for a marketer's
    name, not a replacement.

    Parameters
    ----------
    features : pandas.DataFrame
        Numeric features, one row per customer.
    k : int
        Number of segments, 2 or more and below the number of customers.
    method : {"kmeans", "gmm"}
        k-means or a full-covariance Gaussian mixture (scikit-learn).
    random_state, n_init : int
        Seed and restarts.

    Returns
    -------
    SegmentModel

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> X = pd.DataFrame({"spend": np.r_[rng.normal(100, 5, 40), rng.normal(500, 5, 20)],
    ...                   "visits": rng.normal(2, 0.2, 60)})
    >>> model = fit_segments(X, 2)
    >>> model.profile[["customers", "spend"]].round(0)
             customers  spend
    segment
    0               40  100.0
    1               20  499.0
    >>> model.profile["name"].str.split(", ").str[0].tolist()
    ['low spend', 'high spend']
    """
    where = "fit_segments"
    x = _check_features(features, where)
    check_choice(method, "method", ["kmeans", "gmm"], where=where)
    k = _check_k(k, len(x), "k", where)
    _check_distinct(x, k, "k", where)
    random_state = check_int(random_state, "random_state", where=where, low=0)
    n_init = check_int(n_init, "n_init", where=where, low=1)
    with _single_thread():
        pipe = _pipeline(method, k, random_state, n_init).fit(x)
        raw = pipe.predict(x)
    counts = np.bincount(raw, minlength=k)
    order = np.argsort(-counts, kind="stable")  # raw ids, largest first
    relabel = np.empty(k, dtype=int)
    relabel[order] = np.arange(k)
    labels = pd.Series(relabel[raw], index=features.index, name="segment")
    means = features.groupby(labels.to_numpy()).mean()
    means.index.name = "segment"
    sd = features.std(ddof=0).replace(0, 1.0)
    z = (means - features.mean()) / sd
    size = labels.value_counts().reindex(means.index, fill_value=0)
    profile = means.copy()
    profile.insert(0, "customers", size.astype("int64"))
    profile.insert(1, "share", size / len(labels))
    profile["name"] = [_name(z.loc[s]) for s in z.index]
    return SegmentModel(pipeline=pipe, labels=labels, profile=profile, z_profile=z,
                        method=method, k=k, _relabel=tuple(int(v) for v in relabel))


def cluster_stability(
    features: pd.DataFrame,
    k: int,
    *,
    n_bootstrap: int = 20,
    method: str = "kmeans",
    random_state: int = 0,
    n_init: int = 1,
) -> pd.DataFrame:
    """Bootstrap stability of a segmentation: adjusted Rand index against the full-data fit.

    The model is fitted on all customers (the reference), then on ``n_bootstrap`` resamples
    (drawn with replacement); each bootstrap model labels *all* customers and its agreement
    with the reference is measured by the adjusted Rand index (1 = the same partition, about
    0 = chance). Stable segments have ARIs close to 1 in every resample.

    Parameters
    ----------
    features : pandas.DataFrame
        Numeric features.
    k : int
        Number of segments.
    n_bootstrap : int
        Number of resamples (1 to 1000).
    method : {"kmeans", "gmm"}
    random_state, n_init : int

    Returns
    -------
    pandas.DataFrame
        ``bootstrap`` (1..n) and ``ari``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(np.vstack([rng.normal(c, 0.3, (30, 2)) for c in (0, 5)]))
    >>> cluster_stability(X, 2, n_bootstrap=3)["ari"].tolist()
    [1.0, 1.0, 1.0]
    """
    from sklearn.metrics import adjusted_rand_score

    where = "cluster_stability"
    x = _check_features(features, where)
    check_choice(method, "method", ["kmeans", "gmm"], where=where)
    k = _check_k(k, len(x), "k", where)
    _check_distinct(x, k, "k", where)
    n_bootstrap = check_int(n_bootstrap, "n_bootstrap", where=where, low=1, high=1000)
    random_state = check_int(random_state, "random_state", where=where, low=0)
    n_init = check_int(n_init, "n_init", where=where, low=1)
    rng = np.random.default_rng(random_state)
    aris = []
    with _single_thread():
        reference = _pipeline(method, k, random_state, max(n_init, 4)).fit(x).predict(x)
        for b in range(n_bootstrap):
            rows = rng.integers(0, len(x), len(x))
            pipe = _pipeline(method, k, random_state + b + 1, n_init).fit(x[rows])
            aris.append(float(adjusted_rand_score(reference, pipe.predict(x))))
    return pd.DataFrame({"bootstrap": np.arange(1, n_bootstrap + 1), "ari": aris})
