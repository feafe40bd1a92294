#!/usr/bin/env python3
"""Issue 5's targets, checked against the records of `recur bench --json FILE`.

Usage: benchmarks/check_targets.py bench.jsonl
       benchmarks/check_targets.py run1.jsonl run2.jsonl ...   (several runs of the grid)

One file: prints one markdown table of every row (Recur ms, GFLOP/s, % of peak, each peer's ms, ratio = best peer /
Recur) and then each target with the measured value and "met" / "NOT met". Exit code 0 always: this reports, it does
not judge a run's noise (each row carries `other_load`; re-run rows above 0.10 on a quiet machine).

Several files: the same for the last one, then each row's ratio in every run, its median, and which rows are below
1.0 in every run, in some, or in none (on a shared host rows within ~10 % of a peer change sign from run to run).
"""
import json
import math
import sys


def load(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    return rows


def fmt(v, digits=3):
    if v is None:
        return "–"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.{digits}f}"


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    runs = [load(path) for path in argv[1:]]
    report(runs[-1])
    if len(runs) > 1:
        across(runs, argv[1:])
    return 0


def across(runs, paths):
    """Each (row, threads)'s ratio in every run, the median, and the rows below 1.0 in every run / some / none."""
    keys = []
    ratio = {}
    for n, rows in enumerate(runs):
        for r in rows:
            if r.get("ratio") is None:
                continue
            k = (r["key"], r["threads"])
            if k not in ratio:
                keys.append(k)
                ratio[k] = [None] * len(runs)
            ratio[k][n] = r["ratio"]
    print()
    print(f"Across {len(runs)} runs ({', '.join(paths)}):")
    print()
    print("| row | thr | " + " | ".join(f"run {n + 1}" for n in range(len(runs))) + " | median |")
    print("|---|---|" + "---|" * len(runs) + "---|")
    always, some = [], []
    for k in keys:
        vals = [v for v in ratio[k] if v is not None]
        vals.sort()
        med = vals[len(vals) // 2] if len(vals) % 2 else 0.5 * (vals[len(vals) // 2 - 1] + vals[len(vals) // 2])
        cells = " | ".join("–" if v is None else f"{v:.2f}" for v in ratio[k])
        print(f"| {k[0]} | {k[1]} | {cells} | {med:.2f} |")
        below = sum(1 for v in vals if v < 1.0)
        if below == len(vals):
            always.append(f"{k[0]} ({k[1]} thr)")
        elif below:
            some.append(f"{k[0]} ({k[1]} thr, {below} of {len(vals)})")
    print()
    for n, rows in enumerate(runs):
        rs = [r["ratio"] for r in rows if r.get("ratio") is not None]
        if rs:
            geo = math.exp(sum(math.log(x) for x in rs) / len(rs))
            print(f"run {n + 1}: geometric mean {geo:.2f}, {sum(1 for x in rs if x >= 1.0)} of {len(rs)} rows ≥ 1.0")
    print(f"below 1.0 in every run ({len(always)}): {', '.join(always) if always else 'none'}")
    print(f"below 1.0 in some runs ({len(some)}): {', '.join(some) if some else 'none'}")
    print(f"≥ 1.0 in every run: {len(keys) - len(always) - len(some)} of {len(keys)}")


def report(rows):
    print("| row | thr | Recur ms | GFLOP/s | %peak | PyTorch ms | oneDNN ms | ratio | load |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        ratio = "–" if r.get("ratio") is None else "%.2f" % r["ratio"]
        load_ = "–" if r.get("other_load") is None else "%.2f" % r["other_load"]
        print(f"| {r['key']} | {r['threads']} | {fmt(r['median_ms'])} | {r['gflops']:.1f} | {r['pct_peak']:.0f} % | "
              f"{fmt(r.get('pytorch_ms'))} | {fmt(r.get('onednn_ms'))} | {ratio} | {load_} |")
    print()

    def find(cell, mode, b, t, i, h, threads, lengths="full", layers=1):
        for r in rows:
            if (r["cell"], r["mode"], r["B"], r["T"], r["I"], r["H"], r["threads"], r["lengths"], r["layers"]) == (
                    cell, mode, b, t, i, h, threads, lengths, layers):
                return r
        return None

    targets = []
    ratios = [r["ratio"] for r in rows if r.get("ratio") is not None]
    if ratios:
        below = [r["key"] + f" ({r['threads']} thr)" for r in rows if r.get("ratio") is not None and r["ratio"] < 1.0]
        targets.append(("every row ≥ 1.0", f"{len(ratios) - len(below)} of {len(ratios)} rows" +
                        (f"; below: {', '.join(below)}" if below else ""), not below))
        geo = math.exp(sum(math.log(x) for x in ratios) / len(ratios))
        targets.append(("geometric mean ≥ 1.3", f"{geo:.2f} over {len(ratios)} rows", geo >= 1.3))
    r = find("lstm", "infer", 1, 100, 128, 128, 1)
    if r:
        targets.append(("LSTM B=1 latency (1 thread) ≤ 0.6 ms", f"{r['median_ms']:.3f} ms", r["median_ms"] <= 0.6))
    for mode, need in (("infer", 1.25), ("train", 1.5)):
        r = find("lstm", mode, 64, 100, 256, 256, 2)
        if r and r.get("onednn_ms"):
            v = r["onednn_ms"] / r["median_ms"]
            targets.append((f"LSTM B=64 H=256 2 threads {mode} ≥ {need}× oneDNN", f"{v:.2f}× ({r['median_ms']:.1f} vs {r['onednn_ms']:.1f} ms)", v >= need))
    largest = [x for x in rows if x["lengths"] == "full" and x["layers"] == 1 and x["I"] == 512]
    for threads, need in ((1, 75), (2, 70)):
        sel = [x for x in largest if x["threads"] == threads]
        if sel:
            worst = min(sel, key=lambda x: x["pct_peak"])
            targets.append((f"largest shapes (I = H = 512) ≥ {need} % of peak on {threads} thread(s)",
                            ", ".join(f"{x['cell']} {x['mode']} {x['pct_peak']:.0f} %" for x in sel), worst["pct_peak"] >= need))
    for cell in ("lstm", "gru", "gru_reset_after", "rnn_tanh"):
        for threads in (1, 2):
            for mode, need in (("infer", 0.8), ("train", 0.85)):
                var = find(cell, mode, 64, 100, 256, 256, threads, "50..100")
                full = find(cell, mode, 64, 100, 256, 256, threads)
                if var and full:
                    v = var["median_ms"] / full["median_ms"]
                    targets.append((f"{cell} lengths 50..100, {threads} thr, {mode} ≤ {need}× padded", f"{v:.2f}×", v <= need))
            var = find(cell, "train", 64, 100, 256, 256, threads, "50..100")
            if var and var.get("pytorch_ms"):
                v = var["pytorch_ms"] / var["median_ms"]
                targets.append((f"{cell} lengths 50..100, {threads} thr, training ≥ 5× PyTorch packed", f"{v:.1f}×", v >= 5))
    print("| target | measured | |")
    print("|---|---|---|")
    for name, measured, ok in targets:
        print(f"| {name} | {measured} | {'met' if ok else '**NOT met**'} |")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
