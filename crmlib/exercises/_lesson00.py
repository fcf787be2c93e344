"""Exercises and quiz of lesson 00 (start here: the teaching business and its database).

Solvers use the lesson's defaults: analysis date 2025-12-28, purchases = completed orders up
to that date, the region scope by the customer's home region (as the lesson's ``region``
parameter does).
"""

from __future__ import annotations

from typing import Any

from crmlib.exercises._display import QuizQuestion
from crmlib.exercises._exercise import Exercise, purchases
from crmlib.exercises._kinds import Choice, Number, Table

__all__ = ["EXERCISES", "QUIZ"]

AS_OF = "2025-12-28"
_CHANNELS = ("app", "b2b", "marketplace", "store", "web")


def _region_aov(data: Any, *, as_of: str = AS_OF, region: str = "West") -> float:
    buys = purchases(data, as_of)
    ids = data.customers.loc[data.customers["region"] == region, "customer_id"]
    return float(buys.loc[buys["customer_id"].isin(ids), "net_amount"].mean())


def _rule_agreement(data: Any, *, as_of: str = AS_OF, days: int = 365) -> float:
    import pandas as pd

    last = purchases(data, as_of).groupby("customer_id")["order_date"].max()
    active = last > pd.Timestamp(as_of) - pd.Timedelta(days=days)
    alive = data.truth_customers.set_index("customer_id")["alive_at_end"].reindex(last.index)
    return float((active == alive).mean())


def _aov_by_channel(data: Any, *, as_of: str = AS_OF) -> Any:
    return purchases(data, as_of).groupby("channel", observed=True)["net_amount"].mean()


def _top_channel(data: Any, *, as_of: str = AS_OF) -> str:
    return str(_aov_by_channel(data, as_of=as_of).idxmax())


def _rows_kept(data: Any, *, as_of: str = AS_OF, n_each: int = 100, seed: int = 0) -> int:
    import crmlib.datasets as ds

    export, _ = ds.messy_export(purchases(data, as_of), as_of=as_of, n_each=n_each, seed=seed)
    tx = ds.read_transactions(export, columns=ds.MESSY_COLUMNS, as_of=as_of,
                              date_format="%d/%m/%Y %H:%M")
    return int(tx.reconciliation.rows_kept)


