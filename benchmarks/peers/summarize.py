#!/usr/bin/env python3
"""Prints a markdown table of peers.jsonl records (one line per cell/shape, columns infer/train x threads),
with the figures of /work/shared/reference/performance_anchors.md in brackets when that file is there.

usage: benchmarks/peers/summarize.py [peers.jsonl ...] [--anchors PATH|none] [--cpu] [--threads N]
(several files: a later record of the same row, mode, threads and peer replaces an earlier one)
Each table cell reads  "P 119 [119] · D 120 [120]"  = PyTorch / oneDNN median ms, measured [anchor].
--cpu shows the median process CPU time (cpu_ms) instead of the wall time (1-thread rows on a busy machine).
"""
import json
import os
import re
import sys

ANCHORS_DEFAULT = "/work/shared/reference/performance_anchors.md"
CELL_ORDER = ["lstm", "gru", "gru_reset_after", "rnn_tanh"]
ANCHOR_CELL = {"LSTM": "lstm", "GRU": "gru", "LBRGRU": "gru_reset_after", "RNN": "rnn_tanh"}


def load_anchors(path):
    """{(peer, cell, B, T, I, H, mode, threads): ms} from the anchors' PyTorch (section 3) and oneDNN (section 4) tables."""
    out = {}
    if not path or not os.path.exists(path):
        return out
    peer = None
    for line in open(path, encoding="utf-8"):
        if line.startswith("#### PyTorch 1.13.1"):
            peer = "pytorch"
        elif line.startswith("#### oneDNN 2.6.3"):
            peer = "onednn"
        elif line.startswith("#"):
            peer = None
        if peer is None or not line.startswith("| ") or "---" in line:
            continue
        f = [x.strip() for x in line.strip().strip("|").split("|")]
        if len(f) < 6 or not re.match(r"^\d+,\d+,\d+,\d+$", f[1]):
            continue
        cell = ANCHOR_CELL.get(f[0])
        if peer == "pytorch" and cell == "gru":
            cell = "gru_reset_after"  # PyTorch's GRU is the reset-after variant
        if cell is None:
            continue
        B, T, I, H = (int(x) for x in f[1].split(","))
        for (mode, thr), v in zip([("infer", 1), ("infer", 2), ("train", 1), ("train", 2)], f[2:6]):
            m = re.match(r"^[\d.]+", v)
            if m:
                out[(peer, cell, B, T, I, H, mode, thr)] = float(m.group(0))
    return out


def fmt(ms):
    return "%.3g" % ms if ms < 10 else "%.0f" % ms if ms >= 100 else "%.1f" % ms


def main():
    args = [a for a in sys.argv[1:]]
    anchors_path = ANCHORS_DEFAULT
    field = "median_ms"
    if "--cpu" in args:
        args.remove("--cpu")
        field = "cpu_ms"
    if "--anchors" in args:
        i = args.index("--anchors")
        anchors_path = None if args[i + 1] == "none" else args[i + 1]
        del args[i:i + 2]
    only_threads = None
    if "--threads" in args:
        i = args.index("--threads")
        only_threads = int(args[i + 1])
        del args[i:i + 2]
    paths = args or [os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers.jsonl")]
    recs = [json.loads(l) for p in paths for l in open(p) if l.startswith("{")]
    recs = [r for r in recs if only_threads is None or r["threads"] == only_threads]
    anchors = load_anchors(anchors_path)
    rows, vals, loads = [], {}, {}
    for r in recs:
        row = (r["cell"], r["B"], r["T"], r["I"], r["H"], r["layers"], r["lengths"])
        if row not in rows:
            rows.append(row)
        if r.get(field) is not None:
            vals[row + (r["mode"], r["threads"], r["peer"])] = r[field]
        loads.setdefault(row, []).append(r.get("other_load", 0.0))
    rows.sort(key=lambda x: (x[6] != "full", x[5], CELL_ORDER.index(x[0]) if x[0] in CELL_ORDER else 9,
                             x[1], -x[2]))
    cols = [c for c in [("infer", 1), ("infer", 2), ("train", 1), ("train", 2)]
            if any(k[7:9] == c for k in vals)]
    print("| cell | B,T,I,H | layers | lengths | " + " | ".join("%s %d thr" % c for c in cols) +
          " | other load (max) |")
    print("|---" * (5 + len(cols)) + "|")
    for row in rows:
        cell, B, T, I, H, L, lengths = row
        parts = []
        for mode, thr in cols:
            items = []
            for peer, tag in (("pytorch", "P"), ("onednn", "D")):
                ms = vals.get(row + (mode, thr, peer))
                if ms is None:
                    continue
                a = anchors.get((peer, cell, B, T, I, H, mode, thr)) if L == 1 and lengths == "full" else None
                items.append("%s %s%s" % (tag, fmt(ms), " [%s]" % fmt(a) if a else ""))
            parts.append(" · ".join(items) or "–")
        print("| %s | %d,%d,%d,%d | %d | %s | %s | %.2f |" % (cell, B, T, I, H, L, lengths, " | ".join(parts),
                                                           max(loads[row])))


if __name__ == "__main__":
    main()
