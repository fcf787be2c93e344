"""The analysis frame of one campaign: each targeted customer with pre-send covariates.

:func:`campaign_units` joins a campaign's rows (arm and outcomes) with what was known about
each customer *before* the send — the customer table's attributes and the customer's orders
and spend in the ``pre_days`` before the send date — so that CUPED (:func:`ab_test` with
``covariate=``) and uplift models (:func:`fit_uplift`) have covariates that the treatment
cannot have changed.  Orders on or after the send date are never used.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlib._validation import check_frame, check_int, format_examples
from crmlib.exceptions import DataError

__all__ = ["campaign_units"]

#: Customer attributes used as features by default: known at sign-up or surveyed, never
#: outcomes of a campaign.
DEFAULT_FEATURES = ("region", "city_tier", "age", "income_band", "family_stage", "n_children",
                    "price_consciousness", "brand_loyalty", "loyalty_member")


def campaign_units(
    campaigns: pd.DataFrame,
    customers: pd.DataFrame,
    orders: pd.DataFrame,
    campaign_id: str,
    *,
    pre_days: int = 90,
    features: Sequence[str] = DEFAULT_FEATURES,
) -> pd.DataFrame:
    """One row per customer targeted by ``campaign_id``, with pre-send covariates.

    Parameters
    ----------
    campaigns, customers, orders : pandas.DataFrame
        The default data's tables (or the same columns from your own systems): campaigns
        with ``campaign_id, send_date, customer_id, group`` and outcomes; customers with
        ``customer_id`` and ``features``; orders with ``customer_id, order_date, status,
        net_amount``.
    campaign_id : str
    pre_days : int
        Length of the pre-period before the send date for ``pre_orders``/``pre_spend``.
    features : sequence of str
        Customer columns to carry over.

    Returns
    -------
    pandas.DataFrame
        The campaign's rows (same order) plus ``treated`` (bool), the ``features``,
        ``pre_orders`` and ``pre_spend`` (completed orders in ``[send - pre_days, send)``) and
        ``days_since_last_order`` (before the send; NaN if none, with
        ``ordered_before`` False).

    Raises
    ------
    DataError
        An unknown campaign, several send dates, targeted customers missing from the
        customer table (named), missing columns.

    Examples
    --------
    >>> from crmlib.datasets import load_default
    >>> d = load_default(tables=["campaigns", "customers", "orders"])
    >>> u = campaign_units(d.campaigns, d.customers, d.orders, "CMP01")
    >>> len(u), int(u["treated"].sum()), bool((u["pre_spend"] >= 0).all())
    (7536, 3768, True)
    """
    where = "campaign_units"
    check_frame(campaigns, "campaigns", where=where,
                columns=["campaign_id", "send_date", "customer_id", "group"])
    check_frame(customers, "customers", where=where, columns=["customer_id", *features])
    check_frame(orders, "orders", where=where,
                columns=["customer_id", "order_date", "status", "net_amount"])
    pre_days = check_int(pre_days, "pre_days", where=where, low=1)
    rows = campaigns[campaigns["campaign_id"] == campaign_id]
    if rows.empty:
        known = sorted(map(str, pd.unique(campaigns["campaign_id"])))
        raise DataError(f"{where}: campaign {campaign_id!r} not in the campaigns table "
                        f"(campaigns: {format_examples(known, 8)}).")
    sends = pd.to_datetime(rows["send_date"]).unique()
    if len(sends) != 1:
        raise DataError(f"{where}: campaign {campaign_id!r} has {len(sends)} send dates "
                        f"({format_examples(sends)}); the pre-period needs one. Split it into "
                        "one campaign per send.")
    send = pd.Timestamp(sends[0])
    labels = set(pd.unique(rows["group"]))
    if labels != {"treatment", "control"}:
        raise DataError(f"{where}: column 'group' of {campaign_id!r} must hold 'treatment' and "
                        f"'control'; got {format_examples(sorted(map(str, labels)))}.")
    dup = rows["customer_id"].duplicated()
    if dup.any():
        raise DataError(f"{where}: {int(dup.sum())} customers appear twice in {campaign_id!r} "
                        f"(e.g. {format_examples(rows.loc[dup, 'customer_id'])}); a randomised "
                        "unit is one customer.")
    cust = customers.drop_duplicates("customer_id").set_index("customer_id")[list(features)]
    missing = ~rows["customer_id"].isin(cust.index)
    if missing.any():
        raise DataError(f"{where}: {int(missing.sum())} targeted customers are not in the "
                        f"customer table (e.g. {format_examples(rows.loc[missing, 'customer_id'])})"
                        ". Load the full customer table or drop them and say how many.")
    o = orders[(orders["status"] == "completed")
               & (pd.to_datetime(orders["order_date"]) < send)]
    o_date = pd.to_datetime(o["order_date"])
    recent = o[o_date >= send - pd.Timedelta(days=pre_days)]
    pre = recent.groupby("customer_id")["net_amount"].agg(["size", "sum"])
    last = o_date.groupby(o["customer_id"]).max()
    out = rows.reset_index(drop=True).copy()
    ids = out["customer_id"]
    out["treated"] = (out["group"] == "treatment").to_numpy()
    feats = cust.reindex(ids.to_numpy())
    for col in features:
        out[col] = feats[col].to_numpy()
    out["pre_orders"] = pre["size"].reindex(ids.to_numpy()).fillna(0).astype("int64").to_numpy()
    out["pre_spend"] = pre["sum"].reindex(ids.to_numpy()).fillna(0.0).to_numpy()
    gap = (send - last.reindex(ids.to_numpy())).dt.days.to_numpy(dtype=float)
    out["ordered_before"] = np.isfinite(gap)
    out["days_since_last_order"] = gap
    return out
