"""Every lesson runs on each of its real data sets by its ``dataset`` parameter (the claim of
the lessons table), and the headline numbers of those runs are the published ones where the
lesson reproduces a published result.

Published figures: Taddy, *Business Data Science* (2019), ch. 2 — Dominick's orange juice,
``log(sales) ~ brand + log(price)``: price elasticity -3.139; Hillstrom (2008): visit rates
18.28% (men's e-mail) and 10.62% (no e-mail); Taddy (2019), ch. 5 — eBay's paid search off:
log-revenue effect -0.00659.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from crmlib.reports import run_notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = {p.name[:2]: p for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))}


def _real_runs():
    runs = []
    for number, path in NOTEBOOKS.items():
        meta = json.loads(path.read_text(encoding="utf-8"))["metadata"]
        choices = meta.get("crmlib", {}).get("parameters", {}).get("dataset", {}).get("choices", [])
        runs += [pytest.param(number, d, id=f"{number}-{d}") for d in choices if d != "default"]
    return runs


# published headline values: (lesson, dataset) -> {headline: (value, tolerance and its reason)}
PUBLISHED = {
    ("04", "orange_juice"): {"Elasticity with brand effects": (-3.139, 5e-4)},  # 4 significant digits
    # rates published to 0.01 percentage point each: their difference to 0.01
    ("05", "hillstrom"): {"Visit lift, men's e-mail (pp)": (18.28 - 10.62, 0.01)},
    # exp(-0.00659) - 1, the estimate published to 3 significant digits (half a unit: 5e-6),
    # plus the headline's own rounding to 5 decimals (5e-6)
    ("05", "ebay"): {"Revenue change with search off": (math.expm1(-0.00659), 1e-5)},
    # Chapman & Feit, ch. 7: m3's standardised wait coefficient printed to 5 decimals (5e-6) plus the
    # headline's rounding to 5 decimals (5e-6); m2's R-squared printed to 6 decimals, rounded to 6
    ("07", "amusement_park"): {"Park m3: wait (standardised)": (0.38138, 1e-5), "Park m2: R²": (0.558621, 1e-6)},
    # arules' apriori on Groceries at support 0.001, confidence 0.5: "set of 5668 rules" on 9,835
    # transactions (Hahsler et al.; exact counts)
    ("08", "groceries"): {"Rules at the arules example's thresholds": (5668, 0), "Baskets": (9835, 0)},
    # Ta-Feng's documented number of customer-day baskets (exact)
    ("08", "ta_feng"): {"Baskets": (119578, 0)},
}


def test_the_real_data_runs_include_the_published_ones():
    ids = {(p.values[0], p.values[1]) for p in _real_runs()}
    assert set(PUBLISHED) <= ids


@pytest.mark.slow
@pytest.mark.notebooks
@pytest.mark.realdata
@pytest.mark.parametrize(("lesson", "dataset"), _real_runs())
def test_lesson_runs_on_its_real_data(lesson, dataset, real_data_home, tmp_path):
    result = run_notebook(NOTEBOOKS[lesson], {"dataset": dataset}, output_dir=tmp_path,
                          export_html=False)
    assert result.status == "ok", result.message
    for name, (value, tol) in PUBLISHED.get((lesson, dataset), {}).items():
        assert name in result.headlines, sorted(result.headlines)
        assert result.headlines[name] == pytest.approx(value, abs=tol), name
