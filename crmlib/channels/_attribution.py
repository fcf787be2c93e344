"""Multi-touch attribution on customer journeys: rules, Markov removal effects, Shapley values.

:func:`journey_paths` turns touch rows (journey, order, channel, outcome) into integer-coded
paths, vectorised so that a million journeys take seconds.  Three families of attribution
share that input:

- :func:`rule_attribution` — the rules of the web-analytics tools: ``first``, ``last``,
  ``linear``, ``position`` (40% first, 40% last, the rest shared by the middle) and
  ``time_decay`` (weights halving every ``half_life`` days before the conversion);
- :func:`markov_attribution` — the journeys as an absorbing Markov chain of order ``k``
  (states are the last ``k`` channels; absorbing states *conversion* and *null*), with
  the **removal effect** of a channel ``1 - P(conversion without it) / P(conversion)``
  solved exactly from the fundamental matrix (no path simulation), and credit shares
  proportional to the removal effects; :func:`chain_removal_effects` does the same algebra
  for a chain given by its start and transition probabilities (the truth of the default
  data);
- :func:`shapley_attribution` — exact Shapley values of the coalition game ``v(S)`` = the
  conversions (or value) of the journeys that used only channels in ``S`` (Zhao, Mahboobi &
  Bagheri 2018), enumerated over all coalitions up to 16 channels.

:func:`attribution_intervals` bootstraps journeys (resampled with replacement) for intervals
on every method's shares.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from math import factorial
from typing import Any

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay, format_notes
from crmlib._validation import check_choice, check_frame, check_int, check_real, format_examples
from crmlib.exceptions import DataError, ParameterError

__all__ = [
    "JourneyPaths",
    "MarkovAttribution",
    "attribution_intervals",
    "chain_removal_effects",
    "journey_paths",
    "markov_attribution",
    "rule_attribution",
    "shapley_attribution",
    "simulate_journeys",
]

RULES = ("first", "last", "linear", "position", "time_decay")


@dataclass(frozen=True, repr=False)
class JourneyPaths(SummaryDisplay):
    """Integer-coded journeys, one entry per touch in journey order.

    Attributes
    ----------
    channels : tuple of str
        Channel names; a touch's code indexes this tuple.
    codes : numpy.ndarray
        Channel code of every touch, journeys one after another.
    starts : numpy.ndarray
        Index in ``codes`` of each journey's first touch (length ``n_journeys + 1``, the
        last entry is ``len(codes)``).
    converted : numpy.ndarray of bool
    value : numpy.ndarray
        Conversion value of each journey (0 when it did not convert).
    days_before_end : numpy.ndarray or None
        Per touch, days before the journey's last touch (for time decay).
    journey_ids : numpy.ndarray
    """

    _html_table = "table"

    channels: tuple[str, ...]
    codes: np.ndarray
    starts: np.ndarray
    converted: np.ndarray
    value: np.ndarray
    days_before_end: np.ndarray | None
    journey_ids: np.ndarray

    @property
    def n_journeys(self) -> int:
        return len(self.starts) - 1

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.starts)

    @property
    def table(self) -> pd.DataFrame:
        """Touches and conversions per channel."""
        touches = np.bincount(self.codes, minlength=len(self.channels))
        journey_of = np.repeat(np.arange(self.n_journeys), self.lengths)
        conv_touch = np.bincount(self.codes, weights=self.converted[journey_of].astype(float),
                                 minlength=len(self.channels))
        return pd.DataFrame({"touches": touches, "touches_in_converting_journeys": conv_touch},
                            index=pd.Index(self.channels, name="channel"))

    def summary(self) -> str:
        return (f"{self.n_journeys:,} journeys, {len(self.codes):,} touches over "
                f"{len(self.channels)} channels; {int(self.converted.sum()):,} converted "
                f"({self.converted.mean():.1%}), mean length {self.lengths.mean():.2f}")


def journey_paths(
    touches: pd.DataFrame,
    *,
    journey_col: str = "journey_id",
    order_col: str = "step",
    channel_col: str = "channel",
    converted_col: str = "converted",
    value_col: str | None = "conversion_value",
    time_col: str | None = "touch_date",
    channels: Sequence[str] | None = None,
) -> JourneyPaths:
    """Code the touch rows of many journeys as integer paths.

    Parameters
    ----------
    touches : pandas.DataFrame
        One row per touch (the default data's ``journeys``).
    journey_col, order_col, channel_col : str
        Journey key, the touch's position (or time) within it, and the channel.
    converted_col : str
        0/1 or bool, journey-level (repeated on every row, or set on any one of them: a
        journey converted if any of its rows says so).
    value_col : str or None
        Journey-level conversion value (the maximum over the journey's rows is taken).
    time_col : str or None
        Touch dates, for the time-decay rule.
    channels : sequence of str, optional
        All channels, including any that appear in no journey (they get zero credit);
        default: the channels seen, in the column's category order or sorted.

    Raises
    ------
    DataError
        Missing columns or values, a channel not in ``channels``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"journey_id": ["a", "a", "b"], "step": [1, 2, 1],
    ...                   "channel": ["search", "email", "search"],
    ...                   "converted": [1, 1, 0], "conversion_value": [50.0, 50.0, 0.0]})
    >>> p = journey_paths(t, time_col=None)
    >>> p.channels, p.codes.tolist(), p.converted.tolist()
    (('email', 'search'), [1, 0, 1], [True, False])
    """
    where = "journey_paths"
    cols = [journey_col, order_col, channel_col, converted_col] + [
        c for c in (value_col, time_col) if c is not None]
    check_frame(touches, "touches", where=where, columns=cols)
    if touches.empty:
        raise DataError(f"{where}: the touch table is empty; there is nothing to attribute.")
    for col in (journey_col, order_col, channel_col, converted_col):
        s = touches[col]
        if s.isna().any():
            raise DataError(f"{where}: column {col!r} has {int(s.isna().sum())} missing values "
                            f"(rows {format_examples(touches.index[s.isna()])}). A touch "
                            "without its journey, position, channel or outcome cannot be "
                            "placed; drop or repair those rows and say how many.")
    conv = touches[converted_col]
    if pd.api.types.is_bool_dtype(conv):
        conv = conv.to_numpy(dtype=bool)
    else:
        v = (conv.to_numpy(dtype=float) if pd.api.types.is_numeric_dtype(conv)
             else np.full(len(conv), np.nan))
        if not np.isin(v, (0.0, 1.0)).all():
            raise DataError(f"{where}: column {converted_col!r} must be 0/1 or True/False; got "
                            f"{format_examples(pd.unique(touches[converted_col]), 4)}.")
        conv = v == 1
    chan = touches[channel_col]
    if isinstance(chan.dtype, pd.CategoricalDtype):
        cat_names = [str(c) for c in chan.cat.categories]
        raw_codes = chan.cat.codes.to_numpy()
    else:
        raw_codes, uniques = pd.factorize(chan.astype(str), sort=True)
        cat_names = [str(c) for c in uniques]
    seen = [cat_names[i] for i in np.unique(raw_codes)]
    if channels is None:
        names = cat_names if isinstance(chan.dtype, pd.CategoricalDtype) else sorted(seen)
    else:
        names = [str(c) for c in channels]
        unknown = sorted(set(seen) - set(names))
        if unknown:
            raise DataError(f"{where}: channel(s) {format_examples(unknown)} are not in "
                            f"channels={names}. Add them, or map them to a listed channel.")
        if len(set(names)) != len(names):
            raise ParameterError(f"{where}: channels= lists a channel twice: {names}.")
    lookup = np.array([names.index(c) if c in names else -1 for c in cat_names], dtype=np.int64)
    jcodes_raw, jids_raw = pd.factorize(touches[journey_col], sort=False)
    order_vals = touches[order_col].to_numpy()
    perm = np.lexsort((order_vals, jcodes_raw))
    codes = lookup[raw_codes[perm]]
    jcodes = jcodes_raw[perm]
    jids = jids_raw
    frame = {"y": conv[perm]}
    if value_col is not None:
        val = touches[value_col].to_numpy(dtype=float, na_value=np.nan)
        if np.isnan(val).any():
            raise DataError(f"{where}: column {value_col!r} has missing values; a journey that "
                            "did not convert has value 0.")
        frame["v"] = val[perm]
    if time_col is not None:
        t = pd.to_datetime(touches[time_col], errors="coerce")
        if t.isna().any():
            raise DataError(f"{where}: column {time_col!r} has {int(t.isna().sum())} missing or "
                            "unreadable dates; parse them first or pass time_col=None.")
        frame["t"] = t.to_numpy()[perm]
    change = np.r_[True, jcodes[1:] != jcodes[:-1]]
    starts = np.r_[np.flatnonzero(change), len(codes)]
    # journeys in order of first appearance after sorting by journey code
    jids = np.asarray(jids)[jcodes[starts[:-1]]]
    # journey-level outcome: any row converted; value: the largest row value
    ends = starts[1:]
    converted = np.logical_or.reduceat(frame["y"], starts[:-1])
    value = (np.maximum.reduceat(frame["v"], starts[:-1]) if value_col is not None
             else converted.astype(float))
    value = np.where(converted, value, 0.0)
    days = None
    if time_col is not None:
        tt = frame["t"].astype("datetime64[ns]")
        last = np.repeat(tt[ends - 1], np.diff(starts))
        days = (last - tt).astype("timedelta64[s]").astype(float) / 86400.0
        if (days < 0).any():
            raise DataError(f"{where}: touch dates go backwards within a journey (by "
                            f"{order_col!r}); check the order column or the dates.")
    return JourneyPaths(channels=tuple(names), codes=codes, starts=starts, converted=converted,
                        value=value, days_before_end=days, journey_ids=jids)


def _check_paths(paths: Any, where: str) -> JourneyPaths:
    if not isinstance(paths, JourneyPaths):
        raise ParameterError(f"The 'paths' parameter of {where} must be a JourneyPaths (from "
                             f"journey_paths). Got a {type(paths).__name__} instead.")
    return paths


def _weights(paths: JourneyPaths, outcome: str) -> np.ndarray:
    return paths.value if outcome == "value" else paths.converted.astype(float)


# ----------------------------------------------------------------------------- rules


def rule_attribution(paths: JourneyPaths, *, rules: Sequence[str] = RULES, outcome: str = "conversions",
                     half_life: float = 7.0, position_ends: float = 0.4,
                     journey_weight: np.ndarray | None = None) -> pd.DataFrame:
    """Credit of each channel under the rule-based models.

    Parameters
    ----------
    paths : JourneyPaths
    rules : sequence of {'first', 'last', 'linear', 'position', 'time_decay'}
    outcome : {'conversions', 'value'}
        Credit conversions (1 per converting journey) or their value.
    half_life : float
        Days over which a touch's time-decay weight halves (counted back from the last touch).
    position_ends : float
        Share given to each of the first and last touch by the position rule (a one-touch
        journey gives its touch everything; a two-touch journey splits evenly).
    journey_weight : array, optional
        Bootstrap weights per journey (internal).

    Returns
    -------
    pandas.DataFrame
        Channels by rule: the credited conversions (or value); the columns sum to the total.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"journey_id": ["a"] * 3, "step": [1, 2, 3],
    ...                   "channel": ["display", "search", "email"], "converted": 1})
    >>> p = journey_paths(t, value_col=None, time_col=None)
    >>> rule_attribution(p, rules=["first", "linear", "position"]).round(3)
             first  linear  position
    channel
    display    1.0   0.333       0.4
    email      0.0   0.333       0.4
    search     0.0   0.333       0.2
    """
    where = "rule_attribution"
    paths = _check_paths(paths, where)
    rules = list(rules)
    for r in rules:
        check_choice(r, "rules", RULES, where=where)
    check_choice(outcome, "outcome", ["conversions", "value"], where=where)
    half_life = check_real(half_life, "half_life", where=where, low=0, low_inclusive=False)
    position_ends = check_real(position_ends, "position_ends", where=where, low=0, high=0.5)
    if "time_decay" in rules and paths.days_before_end is None:
        raise ParameterError(f"{where}: the time_decay rule needs touch dates; build the paths "
                             "with time_col=.")
    w = _weights(paths, outcome)
    if journey_weight is not None:
        w = w * journey_weight
    n_ch = len(paths.channels)
    lengths = paths.lengths
    journey_of = np.repeat(np.arange(paths.n_journeys), lengths)
    pos = np.arange(len(paths.codes)) - paths.starts[:-1][journey_of]
    length = lengths[journey_of]
    out = {}
    for rule in rules:
        if rule == "first":
            share = (pos == 0).astype(float)
        elif rule == "last":
            share = (pos == length - 1).astype(float)
        elif rule == "linear":
            share = 1.0 / length
        elif rule == "position":
            middle = np.where(length > 2, (1 - 2 * position_ends) / np.maximum(length - 2, 1), 0.0)
            ends = np.where(length == 1, 1.0, np.where(length == 2, 0.5, position_ends))
            share = np.where((pos == 0) | (pos == length - 1), ends, middle)
        else:
            raw = 0.5 ** (paths.days_before_end / half_life)
            total = np.bincount(journey_of, weights=raw)
            share = raw / total[journey_of]
        out[rule] = np.bincount(paths.codes, weights=share * w[journey_of], minlength=n_ch)
    return pd.DataFrame(out, index=pd.Index(paths.channels, name="channel"))


# ----------------------------------------------------------------------------- Markov


def _state_space(paths: JourneyPaths, order: int):
    """Code each touch's state (its last ``order`` channels) and the transitions between them.

    Returns the per-touch state ids, the state labels (tuples), and for each journey its
    first state; a state is the tuple of up to ``order`` most recent channels (shorter at a
    journey's start).
    """
    n_ch = len(paths.channels)
    journey_of = np.repeat(np.arange(paths.n_journeys), paths.lengths)
    if order == 1:  # the state is the channel itself
        return (paths.codes, [(c,) for c in paths.channels], np.arange(n_ch), journey_of)
    pos = np.arange(len(paths.codes)) - paths.starts[:-1][journey_of]
    # encode the last `order` channels as a base-(n_ch + 1) number (0 = before the start)
    key = np.zeros(len(paths.codes), dtype=np.int64)
    for lag in range(order):
        idx = np.arange(len(paths.codes)) - lag
        valid = pos >= lag
        digit = np.where(valid, paths.codes[np.maximum(idx, 0)] + 1, 0)
        key = key * (n_ch + 1) + digit
    uniq, state = np.unique(key, return_inverse=True)
    labels = []
    for k in uniq:
        digits = []
        for _ in range(order):
            digits.append(int(k % (n_ch + 1)))
            k //= n_ch + 1
        # digits are lag order-1 .. 0 from least significant; rebuild oldest -> newest
        seq = [paths.channels[d - 1] for d in digits if d > 0]
        labels.append(tuple(seq))
    current = np.array([paths.channels.index(lab[-1]) for lab in labels])
    return state, labels, current, journey_of


def _transition_counts(paths, state, n_states, journey_of, weight):
    """Start counts, transient transition counts and absorption counts (conversion, null)."""
    first = paths.starts[:-1]
    last = paths.starts[1:] - 1
    wj = np.ones(paths.n_journeys) if weight is None else weight
    start = np.bincount(state[first], weights=wj, minlength=n_states)
    nxt = np.ones(len(state), dtype=bool)
    nxt[last] = False
    src, dst = state[nxt], state[np.flatnonzero(nxt) + 1]
    wt = wj[journey_of[nxt]]
    trans = np.bincount(src * n_states + dst, weights=wt,
                        minlength=n_states * n_states).reshape(n_states, n_states)
    conv = np.bincount(state[last], weights=wj * paths.converted, minlength=n_states)
    null = np.bincount(state[last], weights=wj * ~paths.converted, minlength=n_states)
    return start, trans, conv, null


def _absorb(start, Q, r_conv, removed_mask=None) -> float:
    """P(conversion) of an absorbing chain (start distribution, transient Q, conversion R)."""
    if removed_mask is not None:
        keep = ~removed_mask
        start, Q, r_conv = start[keep], Q[np.ix_(keep, keep)], r_conv[keep]
    if len(start) == 0:
        return 0.0
    n = len(start)
    b = np.linalg.solve(np.eye(n) - Q, r_conv)
    return float(start @ b)


@dataclass(frozen=True, repr=False)
class MarkovAttribution(SummaryDisplay):
    """Removal effects of a Markov-chain attribution.

    Attributes
    ----------
    table : pandas.DataFrame
        Per channel: ``removal_effect``, ``share`` (removal effects normalised to 1) and
        ``credit`` (the share times the total conversions or value).
    order : int
    conversion_probability : float
        P(conversion) of the fitted chain (equals the observed conversion rate).
    n_states : int
    outcome : str
    notes : tuple of str
    """

    _html_table = "table"
    _html_notes = "notes"

    table: pd.DataFrame
    order: int
    conversion_probability: float
    n_states: int
    outcome: str
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        top = self.table["removal_effect"].idxmax()
        return "\n".join([f"Markov attribution (order {self.order}, {self.n_states} states): "
                          f"P(conversion) = {self.conversion_probability:.4f}; largest removal "
                          f"effect {top!r} ({self.table.loc[top, 'removal_effect']:.3f})"]
                         + format_notes(self.notes))


def markov_attribution(paths: JourneyPaths, *, order: int = 1, outcome: str = "conversions",
                       journey_weight: np.ndarray | None = None) -> MarkovAttribution:
    """Removal effects of an order-``k`` absorbing Markov chain fitted to the journeys.

    Each journey is ``start -> s_1 -> ... -> s_n -> (conversion | null)`` with ``s_i`` the
    last ``order`` channels at touch ``i``.  Transition probabilities are the observed
    frequencies.  Removing a channel sends all the probability that would enter any state
    whose current channel is it (including start mass) to *null*; P(conversion) is
    ``start' (I - Q)^-1 r`` on the remaining states, solved exactly.

    Parameters
    ----------
    paths : JourneyPaths
    order : int
        Chain order (1: the next touch depends on the current channel only).
    outcome : {'conversions', 'value'}
        What the shares are multiplied by for ``credit``.

    Returns
    -------
    MarkovAttribution

    Notes
    -----
    A channel that appears in no journey has removal effect 0 and gets no credit (and a
    note).  With no converting journey every removal effect is undefined: DataError.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"journey_id": ["a", "a", "b", "c"], "step": [1, 2, 1, 1],
    ...                   "channel": ["search", "email", "search", "email"],
    ...                   "converted": [1, 1, 0, 0]})
    >>> m = markov_attribution(journey_paths(t, value_col=None, time_col=None))
    >>> m.table["removal_effect"].round(3).tolist()
    [1.0, 0.5]
    """
    where = "markov_attribution"
    paths = _check_paths(paths, where)
    order = check_int(order, "order", where=where, low=1)
    check_choice(outcome, "outcome", ["conversions", "value"], where=where)
    if journey_weight is None and not paths.converted.any():
        raise DataError(f"{where}: no journey converted, so every removal effect is 0/0. "
                        "Attribution needs converting journeys.")
    state, labels, current, journey_of = _state_space(paths, order)
    n_states = len(labels)
    start, trans, conv, null = _transition_counts(paths, state, n_states, journey_of,
                                                  journey_weight)
    out_total = trans.sum(axis=1) + conv + null
    safe = np.where(out_total > 0, out_total, 1.0)
    Q = trans / safe[:, None]
    r = conv / safe
    p0 = start / start.sum()
    base = _absorb(p0, Q, r)
    effects = np.zeros(len(paths.channels))
    notes: list[str] = []
    present = np.bincount(paths.codes, minlength=len(paths.channels)) > 0
    for c in range(len(paths.channels)):
        if not present[c]:
            continue
        effects[c] = 1 - _absorb(p0, Q, r, removed_mask=current == c) / base if base > 0 else np.nan
    absent = [paths.channels[c] for c in range(len(paths.channels)) if not present[c]]
    if absent:
        notes.append(f"Channel(s) {format_examples(absent)} appear in no journey: removal "
                     "effect 0, no credit.")
    total = float((_weights(paths, outcome) * (journey_weight if journey_weight is not None
                                               else 1.0)).sum())
    share = effects / effects.sum() if effects.sum() > 0 else np.zeros_like(effects)
    table = pd.DataFrame({"removal_effect": effects, "share": share, "credit": share * total},
                         index=pd.Index(paths.channels, name="channel"))
    return MarkovAttribution(table=table, order=order, conversion_probability=base,
                             n_states=n_states, outcome=outcome, notes=tuple(notes))


def chain_removal_effects(start: Mapping[str, float],
                          transitions: Mapping[str, Mapping[str, float]], *,
                          conversion: str = "conversion", null: str = "null") -> pd.DataFrame:
    """Removal effects of a first-order chain given by its probabilities (e.g. a truth).

    Parameters
    ----------
    start : mapping channel -> probability of the first touch
    transitions : mapping channel -> mapping (channel | conversion | null) -> probability
    conversion, null : str
        Names of the absorbing states in ``transitions``.

    Returns
    -------
    pandas.DataFrame
        Per channel: ``removal_effect`` and ``share``; ``attrs["conversion_probability"]``.

    Examples
    --------
    >>> t = {"a": {"b": 0.5, "conversion": 0.25, "null": 0.25},
    ...      "b": {"conversion": 0.5, "null": 0.5}}
    >>> chain_removal_effects({"a": 1.0, "b": 0.0}, t)["removal_effect"].tolist()
    [1.0, 0.5]
    """
    where = "chain_removal_effects"
    names = sorted(transitions)
    missing = [c for c in start if c not in transitions]
    if missing:
        raise DataError(f"{where}: start channels {format_examples(missing)} have no row in "
                        "transitions.")
    n = len(names)
    Q = np.zeros((n, n))
    r = np.zeros(n)
    for i, c in enumerate(names):
        row = transitions[c]
        total = sum(row.values())
        if not np.isclose(total, 1.0, atol=1e-3):
            raise DataError(f"{where}: the transition probabilities out of {c!r} sum to "
                            f"{total:.4f}, not 1.")
        for dest, p in row.items():
            if dest == conversion:
                r[i] = p
            elif dest == null:
                continue
            elif dest in transitions:
                Q[i, names.index(dest)] = p
            else:
                raise DataError(f"{where}: transition {c!r} -> {dest!r}: unknown state.")
    p0 = np.array([start.get(c, 0.0) for c in names], dtype=float)
    base = _absorb(p0, Q, r)
    eff = np.array([1 - _absorb(p0, Q, r, removed_mask=np.arange(n) == i) / base
                    for i in range(n)])
    out = pd.DataFrame({"removal_effect": eff, "share": eff / eff.sum()},
                       index=pd.Index(names, name="channel"))
    out.attrs["conversion_probability"] = base
    return out


# ----------------------------------------------------------------------------- Shapley


def shapley_attribution(paths: JourneyPaths, *, outcome: str = "conversions",
                        journey_weight: np.ndarray | None = None, exact_up_to: int = 16
                        ) -> pd.DataFrame:
    """Exact Shapley values of the journeys' coalition game.

    ``v(S)`` is the conversions (or value) of the journeys whose set of channels is contained
    in ``S`` (Zhao, Mahboobi & Bagheri 2018).  Up to ``exact_up_to`` channels the value is
    enumerated over all coalitions with the Shapley weights ``|S|! (n - |S| - 1)! / n!``;
    beyond, the equal closed form (each journey's outcome split equally among its distinct
    channels) is used, which the enumeration reproduces exactly.

    Returns
    -------
    pandas.DataFrame
        Per channel: ``shapley`` (credited conversions or value) and ``share``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"journey_id": ["a", "a", "a", "b"], "step": [1, 2, 3, 1],
    ...                   "channel": ["search", "email", "search", "search"],
    ...                   "converted": [1, 1, 1, 1]})
    >>> shapley_attribution(journey_paths(t, value_col=None, time_col=None))["shapley"].tolist()
    [0.5, 1.5]
    """
    where = "shapley_attribution"
    paths = _check_paths(paths, where)
    check_choice(outcome, "outcome", ["conversions", "value"], where=where)
    exact_up_to = check_int(exact_up_to, "exact_up_to", where=where, low=1, high=20)
    n = len(paths.channels)
    w = _weights(paths, outcome)
    if journey_weight is not None:
        w = w * journey_weight
    journey_of = np.repeat(np.arange(paths.n_journeys), paths.lengths)
    masks = np.zeros(paths.n_journeys, dtype=np.int64)
    np.bitwise_or.at(masks, journey_of, np.left_shift(1, paths.codes))
    worth_by_set = pd.Series(w).groupby(masks).sum()
    phi = np.zeros(n)
    if n <= exact_up_to:
        # v(S) = sum of the worth of every observed channel set T contained in S
        sets = worth_by_set.index.to_numpy()
        vals = worth_by_set.to_numpy()
        coalitions = np.arange(1 << n)
        v = np.zeros(1 << n)
        for t, val in zip(sets, vals, strict=True):
            v[(coalitions & t) == t] += val
        size = np.array([bin(s).count("1") for s in range(1 << n)])
        weight = np.array([factorial(k) * factorial(n - k - 1) / factorial(n) if k < n else 0.0
                           for k in range(n + 1)])
        for c in range(n):
            without = coalitions[(coalitions >> c) & 1 == 0]
            phi[c] = float((weight[size[without]] * (v[without | (1 << c)] - v[without])).sum())
    else:
        for t, val in worth_by_set.items():
            members = [c for c in range(n) if (t >> c) & 1]
            for c in members:
                phi[c] += val / len(members)
    total = phi.sum()
    return pd.DataFrame({"shapley": phi, "share": phi / total if total > 0 else phi},
                        index=pd.Index(paths.channels, name="channel"))


# ----------------------------------------------------------------------------- intervals


def attribution_intervals(paths: JourneyPaths, *, methods: Sequence[str] = ("last", "linear", "markov",
                                                                             "shapley"),
                          n_boot: int = 200, alpha: float = 0.1, order: int = 1,
                          random_state: int = 0) -> pd.DataFrame:
    """Bootstrap intervals (journeys resampled with replacement) of each method's shares.

    Returns
    -------
    pandas.DataFrame
        Long table: ``method``, ``channel``, ``share`` (on the data), ``low``, ``high`` and
        ``std_error`` (the bootstrap SD).
    """
    where = "attribution_intervals"
    paths = _check_paths(paths, where)
    n_boot = check_int(n_boot, "n_boot", where=where, low=10)
    alpha = check_real(alpha, "alpha", where=where, low=0, high=1, low_inclusive=False)
    for m in methods:
        check_choice(m, "methods", [*RULES, "markov", "shapley"], where=where)
    rng = np.random.default_rng(random_state)

    def shares(weight):
        out = {}
        rules = [m for m in methods if m in RULES]
        if rules:
            t = rule_attribution(paths, rules=rules, journey_weight=weight)
            out.update({m: (t[m] / t[m].sum()).to_numpy() for m in rules})
        if "markov" in methods:
            out["markov"] = markov_attribution(paths, order=order,
                                               journey_weight=weight).table["share"].to_numpy()
        if "shapley" in methods:
            out["shapley"] = shapley_attribution(paths, journey_weight=weight)["share"].to_numpy()
        return out

    point = shares(None)
    draws = {m: [] for m in methods}
    for _ in range(n_boot):
        weight = np.bincount(rng.integers(0, paths.n_journeys, paths.n_journeys),
                             minlength=paths.n_journeys).astype(float)
        for m, v in shares(weight).items():
            draws[m].append(v)
    rows = []
    for m in methods:
        d = np.vstack(draws[m])
        lo, hi = np.quantile(d, [alpha / 2, 1 - alpha / 2], axis=0)
        for i, c in enumerate(paths.channels):
            rows.append({"method": m, "channel": c, "share": point[m][i], "low": lo[i],
                         "high": hi[i], "std_error": d[:, i].std(ddof=1)})
    return pd.DataFrame(rows)


def simulate_journeys(start: Mapping[str, float], transitions: Mapping[str, Mapping[str, float]],
                      n_journeys: int, *, seed: int = 0, max_length: int = 100,
                      conversion: str = "conversion", null: str = "null") -> pd.DataFrame:
    """Journeys drawn from a first-order chain (for recovery checks and benchmarks).

    Every journey starts in a channel drawn from ``start`` and moves by ``transitions`` until
    it is absorbed (or reaches ``max_length`` touches, then counts as not converted).

    Returns
    -------
    pandas.DataFrame
        ``journey_id`` (int), ``step`` (1..n), ``channel`` (categorical) and ``converted``
        (bool, journey-level), in journey order.

    Examples
    --------
    >>> t = {"a": {"a": 0.5, "conversion": 0.25, "null": 0.25}}
    >>> j = simulate_journeys({"a": 1.0}, t, 1000, seed=1)
    >>> round(float(j.groupby("journey_id")["converted"].first().mean()), 1)
    0.5
    """
    where = "simulate_journeys"
    n_journeys = check_int(n_journeys, "n_journeys", where=where, low=1)
    max_length = check_int(max_length, "max_length", where=where, low=1)
    names = sorted(transitions)
    n = len(names)
    dest = names + [conversion, null]
    P = np.zeros((n, n + 2))
    for i, c in enumerate(names):
        for d, p in transitions[c].items():
            if d not in dest:
                raise DataError(f"{where}: transition {c!r} -> {d!r}: unknown state.")
            P[i, dest.index(d)] = p
        if not np.isclose(P[i].sum(), 1.0, atol=1e-3):
            raise DataError(f"{where}: the probabilities out of {c!r} sum to {P[i].sum():.4f}.")
    P /= P.sum(axis=1, keepdims=True)
    cum = np.cumsum(P, axis=1)
    p0 = np.array([start.get(c, 0.0) for c in names], dtype=float)
    rng = np.random.default_rng(seed)
    state = rng.choice(n, size=n_journeys, p=p0 / p0.sum())
    alive = np.ones(n_journeys, dtype=bool)
    converted = np.zeros(n_journeys, dtype=bool)
    ids, steps, chans = [], [], []
    for step in range(1, max_length + 1):
        idx = np.flatnonzero(alive)
        if idx.size == 0:
            break
        ids.append(idx)
        steps.append(np.full(idx.size, step))
        chans.append(state[idx])
        u = rng.random(idx.size)
        nxt = (u[:, None] > cum[state[idx]]).sum(axis=1)
        nxt = np.minimum(nxt, n + 1)
        converted[idx[nxt == n]] = True
        alive[idx[nxt >= n]] = False
        state[idx[nxt < n]] = nxt[nxt < n]
    jid = np.concatenate(ids)
    order = np.lexsort((np.concatenate(steps), jid))
    frame = pd.DataFrame({"journey_id": jid[order], "step": np.concatenate(steps)[order],
                          "channel": pd.Categorical.from_codes(np.concatenate(chans)[order],
                                                               categories=names)})
    frame["converted"] = converted[frame["journey_id"].to_numpy()]
    return frame
