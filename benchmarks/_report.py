"""Turn the raw runs into statistics, tables (Markdown) and a chart (PNG)."""

from __future__ import annotations

import math
from typing import Any

from ._core import LIBS, Workload, summarize

__all__ = ["aggregate", "render_chart", "render_markdown"]

_UNITS = {"us": "µs", "ms": "ms", "s": "s", "MB": "MB"}
REFERENCE = "jax"


def aggregate(raw: dict[str, Any], workloads: dict[str, Workload]) -> dict[str, Any]:
    """Pool each metric's samples over passes; ratios to pure JAX; checks."""
    libs: list[str] = raw["libs"]
    out: dict[str, Any] = {}
    for name in raw["workloads"]:
        w = workloads[name]
        runs = [r for r in raw["runs"] if r["workload"] == name]
        status: dict[str, dict[str, Any]] = {}
        pooled: dict[str, dict[str, list[float]]] = {}
        checks: dict[str, dict[str, float]] = {}
        for lib in libs:
            mine = [r for r in runs if r["lib"] == lib]
            ok = [r for r in mine if r["status"] == "ok"]
            if ok:
                status[lib] = {"status": "ok", "processes": len(ok)}
                for r in ok:
                    for key, xs in r["samples"].items():
                        pooled.setdefault(key, {}).setdefault(lib, []).extend(xs)
                checks[lib] = ok[0]["checks"]
            elif mine:
                bad = mine[0]
                status[lib] = {
                    "status": bad["status"],
                    "reason": bad.get("reason", ""),
                    "traceback": bad.get("traceback"),
                }
            else:
                status[lib] = {"status": "unavailable", "reason": "not run"}
        metrics: dict[str, dict[str, Any]] = {}
        for m in w.metrics:
            per_lib: dict[str, Any] = {}
            for lib, xs in pooled.get(m.key, {}).items():
                per_lib[lib] = summarize(xs)
            ref = per_lib.get(REFERENCE)
            for lib, s in per_lib.items():
                if ref is not None and ref["median"] > 0:
                    s["ratio"] = s["median"] / ref["median"]
                    # spread of the ratio: the lib's quartiles over the reference median
                    s["ratio_q1"] = s["q1"] / ref["median"]
                    s["ratio_q3"] = s["q3"] / ref["median"]
                if ref is not None and ref["min"] > 0:
                    # noise only ever adds time: the ratio of the minima is the
                    # steadier estimate of the intrinsic cost on a busy machine
                    s["ratio_min"] = s["min"] / ref["min"]
            metrics[m.key] = per_lib
        out[name] = {
            "status": status,
            "metrics": metrics,
            "checks": checks,
            "equivalence": _equivalence(checks, w.rtol),
        }
    return out


