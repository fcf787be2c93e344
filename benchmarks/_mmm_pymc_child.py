"""PyMC-Marketing side of ``bench_mmm.py``; runs in ``benchmarks/_work/venv-pymc``.

Usage: ``python _mmm_pymc_child.py CONFIG_JSON`` where the config names the weekly Parquet
file (``data``), the ``channels`` and ``controls`` columns, ``l_max``, ``fourier``,
``chains``, ``draws``, ``tune``, ``cores`` and ``seed``. One JSON object goes to stdout.

The model is PyMC-Marketing's multidimensional ``MMM`` (the legacy ``pymc_marketing.mmm.MMM``
is deprecated in 0.19 and goes in 0.20) with no extra dims: ``GeometricAdstock(l_max)`` then
``LogisticSaturation()``, default priors, ``yearly_seasonality=fourier``, the controls as
linear terms. The target and every channel are divided by their maximum inside the model, so
``channel_contribution`` is in units of max(revenue); the script adds
``channel_contribution_original_scale`` (the library's own ``target_scale`` product) and sums
it over the weeks for each channel's ROI. Checks reported beside the ROIs: the library's
``total_media_contribution_original_scale`` against the sum of the per-channel contributions,
and intercept + controls + seasonality + media (original scale) against the observed revenue
and against the posterior-predictive mean.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import sys
import time
import warnings

warnings.simplefilter("ignore")
logging.getLogger("pymc").setLevel(logging.ERROR)
logging.getLogger("pytensor").setLevel(logging.ERROR)

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def main() -> None:
    cfg = json.loads(sys.argv[1])
    t_start = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()):
        import pymc_marketing
        from pymc_marketing.mmm import GeometricAdstock, LogisticSaturation
        from pymc_marketing.mmm.multidimensional import MMM
    t_import = time.perf_counter() - t_start

    data = pd.read_parquet(cfg["data"])
    channels, controls = list(cfg["channels"]), list(cfg["controls"])
    X = data[["week", *channels, *controls]].copy()
    X["week"] = pd.to_datetime(X["week"])
    X[controls] = X[controls].astype(float)
    y = data["revenue"].astype(float).rename("revenue")

    t0 = time.perf_counter()
    mmm = MMM(
        date_column="week",
        target_column="revenue",
        channel_columns=channels,
        control_columns=controls,
        adstock=GeometricAdstock(l_max=int(cfg["l_max"])),
        saturation=LogisticSaturation(),
        yearly_seasonality=int(cfg["fourier"]),
    )
    mmm.build_model(X, y)
    mmm.add_original_scale_contribution_variable(["channel_contribution"])
    t_build = time.perf_counter() - t0
    t1 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # compute_deterministics draws a progress bar
        idata = mmm.fit(
            X,
            y,
            chains=int(cfg["chains"]),
            draws=int(cfg["draws"]),
            tune=int(cfg["tune"]),
            cores=int(cfg["cores"]),
            random_seed=int(cfg["seed"]),
            progressbar=False,
        )
    t_fit = time.perf_counter() - t1
    post = idata.posterior
    sampling = float(post.attrs.get("sampling_time", float("nan")))

    # per-draw ROI: contribution in revenue units summed over the weeks / total spend
    contrib = post["channel_contribution_original_scale"]  # (chain, draw, date, channel)
    spend = X[channels].sum().to_numpy(dtype=float)
    total = contrib.sum("date").transpose("chain", "draw", "channel").to_numpy()
    roi = (total / spend).reshape(-1, len(channels))
    lo, hi = np.quantile(roi, [0.05, 0.95], axis=0)
    order = [str(c) for c in contrib.coords["channel"].values]
    out = {
        "versions": {"pymc_marketing": pymc_marketing.__version__},
        "import_seconds": t_import,
        "build_seconds": t_build,
        "fit_seconds": t_fit,  # compile + sample + deterministics
        "sampling_seconds": sampling,  # pm.sample's own sampling clock
        "total_seconds": time.perf_counter() - t_start,
        "channels": {
            c: {
                "roi": float(roi[:, i].mean()),
                "roi_low": float(lo[i]),
                "roi_high": float(hi[i]),
                "contribution": float(total[..., i].mean()),
                "spend": float(spend[i]),
            }
            for i, c in enumerate(order)
        },
    }
    with contextlib.redirect_stderr(io.StringIO()):
        import arviz as az
        import pymc

        summ = az.summary(idata, var_names=["saturation_beta", "saturation_lam", "adstock_alpha"])
        out["versions"]["pymc"] = pymc.__version__
    out["max_rhat"] = float(summ["r_hat"].max())
    out["min_ess_bulk"] = float(summ["ess_bulk"].min())
    out["divergences"] = int(idata.sample_stats["diverging"].sum())
    out["mean_tree_size"] = float(idata.sample_stats["n_steps"].mean())

    # checks of the scale: the library's own original-scale media total, and the fitted mean
    scale = float(mmm.scalers["_target"])
    lib_total = float(post["total_media_contribution_original_scale"].mean())
    out["check_media_total"] = {"library": lib_total, "sum_of_channels": float(total.sum(-1).mean())}
    mean_of = lambda name: post[name].mean(("chain", "draw"))  # noqa: E731
    fitted = mean_of("intercept_contribution") * scale + mean_of("channel_contribution_original_scale").sum("channel")
    fitted = fitted + mean_of("control_contribution").sum("control") * scale
    fitted = fitted + mean_of("yearly_seasonality_contribution") * scale
    fitted = fitted.transpose("date").to_numpy()
    obs = y.to_numpy()
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        pp = mmm.sample_posterior_predictive(X, extend_idata=False, progressbar=False, random_seed=1)
    pp_mean = pp[mmm.output_var].mean("sample").transpose("date").to_numpy() * scale
    out["check_fit"] = {
        "r2": float(1 - ((obs - fitted) ** 2).sum() / ((obs - obs.mean()) ** 2).sum()),
        "mean_abs_residual": float(np.abs(obs - fitted).mean()),
        "max_rel_diff_vs_posterior_predictive": float(np.max(np.abs(pp_mean - fitted) / obs)),
        "target_scale": scale,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