EXERCISES = (
    Exercise(
        id="00.1",
        title="Average order value of region West",
        prompt=(
            "Render this notebook for the region `West` (`crmlib report "
            "notebooks/00_start_here.ipynb -p region West`, or set `region = \"West\"` and run "
            "all cells). What is the headline *average order value* of West, in ¥ rounded to "
            "2 decimal places? Compare it with `East`: which region's customers spend more "
            "per order?"
        ),
        kind=Number("the average order value in ¥, e.g. 123.45", atol=0.005, decimals=2,
                    close_hint="check which orders you counted: completed orders of West's "
                               "customers (their home region), up to the analysis date"),
        hints=(
            "Scope by the customer's home region (customers.region), as the lesson's region "
            "parameter does, then average net_amount over their purchases.",
            "A purchase is a completed order on or before the analysis date.",
        ),
        solution=(
            "The region parameter keeps the customers whose home region is West; the average "
            "order value is the mean `net_amount` over their purchases. East works the same "
            "way with `region = \"East\"`."
        ),
        code=(
            "import pandas as pd\n"
            "as_of_date = pd.Timestamp('2025-12-28')\n"
            "west = data.customers[data.customers['region'] == 'West']\n"
            "orders = data.orders\n"
            "buys = orders[(orders['status'] == 'completed') & (orders['order_date'] <= as_of_date)\n"
            "              & orders['customer_id'].isin(west['customer_id'])]\n"
            "answer = round(buys['net_amount'].mean(), 2)\n"
        ),
        solver=_region_aov,
        params={"as_of": AS_OF, "region": "West"},
        tolerance="Rounded to 2 decimal places: half a unit of the last place, 0.005 ¥.",
    ),
    Exercise(
        id="00.2",
        title="Agreement of a 365-day activity rule with the truth",
        prompt=(
            "Change the activity rule of section 4 from 180 to 365 days (active = bought in the "
            "last 365 days before the analysis date). What share of customers does it classify "
            "the same way as the truth (`alive_at_end`)? Give a fraction with 3 decimals "
            "(for 12.3% write 0.123). Try 90 days too: which window agrees best?"
        ),
        kind=Number("the share as a fraction between 0 and 1", atol=0.0005, decimals=3,
                    close_hint="check the comparison: strictly after as_of minus 365 days, "
                               "over all customers with a purchase"),
        hints=(
            "Reuse `record['last_order']` and the truth table of section 4; only the "
            "Timedelta changes.",
            "The agreement is the mean of (rule == truth) over all customers of the record.",
        ),
        solution=(
            "A longer window calls more light buyers active (right for many who are alive) but "
            "also keeps departed customers active for longer. The agreement is the share of "
            "customers where the rule and `alive_at_end` agree."
        ),
        code=(
            "import pandas as pd\n"
            "as_of_date = pd.Timestamp('2025-12-28')\n"
            "orders = data.orders\n"
            "buys = orders[(orders['status'] == 'completed') & (orders['order_date'] <= as_of_date)]\n"
            "last_order = buys.groupby('customer_id')['order_date'].max()\n"
            "truth = data.truth_customers.set_index('customer_id').loc[last_order.index]\n"
            "rule_active = last_order > as_of_date - pd.Timedelta(days=365)\n"
            "answer = round((rule_active == truth['alive_at_end']).mean(), 3)\n"
        ),
        solver=_rule_agreement,
        params={"as_of": AS_OF, "days": 365},
        tolerance="Rounded to 3 decimal places: 0.0005.",
    ),
    Exercise(
        id="00.3",
        title="The channel with the highest average order value",
        prompt=(
            "Which sales channel has the highest average order value over all purchases? "
            "Answer with the channel's name as it appears in `orders.channel`."
        ),
        kind=Choice("the sales channel", options=_CHANNELS),
        hints=(
            "Group the purchases by `channel` and average `net_amount`; the lesson's section 3 "
            "groups the same way for the revenue share.",
        ),
        solution="Group the purchases by channel and take the channel with the largest mean.",
        code=(
            "import pandas as pd\n"
            "orders = data.orders\n"
            "buys = orders[(orders['status'] == 'completed') & (orders['order_date'] <= pd.Timestamp('2025-12-28'))]\n"
            "aov = buys.groupby('channel', observed=True)['net_amount'].mean()\n"
            "answer = aov.idxmax()\n"
        ),
        solver=_top_channel,
        params={"as_of": AS_OF},
        tolerance="A name: exact match (case and punctuation ignored).",
    ),
    Exercise(
        id="00.4",
        title="Average order value by channel",
        prompt=(
            "Give the average order value of every sales channel as a pandas Series indexed by "
            "channel (¥, rounded to 2 decimal places). Then compute the same table per region "
            "(`pivot_table` with `index='channel'`, `columns=` the customer's region): is the "
            "ranking of the channels the same in every region?"
        ),
        kind=Table("average order value in ¥ by channel",
                   Number("the average order value in ¥", atol=0.005, decimals=2,
                          close_hint="check which orders you counted")),
        hints=(
            "`groupby('channel', observed=True)['net_amount'].mean()` over the purchases.",
            "Round with `.round(2)`; the index must hold the five channels.",
        ),
        solution="One grouped mean over the purchases; `.round(2)` for the 2 decimals.",
        code=(
            "import pandas as pd\n"
            "orders = data.orders\n"
            "buys = orders[(orders['status'] == 'completed') & (orders['order_date'] <= pd.Timestamp('2025-12-28'))]\n"
            "answer = buys.groupby('channel', observed=True)['net_amount'].mean().round(2)\n"
        ),
        solver=_aov_by_channel,
        params={"as_of": AS_OF},
        tolerance="Each value rounded to 2 decimal places: 0.005 ¥.",
    ),
    Exercise(
        id="00.5",
        title="Rows kept from a messier export",
        prompt=(
            "Make a messy export with `n_each=100` (and `seed=0`), read it back with "
            "`read_transactions` as in section 6 and check that the reconciliation still adds "
            "up. How many rows does it keep?"
        ),
        kind=Number("a count of rows", integer=True, close_rel=0.02,
                    close_hint="check which rows you counted: rows kept = rows read minus the "
                               "rows set aside"),
        hints=(
            "`tx.reconciliation.rows_kept`, after `ds.messy_export(purchases, as_of=..., "
            "n_each=100, seed=0)`.",
            "read_transactions accepts the export frame itself; pass the same columns= and "
            "date_format= as the lesson.",
        ),
        solution=(
            "Every injected problem is set aside with its reason, so rows read = rows kept + "
            "rows set aside still holds; the number kept is read off the reconciliation."
        ),
        code=(
            "import pandas as pd\n"
            "import crmlib.datasets as ds\n"
            "as_of = '2025-12-28'\n"
            "orders = data.orders\n"
            "buys = orders[(orders['status'] == 'completed') & (orders['order_date'] <= pd.Timestamp(as_of))]\n"
            "export, injected = ds.messy_export(buys, as_of=as_of, n_each=100, seed=0)\n"
            "tx = ds.read_transactions(export, columns=ds.MESSY_COLUMNS, as_of=as_of,\n"
            "                          date_format='%d/%m/%Y %H:%M')\n"
            "rec = tx.reconciliation\n"
            "assert rec.rows_read == rec.rows_kept + sum(rec.set_aside.values())\n"
            "answer = rec.rows_kept\n"
        ),
        solver=_rows_kept,
        params={"as_of": AS_OF, "n_each": 100, "seed": 0},
        tolerance="A count: exact.",
    ),
    Exercise(
        id="00.6",
        title="Why no fixed activity window fits every customer",
        prompt=(
            "Why can no fixed activity window (90, 180 or 365 days) be right for every "
            "customer? Think of a customer who buys every week and one who buys twice a year."
        ),
        kind=None,
        hints=(
            "How long a silence means \"gone\" depends on the customer's own pace of buying.",
            "Lesson 03's P(alive) uses each customer's frequency and recency together.",
        ),
        solution=(
            "A silence of five months is alarming for a weekly buyer and normal for someone who "
            "buys twice a year. A fixed window ignores each customer's own purchase rate, so it "
            "misclassifies slow buyers who are alive (too short a window) or fast buyers who "
            "have left (too long a window). A model such as BG/NBD (lesson 03) judges recency "
            "relative to each customer's frequency."
        ),
    ),
)


