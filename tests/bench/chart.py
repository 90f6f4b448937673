#!/usr/bin/env python3
"""chart.py -- the table and SVG bar chart of tests/bench/all.sh's CSV.

    python3 tests/bench/chart.py bench.csv bench.svg

Prints one Markdown row per model (latencies, ratios ORT/qcc, scratch
against its lower bound, object against weight bytes, compile times) and
draws the CPU-time ratios as grouped bars (FP32, INT8) with the targets of issue 7
as lines at 1.0 (FP32) and 2.0 (INT8).  Standard library only.
"""
import csv
import sys


def num(row, key):
    try:
        return float(row[key])
    except (KeyError, ValueError):
        return float("nan")


def table(rows):
    print("| model | ORT FP32 | qcc FP32 | qcc INT8 | ORT/qcc FP32 | "
          "ORT/qcc INT8 | CPU-time ORT/qcc FP32 | CPU-time ORT/qcc INT8 | "
          "scratch FP32 / bound | scratch INT8 / bound | "
          "object FP32 / weights | object INT8 / weights | compile FP32 | "
          "compile INT8 |")
    print("|---" * 14 + "|")
    for r in rows:
        def ratio(a, b):
            x, y = num(r, a), num(r, b)
            return "%.3f" % (x / y) if y > 0 else "-"
        print("| %s | %.1f us | %.1f us | %.1f us | %.2f | %.2f | %.2f | "
              "%.2f | %.2f MiB / %.2f MiB = %s | %.2f MiB / %.2f MiB = %s | "
              "%s | %s | %.0f ms (CPU %.0f) | %.0f ms (CPU %.0f) |" % (
                  r["model"], num(r, "ort_us"), num(r, "qcc_fp32_us"),
                  num(r, "qcc_int8_us"), num(r, "ratio_fp32"),
                  num(r, "ratio_int8"), num(r, "cpu_ratio_fp32"),
                  num(r, "cpu_ratio_int8"),
                  num(r, "scratch_fp32") / 2**20,
                  num(r, "bound_fp32") / 2**20,
                  ratio("scratch_fp32", "bound_fp32"),
                  num(r, "scratch_int8") / 2**20,
                  num(r, "bound_int8") / 2**20,
                  ratio("scratch_int8", "bound_int8"),
                  ratio("object_fp32", "weight_bytes"),
                  ratio("object_int8", "weight_bytes"),
                  num(r, "compile_fp32_ms"), num(r, "compile_fp32_cpu_ms"),
                  num(r, "compile_int8_ms"), num(r, "compile_int8_cpu_ms")))


def svg(rows, path):
    w, h, left, top, bottom = 640, 320, 60, 30, 50
    ph = h - top - bottom
    series = (("cpu_ratio_fp32", "FP32", "#4c78a8"),
              ("cpu_ratio_int8", "INT8", "#f58518"))
    vals = [num(r, k) for r in rows for k, _, _ in series]
    top_v = max([2.5] + [v for v in vals if v == v]) * 1.1
    y = lambda v: top + ph - ph * v / top_v
    gw = (w - left - 20) / max(1, len(rows))
    bw = gw / (len(series) + 1)
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="12">' % (w, h),
           '<text x="%d" y="18" font-size="14">ONNX Runtime FP32 time / '
           'qcc time, median thread CPU time (higher is faster)</text>'
           % left]
    for t in range(0, int(top_v) + 1):
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>'
                   '<text x="%d" y="%.1f" text-anchor="end">%d</text>'
                   % (left, w - 20, y(t), y(t), left - 6, y(t) + 4, t))
    for v, label in ((1.0, "FP32 target"), (2.0, "INT8 target")):
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#c00" '
                   'stroke-dasharray="4 3"/><text x="%d" y="%.1f" '
                   'fill="#c00" text-anchor="end">%s</text>'
                   % (left, w - 20, y(v), y(v), w - 22, y(v) - 3, label))
    for i, r in enumerate(rows):
        x0 = left + i * gw + bw / 2
        for j, (key, _, color) in enumerate(series):
            v = num(r, key)
            if v != v:
                continue
            out.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" '
                       'fill="%s"/><text x="%.1f" y="%.1f" '
                       'text-anchor="middle">%.2f</text>'
                       % (x0 + j * bw, y(v), bw - 2, y(0) - y(v), color,
                          x0 + j * bw + bw / 2, y(v) - 3, v))
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>'
                   % (x0 + bw, h - bottom + 18, r["model"]))
    for j, (_, label, color) in enumerate(series):
        out.append('<rect x="%d" y="%d" width="10" height="10" fill="%s"/>'
                   '<text x="%d" y="%d">%s</text>'
                   % (left + j * 80, h - 14, color, left + j * 80 + 14,
                      h - 5, label))
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: chart.py bench.csv bench.svg")
    with open(sys.argv[1]) as f:
        rows = list(csv.DictReader(f))
    table(rows)
    svg(rows, sys.argv[2])


if __name__ == "__main__":
    main()