def _close(a: float, b: float, rtol: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return False
    return abs(a - b) <= rtol * max(abs(a), abs(b)) + 1e-6


def _equivalence(checks: dict[str, dict[str, float]], rtol: float) -> dict[str, Any]:
    """Compare every library's check values with the reference's (pure JAX's)."""
    if not checks:
        return {"reference": None, "agree": {}}
    ref_lib = REFERENCE if REFERENCE in checks else next(iter(checks))
    ref = checks[ref_lib]
    agree: dict[str, bool] = {}
    for lib, values in checks.items():
        agree[lib] = set(values) == set(ref) and all(
            _close(float(values[k]), float(ref[k]), rtol) for k in ref
        )
    return {"reference": ref_lib, "agree": agree}


def _fmt(x: float) -> str:
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    digits = max(0, 2 - int(math.floor(math.log10(abs(x)))))
    return f"{x:.{digits}f}"


def _cell(
    s: dict[str, Any] | None, unit: str, status: dict[str, Any] | None, ref: bool
) -> str:
    if s is None:
        if status is not None and status["status"] == "error":
            return "error"
        return "n/a"
    text = f"{_fmt(s['median'])} {_UNITS.get(unit, unit)} ±{_fmt(s['iqr'] / 2)}"
    if "ratio" in s:
        text += f" · **{s['ratio']:.2f}x**"
    if "ratio_min" in s and s.get("n", 0) > 1 and not ref:
        text += f" (min {s['ratio_min']:.2f}x)"
    return text


def render_markdown(
    raw: dict[str, Any], agg: dict[str, Any], workloads: dict[str, Workload]
) -> str:
    libs: list[str] = raw["libs"]
    labels = [LIBS[lib].label for lib in libs]
    lines: list[str] = []
    lines.append("### Results: median ± half the IQR, and the ratio to pure JAX")
    lines.append("")
    lines.append(
        "Each cell: the median (± half the inter-quartile range) of all samples, "
        "**the ratio of medians to pure JAX**, and in brackets the ratio of the "
        "minima. The target verdict uses the ratio of medians."
    )
    lines.append("")
    lines.append("| workload | metric | " + " | ".join(labels) + " | eqstate target |")
    lines.append("|---|---|" + "---|" * len(libs) + "---|")
    for name, a in agg.items():
        w = workloads[name]
        for m in w.metrics:
            per_lib = a["metrics"].get(m.key, {})
            if not per_lib and any(st["status"] == "ok" for st in a["status"].values()):
                continue  # not measured in this mode (e.g. depth 200 in --quick)
            cells = [
                _cell(per_lib.get(lib), m.unit, a["status"].get(lib), lib == REFERENCE)
                for lib in libs
            ]
            target = ""
            if m.target is not None:
                s = per_lib.get("eqstate")
                if s is not None and "ratio" in s:
                    verdict = "met" if s["ratio"] <= m.target else "**not met**"
                    target = f"≤ {m.target}x: {verdict}"
                else:
                    target = f"≤ {m.target}x"
            lines.append(
                f"| {name} | {m.label} | " + " | ".join(cells) + f" | {target} |"
            )
    lines.append("")
    lines.append("### Equivalence: the numbers each library computed")
    lines.append("")
    lines.append(
        "Every library runs the same model from the same inputs and initial "
        "weights; ✓ means the value matches pure JAX's within the workload's "
        "relative tolerance."
    )
    lines.append("")
    lines.append("| workload | check | " + " | ".join(labels) + " |")
    lines.append("|---|---|" + "---|" * len(libs))
    for name, a in agg.items():
        checks = a["checks"]
        keys: list[str] = []
        for values in checks.values():
            keys.extend(k for k in values if k not in keys)
        ref_lib = a["equivalence"]["reference"]
        for key in keys:
            cells = []
            for lib in libs:
                values = checks.get(lib)
                if values is None or key not in values:
                    cells.append("n/a")
                    continue
                v = float(values[key])
                ok = ref_lib is not None and _close(
                    v, float(checks[ref_lib].get(key, math.nan)), workloads[name].rtol
                )
                cells.append(f"{v:.6g} {'✓' if ok else '✗'}")
            lines.append(f"| {name} | {key} | " + " | ".join(cells) + " |")
    missing = [
        (name, lib, st)
        for name, a in agg.items()
        for lib, st in a["status"].items()
        if st["status"] != "ok"
    ]
    if missing:
        lines.append("")
        lines.append("### Not measured")
        lines.append("")
        lines.append("| workload | library | why |")
        lines.append("|---|---|---|")
        for name, lib, st in missing:
            reason = str(st.get("reason", "")).replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {name} | {LIBS[lib].label} | {st['status']}: {reason} |")
    lines.append("")
    return "\n".join(lines)


def render_chart(
    agg: dict[str, Any], workloads: dict[str, Workload], libs: list[str], path: str
) -> bool:
    """Grouped bars of each headline metric's ratio to pure JAX; False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    rows: list[tuple[str, dict[str, float], float | None]] = []
    for name, a in agg.items():
        for m in workloads[name].metrics:
            if not m.headline:
                continue
            ratios = {
                lib: s["ratio"]
                for lib, s in a["metrics"].get(m.key, {}).items()
                if "ratio" in s and lib != REFERENCE
            }
            if ratios:
                rows.append((f"{name}: {m.label}", ratios, m.target))
    if not rows:
        return False
    shown = [lib for lib in libs if lib != REFERENCE]
    height = 0.8 / max(1, len(shown))
    fig, ax = plt.subplots(figsize=(9, 1.0 + 0.22 * len(rows) * max(1, len(shown))))
    colors = {
        "eqstate": "#d62728",
        "equinox": "#1f77b4",
        "nnx": "#2ca02c",
        "brainstate": "#9467bd",
    }
    for j, lib in enumerate(shown):
        ys, xs = [], []
        for i, (_, ratios, _) in enumerate(rows):
            if lib in ratios:
                ys.append(i + (j - (len(shown) - 1) / 2) * height)
                xs.append(ratios[lib])
        ax.barh(ys, xs, height=height, label=LIBS[lib].label, color=colors.get(lib))
        for yy, xx in zip(ys, xs):
            ax.text(xx * 1.03, yy, f"{xx:.2f}x", va="center", fontsize=6)
    for i, (_, _, target) in enumerate(rows):
        if target is not None:
            ax.plot(
                [target, target],
                [i - 0.45, i + 0.45],
                color="black",
                linestyle=":",
                linewidth=1,
            )
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r[0] for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel(
        "time (or memory) relative to pure JAX — lower is better; dotted: eqstate target"
    )
    ax.set_title("eqstate and its peers, relative to pure JAX + optax", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True