QUIZ = (
    QuizQuestion(
        key="q1",
        text="Which average can be set beside the truth's mean_order_value (each customer's "
             "own expected order value)?",
        choices=(("a", "total revenue divided by the number of orders"),
                 ("b", "the mean over customers of each customer's average order value"),
                 ("c", "the median order value"),
                 ("d", "total revenue divided by the number of customers")),
        salt="9d8cc249d2d8e695",
        digest="41dfee8fef1132374c7a02984f29fa8ebd11f7fd2408b4a6b9743f21b141197a",
        hint="Compute it the same way as the truth: one number per customer first.",
    ),
    QuizQuestion(
        key="q2",
        text="In this workbook, a purchase is…",
        choices=(("a", "every row of the orders table"),
                 ("b", "every order line"),
                 ("c", "a completed order on or before the analysis date"),
                 ("d", "any order that was paid, even if it was later cancelled")),
        salt="16fbb2240d569a80",
        digest="2a40bad5ee14cfccbf5dcf8743ace7a9b70a1eda3533dff9448330813114e54a",
        hint="Reread section 2: cancelled orders and orders after the analysis date are out.",
    ),
    QuizQuestion(
        key="q3",
        text="read_transactions meets rows it cannot use (no customer id, an unreadable date). "
             "What does it do?",
        choices=(("a", "drops them silently"),
                 ("b", "stops at the first one"),
                 ("c", "guesses the missing values"),
                 ("d", "sets them aside with a reason, so rows read = rows kept + rows set aside")),
        salt="e8188090cd526859",
        digest="a21ef518a030acd4588fe9a023c094b047701b1fe2cffa5c71f782e1666329c6",
        hint="Look at the reconciliation printed in section 6.",
    ),
)
