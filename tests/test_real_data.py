"""The real public data sets: sizes, types, published facts, and errors for wrong or missing files.

The data live outside the repository (``../shared/data`` or ``$CRMLIB_DATA_HOME``).  When they
cannot be found the tests are skipped, except under CI (env ``CI`` set), where they must run.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmlib.datasets import (
    data_home,
    load_amusement_park,
    load_cdnow,
    load_hillstrom,
    load_orange_juice,
    load_paidsearch,
    load_ta_feng,
)
from crmlib.datasets import _real
from crmlib.exceptions import DataError, ParameterError

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def home() -> Path:
    try:
        return data_home()
    except DataError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the real-data tests, but the data were not found: {exc}")
        pytest.skip(f"real data sets not found: {exc}")


@pytest.fixture(scope="module")
def cdnow(home):
    return load_cdnow()


@pytest.fixture(scope="module")
def hillstrom(home):
    return load_hillstrom()


# --------------------------------------------------------------------------------------
# CDNOW
# --------------------------------------------------------------------------------------


def test_cdnow_master_sizes_types_and_totals(cdnow):
    assert cdnow.shape == (69_659, 4)
    assert cdnow["customer_id"].nunique() == 23_570
    assert cdnow.dtypes.astype(str).to_dict() == {
        "customer_id": "string", "date": "datetime64[us]", "quantity": "int64", "amount": "float64"
    }
    assert cdnow["date"].min() == pd.Timestamp("1997-01-01")
    assert cdnow["date"].max() == pd.Timestamp("1998-06-30")
    assert cdnow["amount"].sum() == pytest.approx(2_500_315.63, abs=0.01)
    assert int(cdnow["quantity"].sum()) == 167_881
    # zero-dollar rows are kept, nothing is aggregated
    assert int((cdnow["amount"] == 0).sum()) == 80
    assert cdnow.iloc[0].tolist() == ["00001", pd.Timestamp("1997-01-01"), 1, 11.77]
    # every customer's first purchase is in the first quarter of 1997 (the cohort)
    assert cdnow.groupby("customer_id")["date"].min().max() < pd.Timestamp("1997-04-01")


def test_cdnow_sample_is_a_tenth_of_the_customers(cdnow, home):
    sample = load_cdnow(which="sample")
    assert sample.shape == (6_919, 4)
    assert sample["customer_id"].nunique() == 2_357
    assert sample["amount"].sum() == pytest.approx(244_091.94, abs=0.01)
    assert set(sample["customer_id"]) <= set(cdnow["customer_id"])
    assert list(sample.columns) == list(cdnow.columns)


def test_cdnow_wrong_width_points_at_which(home):
    sample_file = home / "cdnow" / "CDNOW_sample.txt"
    with pytest.raises(DataError) as err:
        load_cdnow(sample_file)  # the sample file, read as master
    msg = str(err.value)
    assert "has 5 fields per line; the CDNOW master file has 4" in msg
    assert "which='sample'" in msg
    with pytest.raises(ParameterError, match="'which' parameter"):
        load_cdnow(which="full")


def test_cdnow_bad_value_names_column_and_line(home, tmp_path):
    lines = (home / "cdnow" / "CDNOW_master.txt").read_text().splitlines()[:6]
    lines[3] = lines[3].replace("1997", "19x7", 1)
    (tmp_path / "CDNOW_master.txt").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"column 'date' of 'CDNOW_master.txt' must hold dates like '19970101'.*lines \[4\]"):
        load_cdnow(tmp_path)


# --------------------------------------------------------------------------------------
# Hillstrom
# --------------------------------------------------------------------------------------


def test_hillstrom_sizes_and_types(hillstrom):
    assert hillstrom.shape == (64_000, 12)
    assert hillstrom["history_segment"].cat.ordered
    assert hillstrom["history_segment"].cat.categories[0] == "1) $0 - $100"
    assert hillstrom["history_segment"].min() == "1) $0 - $100"
    for col in ("zip_code", "channel", "segment"):
        assert isinstance(hillstrom[col].dtype, pd.CategoricalDtype)
    for col in ("mens", "womens", "newbie", "visit", "conversion"):
        assert hillstrom[col].dtype == bool
    assert hillstrom["spend"].dtype == "float64" and hillstrom["recency"].dtype == "int64"


def test_hillstrom_arms_and_published_response_rates(hillstrom):
    counts = hillstrom["segment"].value_counts()
    assert counts.to_dict() == {"Womens E-Mail": 21_387, "Mens E-Mail": 21_307, "No E-Mail": 21_306}
    assert all(abs(c - 21_333) < 100 for c in counts)
    rates = hillstrom.groupby("segment", observed=True)[["visit", "conversion", "spend"]].mean()
    # Hillstrom's challenge results: visits 10.6% / 18.3% / 15.1%, spend $0.65 / $1.42 / $1.08
    assert rates.loc["No E-Mail", "visit"] == pytest.approx(0.1062, abs=5e-4)
    assert rates.loc["Mens E-Mail", "visit"] == pytest.approx(0.1828, abs=5e-4)
    assert rates.loc["Womens E-Mail", "visit"] == pytest.approx(0.1514, abs=5e-4)
    assert rates.loc["Mens E-Mail", "conversion"] == pytest.approx(0.0125, abs=5e-4)
    assert rates.loc["Mens E-Mail", "spend"] == pytest.approx(1.4226, abs=5e-4)
    assert rates.loc["No E-Mail", "spend"] == pytest.approx(0.6528, abs=5e-4)


# --------------------------------------------------------------------------------------
# Orange juice, paid search, amusement park
# --------------------------------------------------------------------------------------


def test_orange_juice(home):
    oj = load_orange_juice()
    assert oj.shape == (28_947, 4)
    assert list(oj.columns) == ["sales", "price", "brand", "feature"]
    assert oj["brand"].value_counts().to_dict() == {"dominicks": 9649, "minute.maid": 9649, "tropicana": 9649}
    assert oj["feature"].dtype == bool and int(oj["feature"].sum()) == 6_868
    assert oj["sales"].dtype == "float64" and (oj["sales"] > 0).all()
    # The textbook's fact: Tropicana is the premium brand.
    means = oj.groupby("brand", observed=True)["price"].mean()
    assert means["tropicana"] > means["minute.maid"] > means["dominicks"]


def test_paidsearch(home):
    ps = load_paidsearch()
    assert len(ps) == 23_730
    assert ps["dma"].nunique() == 210
    assert list(ps.columns) == ["date", "dma", "treatment_period", "search_stays_on", "revenue"]
    assert str(ps["date"].dtype) == "datetime64[us]"
    assert ps["date"].min() == pd.Timestamp("2012-04-01") and ps["date"].max() == pd.Timestamp("2012-07-22")
    assert ps["date"].nunique() == 113
    assert ps.loc[~ps["search_stays_on"], "dma"].nunique() == 68
    # The switch-off happened on 22 May 2012.
    assert ps.loc[ps["treatment_period"], "date"].min() == pd.Timestamp("2012-05-22")
    assert ps["treatment_period"].dtype == bool and ps["revenue"].dtype == "float64"


def test_amusement_park(home):
    park = load_amusement_park()
    assert park.shape == (500, 8)
    assert park.dtypes.astype(str).to_dict() == {
        "weekend": "bool", "num_child": "int64", "distance": "float64", "rides": "int64",
        "games": "int64", "wait": "int64", "clean": "int64", "overall": "int64",
    }
    assert int(park["weekend"].sum()) == 241
    assert park["num_child"].between(0, 5).all()
    assert park["overall"].mean() == pytest.approx(51.258)
    # Chapman & Feit's driver analysis: rides correlate with overall satisfaction.
    assert np.corrcoef(park["rides"], park["overall"])[0, 1] > 0.5


# --------------------------------------------------------------------------------------
# Wrong files and missing data
# --------------------------------------------------------------------------------------


def test_wrong_file_gets_a_clear_error(home):
    hill_csv = home / "hillstrom" / "hillstrom.csv"
    with pytest.raises(DataError) as err:
        load_orange_juice(hill_csv)
    msg = str(err.value)
    assert "does not have the columns of the Dominick's orange juice" in msg
    assert "Expected ['sales', 'price', 'brand', 'feat']" in msg
    assert "found ['recency', 'history_segment'" in msg
    assert "oj.csv" in msg
    with pytest.raises(DataError, match=r"could not be read as the CDNOW master file.*Pass the path of CDNOW_master.txt"):
        load_cdnow(hill_csv)
    with pytest.raises(DataError, match=r"Expected \['date', 'dma', 'treatment_period', 'search stays on', 'revenue'\]"):
        load_paidsearch(home / "dominicks_oj" / "oj.csv")


def test_bad_values_in_a_copied_file(home, tmp_path):
    lines = (home / "dominicks_oj" / "oj.csv").read_text().splitlines()[:20]
    lines[5] = lines[5].replace("tropicana", "tropicanna")
    (tmp_path / "oj.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"column 'brand' .* one of \['dominicks', 'minute.maid', 'tropicana'\].*'tropicanna' \(lines \[6\]\)"):
        load_orange_juice(tmp_path / "oj.csv")


def test_path_may_be_file_dataset_folder_or_data_home(home, tmp_path, monkeypatch):
    source = home / "amusement_park" / "rintro-chapter7.csv"
    folder = tmp_path / "amusement_park"
    folder.mkdir()
    lines = source.read_text().splitlines()
    (folder / "rintro-chapter7.csv").write_text("\n".join(lines[:11]) + "\n")  # header + 10 rows
    assert len(load_amusement_park(folder / "rintro-chapter7.csv")) == 10
    assert len(load_amusement_park(folder)) == 10
    assert len(load_amusement_park(tmp_path)) == 10
    # The environment variable comes before ../shared/data.
    monkeypatch.setenv("CRMLIB_DATA_HOME", str(tmp_path))
    assert data_home(dataset="amusement_park") == tmp_path
    assert len(load_amusement_park()) == 10
    # ...but a home without the data set is passed over.
    assert data_home(dataset="cdnow") != tmp_path
    assert len(load_cdnow(which="sample")) == 6_919


def test_explicit_path_without_the_data_gives_the_download_hint(tmp_path):
    with pytest.raises(DataError) as err:
        load_paidsearch(tmp_path)
    msg = str(err.value)
    assert "'paidsearch.csv' not found under" in msg
    assert "TaddyLab/BDS" in msg
    with pytest.raises(DataError, match=r"path '.*nothing' does not exist"):
        load_hillstrom(tmp_path / "nothing")


def test_missing_data_home_lists_places_env_var_and_download(tmp_path, monkeypatch):
    monkeypatch.delenv("CRMLIB_DATA_HOME", raising=False)
    monkeypatch.setattr(
        _real, "_candidates",
        lambda: [("$CRMLIB_DATA_HOME", None), ("beside the repository", tmp_path / "shared" / "data")],
    )
    with pytest.raises(DataError) as err:
        load_cdnow()
    msg = str(err.value)
    assert msg.startswith("load_cdnow: data set 'cdnow' not found")
    assert "$CRMLIB_DATA_HOME: (not set)" in msg
    assert str(tmp_path / "shared" / "data") in msg
    assert "set the environment variable CRMLIB_DATA_HOME" in msg
    assert "brucehardie.com" in msg and "Lifetimes" in msg
    with pytest.raises(DataError, match="Chapman & Feit"):
        data_home(dataset="amusement_park")


def test_sources_describe_every_loader():
    assert set(_real.SOURCES) == {
        "cdnow", "hillstrom", "orange_juice", "paidsearch", "amusement_park", "ta_feng", "groceries",
        "donations",
    }
    for spec in _real.SOURCES.values():
        assert {"title", "folder", "files", "description", "citation", "download"} <= set(spec)
    assert "minethatdata" in str(_real.SOURCES["hillstrom"]["download"]).lower()
    assert "r-marketing.r-forge.r-project.org/data" in str(_real.SOURCES["amusement_park"]["download"])


def test_data_home_search_order(tmp_path, monkeypatch):
    monkeypatch.setenv("CRMLIB_DATA_HOME", str(tmp_path / "env"))
    monkeypatch.chdir(tmp_path)
    labels = [label for label, _ in _real._candidates()]
    places = [place for _, place in _real._candidates()]
    assert labels[0] == "$CRMLIB_DATA_HOME" and places[0] == tmp_path / "env"
    assert places[1] == Path(_real.crmlib.__file__).resolve().parents[2] / "shared" / "data"
    assert places[2] == tmp_path.parent / "shared" / "data"
    assert places[3] == tmp_path.parent.parent / "shared" / "data"



# --------------------------------------------------------------------------------------
# Ta-Feng order lines through read_transactions
# --------------------------------------------------------------------------------------


def test_ta_feng_order_lines_are_all_kept_and_revenue_matches_pandas(home):
    from crmlib.datasets import read_transactions
    from crmlib.engine import rfm_summary

    path = home / "ta_feng" / "ta_feng.csv.zip"
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the real-data tests, but {path} was not found")
        pytest.skip(f"Ta-Feng not found at {path}")
    tx = read_transactions(
        path, {"customer_id": "CUSTOMER_ID", "order_date": "TRANSACTION_DT", "amount": "SALES_PRICE"}
    )
    rec = tx.reconciliation
    assert rec.rows_read == 817_741
    assert rec.rows_kept == 817_741 and rec.rows_set_aside == 0
    assert any("order-line export" in n for n in tx.notes)
    plain = pd.read_csv(path, usecols=["SALES_PRICE"])["SALES_PRICE"].sum()
    assert tx.data["amount"].sum() == pytest.approx(plain, abs=0.5)
    summary = rfm_summary(tx.data, as_of="2001-02-28")
    assert len(summary) == 32_266
    first = tx.data.groupby("customer_id")["amount"].sum()
    assert first.sum() == pytest.approx(plain, abs=0.5)


@pytest.fixture(scope="module")
def ta_feng_lines(home):
    if not (home / "ta_feng" / "ta_feng.csv.zip").is_file():
        if os.environ.get("CI"):
            pytest.fail("CI must run the real-data tests, but ta_feng/ta_feng.csv.zip was not found")
        pytest.skip("Ta-Feng not found")
    return load_ta_feng()


def test_ta_feng_lines_sizes_types_and_documented_counts(ta_feng_lines, home):
    lines = ta_feng_lines
    # the data README: 817,741 order lines, 32,266 customers, 1 Nov 2000 - 28 Feb 2001
    assert lines.shape == (817_741, 9)
    assert lines["customer_id"].nunique() == 32_266
    assert str(lines["order_date"].min().date()) == "2000-11-01"
    assert str(lines["order_date"].max().date()) == "2001-02-28"
    assert lines.dtypes.astype(str).to_dict() == {
        "order_date": "datetime64[us]", "customer_id": "string", "age_group": "category",
        "pin_code": "category", "product_subclass": "string", "product_id": "string",
        "quantity": "int64", "cost": "float64", "amount": "float64",
    }
    assert lines["customer_id"].str.len().eq(8).all()  # leading zeros kept
    raw = pd.read_csv(home / "ta_feng" / "ta_feng.csv.zip", dtype=str, keep_default_na=False)
    assert int((raw["AGE_GROUP"] == "").sum()) == int(lines["age_group"].isna().sum()) > 0
    assert lines["amount"].sum() == pd.to_numeric(raw["SALES_PRICE"]).sum()
    assert lines["age_group"].cat.ordered and lines["age_group"].cat.categories[0] == "<25"


def test_ta_feng_orders_are_customer_day_baskets(ta_feng_lines, home):
    orders = load_ta_feng(home, level="orders")
    assert len(orders) == 119_578  # the data README's customer-day baskets
    assert orders["order_id"].is_unique
    assert orders["lines"].sum() == len(ta_feng_lines)
    assert orders["amount"].sum() == ta_feng_lines["amount"].sum()
    assert orders["items"].sum() == ta_feng_lines["quantity"].sum()
    one = orders.iloc[0]
    mine = ta_feng_lines[(ta_feng_lines["customer_id"] == one["customer_id"])
                         & (ta_feng_lines["order_date"] == one["order_date"])]
    assert one["amount"] == mine["amount"].sum() and one["lines"] == len(mine)


def test_ta_feng_errors(home, tmp_path):
    with pytest.raises(ParameterError, match="level"):
        load_ta_feng(home, level="baskets")
    bad = tmp_path / "ta_feng.csv"
    bad.write_text(
        "TRANSACTION_DT,CUSTOMER_ID,AGE_GROUP,PIN_CODE,PRODUCT_SUBCLASS,PRODUCT_ID,AMOUNT,ASSET,SALES_PRICE\n"
        "11/1/2000,01104905,45-49,115,110411,4710199010372,2,24,30\n"
        "2000-11-02,01104905,45-49,115,110411,4710199010372,2,24,30\n"
    )
    with pytest.raises(DataError, match=r"'TRANSACTION_DT'.*dates like '11/1/2000'.*lines \[3\]"):
        load_ta_feng(bad)
    bad.write_text(bad.read_text().replace("2000-11-02", "11/2/2000").replace(",45-49,115,110411,4710199010372,2,24,30\n", ",46-50,115,110411,4710199010372,2,24,30\n", 1))
    with pytest.raises(DataError, match="AGE_GROUP"):
        load_ta_feng(bad)
