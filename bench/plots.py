"""The plots of ``docs/benchmarks.md`` (matplotlib, Agg): latency against batch size, the numpy → Java
handover against array size, and rows/s against threads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from common import LABELS, Point, Results

# Colour, marker and line of each series: solid for jinfer, dashed or dotted for its anchor.
STYLE = {
    "jinfer-python": ("tab:blue", "o", "-"),
    "ort-python": ("tab:orange", "s", "--"),
    "jinfer-java": ("tab:green", "^", "-"),
    "jinfer-java-run": ("tab:green", "^", ":"),
    "ort-java": ("tab:red", "v", "--"),
    "sklearn": ("tab:purple", "D", ":"),
    "fastapi": ("tab:brown", "x", ":"),
    "jinfer-pmml-java": ("tab:pink", "P", "-"),
    "jpmml-java": ("tab:pink", "P", "--"),
    "jinfer-pmml-python": ("tab:olive", "*", "-"),
    "jpmml-python": ("tab:olive", "*", "--"),
    "jinfer-pmml-loop": ("tab:olive", "*", ":"),
    "jinfer-pybackend-java": ("tab:cyan", "h", "-"),
    "zero-copy": ("tab:blue", "o", "-"),
    "zero-copy-no-prompt": ("tab:blue", "o", ":"),
    "copy-strided": ("tab:orange", "s", "-"),
    "copy-fortran": ("tab:olive", "P", "-"),
    "from-java": ("tab:cyan", "^", "--"),
    "numpy-strided": ("tab:orange", "s", ":"),
    "numpy-fortran": ("tab:olive", "P", ":"),
    "jarray": ("tab:red", "x", ":"),
    "memcpy": ("tab:gray", "D", "--"),
}


def plot_latency(results: Results, models: dict[str, str], out: Path) -> None:
    fig, axes = plt.subplots(1, len(models), figsize=(6.8 * len(models), 6.4), squeeze=False)
    for ax, (name, title) in zip(axes[0], models.items()):
        for series in results.names("latency"):
            pts = results.series("latency", series, name)
            if not pts:
                continue
            _line(ax, series, [p.x for p in pts], pts)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("batch size (rows per call)")
        ax.set_ylabel("latency per call (s), median, bars min–max")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=9, frameon=False)
    fig.suptitle("Latency against batch size (log axes; solid: jinfer, dashed: its anchor)")
    fig.tight_layout(rect=(0, 0.14, 1, 1))
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot_handover(results: Results, out: Path) -> None:
    fig, (ax, bw) = plt.subplots(1, 2, figsize=(13, 6.2))
    for series in results.names("handover"):
        pts = results.series("handover", series)
        if not pts:
            continue
        _line(ax, series, [p.x for p in pts], pts, spread="p10-p90")
        color, marker, ls = STYLE.get(series, (None, "o", "-"))
        bw.plot(
            [p.x for p in pts],
            [p.x / p.median / 1e9 for p in pts],
            color=color,
            marker=marker,
            linestyle=ls,
            label=LABELS.get(series, series),
        )
    ax.axhline(50e-6, color="black", linewidth=0.8, linestyle="--")
    ax.annotate(
        "target for 100 MB zero copy: 50 µs", (1e3, 50e-6), xytext=(0, 4), textcoords="offset points", fontsize=8
    )
    for a in (ax, bw):
        a.set_xscale("log")
        a.set_yscale("log")
        a.set_xlabel("array size (bytes)")
        a.grid(True, which="both", alpha=0.3)
    ax.set_ylabel("time per call (s): median, bars 10th–90th percentile")
    ax.set_title("numpy → Java: time per handover (single calls)")
    bw.set_ylabel("effective bandwidth (GB/s, from the median)")
    bw.set_title("Effective bandwidth (size / time)")
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    fig.savefig(out, dpi=110)
    plt.close(fig)


def plot_threads(results: Results, out: Path) -> None:
    batches = sorted({p.batch for p in results.points if p.suite == "threads"})
    models = sorted({p.model for p in results.points if p.suite == "threads"}, key=lambda m: m != "rf")
    if not batches or not models:
        return
    fig, axes = plt.subplots(len(models), len(batches), figsize=(5.6 * len(batches), 4.2 * len(models)), squeeze=False)
    for i, model in enumerate(models):
        for j, batch in enumerate(batches):
            ax = axes[i][j]
            for series in ("jinfer-java", "ort-java", "jinfer-pmml-java"):
                pts = results.series("threads", series, model, batch)
                if not pts:
                    continue
                color, marker, ls = STYLE[series]
                xs = [p.x for p in pts]
                ax.errorbar(
                    xs,
                    [p.median for p in pts],
                    yerr=[[p.median - p.min for p in pts], [p.max - p.median for p in pts]],
                    color=color,
                    marker=marker,
                    linestyle=ls,
                    capsize=3,
                    label=LABELS[series],
                )
                if series == "jinfer-java":
                    ax.plot(
                        xs,
                        [pts[0].median * x for x in xs],
                        color="black",
                        linestyle=":",
                        linewidth=1,
                        label="jinfer ONNX, perfect scaling",
                    )
                    ax.plot(
                        xs,
                        [pts[0].median * (1 + 0.7 * (x - 1)) for x in xs],
                        color="black",
                        linestyle="--",
                        linewidth=0.7,
                        label="jinfer ONNX, the 1.7x target",
                    )
            ax.set_xticks([1, 2])
            ax.set_xlabel("caller threads on one shared model (intra-op threads 1)")
            ax.set_ylabel("rows/s (median, bars min–max; log)")
            ax.set_title(f"{model}, batch {batch}")
            ax.set_yscale("log")
            ax.grid(True, which="both", alpha=0.3)
    axes[0][0].legend(fontsize=8, loc="lower right")
    fig.suptitle("Rows/s against caller threads, Java")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def _line(ax: Any, series: str, xs: list[float], pts: list[Point], spread: str = "minmax") -> None:
    """A median line with bars: min – max, or ("p10-p90") the 10th to 90th percentile of the samples."""
    color, marker, ls = STYLE.get(series, (None, "o", "-"))
    ys = [p.median for p in pts]
    if spread == "p10-p90":
        lo = [float(np.percentile(p.samples, 10)) for p in pts]
        hi = [float(np.percentile(p.samples, 90)) for p in pts]
    else:
        lo, hi = [p.min for p in pts], [p.max for p in pts]
    bars = ax.errorbar(
        xs,
        ys,
        yerr=[[y - v for y, v in zip(ys, lo)], [v - y for y, v in zip(ys, hi)]],
        color=color,
        marker=marker,
        linestyle=ls,
        capsize=2,
        markersize=5,
        label=LABELS.get(series, series),
    )
    for b in bars[2]:
        b.set_alpha(0.35)
