"""The committed default data: reproducible from the seed, typed on load, documented, small."""

from __future__ import annotations

import filecmp
import json

import pandas as pd
import pytest

import crmlib.datasets as ds
from crmlib.exceptions import DataError, ParameterError
from conftest import ROOT

DATA = ROOT / "data"


@pytest.fixture(scope="module")
def default():
    return ds.load_default()


@pytest.mark.slow
def test_regenerating_with_the_committed_seed_reproduces_every_file_byte_for_byte(tmp_path):
    written = ds.write_default(tmp_path, seed=ds.DEFAULT_SEED)
    assert {p.name for p in written} == {p.name for p in DATA.iterdir() if p.is_file()}
    differ = [p.name for p in written if not filecmp.cmp(p, DATA / p.name, shallow=False)]
    assert not differ, f"regenerated files differ from data/: {differ}; run `make data` and commit"


def test_every_table_loads_with_its_schema(default):
    assert set(default.tables) == set(ds.TABLES)
    for name, frame in default.tables.items():
        assert list(frame.columns) == list(ds.SCHEMAS[name]), name
        assert len(frame) > 0, name
        for col, kind in ds.SCHEMAS[name].items():
            s = frame[col]
            if kind == "date":
                assert pd.api.types.is_datetime64_any_dtype(s), (name, col)
            elif kind == "category" or isinstance(kind, tuple | list):
                assert isinstance(s.dtype, pd.CategoricalDtype), (name, col)
            elif kind in ("id", "str"):
                assert pd.api.types.is_string_dtype(s), (name, col)
            elif kind == "bool":
                assert s.dtype == bool, (name, col)
            elif kind in ("int", "float"):
                assert pd.api.types.is_numeric_dtype(s), (name, col)


def test_identifiers_are_unique_and_link_up(default):
    customers = default.customers["customer_id"]
    assert customers.is_unique
    assert default.truth_customers["customer_id"].equals(customers)
    assert default.orders["order_id"].is_unique
    assert default.orders["customer_id"].isin(customers).all()
    assert default.order_lines["order_id"].isin(default.orders["order_id"]).all()
    assert default.order_lines["product_id"].isin(default.products["product_id"]).all()


def test_dates_lie_in_the_documented_window(default):
    orders = default.orders["order_date"]
    assert orders.min() >= ds.START and orders.max() <= ds.END


def test_truth_file_matches_the_generator_and_records_the_seed():
    truth = json.loads((DATA / "ground_truth.json").read_text())
    assert truth["seed"] == ds.DEFAULT_SEED
    for key in ("segments", "campaigns", "leads", "pricing", "media", "journeys", "satisfaction", "market",
                "pricing_survey", "price_ladder", "conjoint"):
        assert key in truth, key


def test_data_dictionary_documents_every_column():
    text = (DATA / "README.md").read_text()
    for name, schema in ds.SCHEMAS.items():
        assert f"## {name}" in text
        for col in schema:
            assert f"| `{col}` |" in text, (name, col)
    undocumented = [
        (t, c) for t, cols in ds.SCHEMAS.items() for c in cols if not ds._generator.DESCRIPTIONS[t].get(c)
    ]
    assert not undocumented, f"columns without a description: {undocumented}"


def test_default_data_stays_small():
    size = sum(p.stat().st_size for p in DATA.iterdir() if p.is_file())
    assert size < 30 * 2**20, f"data/ holds {size / 2**20:.1f} MiB"


def test_scale_multiplies_customers_and_orders():
    small = ds.generate(scale=0.05, tables=["customers", "orders"])
    bigger = ds.generate(scale=0.2, tables=["customers", "orders"])
    assert len(small.customers) == 600 and len(bigger.customers) == 2400
    assert 2.5 < len(bigger.orders) / len(small.orders) < 6


def test_load_default_errors_name_the_table_and_the_fix(tmp_path):
    with pytest.raises(ParameterError, match=r"unknown tables \['order'\]"):
        ds.load_default(tables=["order"])
    with pytest.raises(DataError, match=r"table 'customers' not found.*make data"):
        ds.load_default(tmp_path, tables=["customers"])


def test_generate_rejects_bad_scale():
    with pytest.raises(ParameterError, match="'scale' parameter of generate"):
        ds.generate(scale=0)
