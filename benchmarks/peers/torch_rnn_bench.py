#!/usr/bin/python3
"""PyTorch peer for issue 5's RNN grid (`recur bench` compares against these records).

Runs torch.nn.LSTM / GRU (reset-after) / RNN(tanh), float32, batch_first=True, zero initial state,
inference (no_grad) and a training step (forward + backward of sum(outputs), input requires_grad,
all gradients reset to None each step), on 1 and 2 threads, and prints one JSON object per line:

  {"peer":"pytorch","cell":"lstm","mode":"infer","B":64,"T":100,"I":256,"H":256,"layers":1,
   "threads":1,"lengths":"full","median_ms":...,"gflops":..., ...extra fields...}

Thread settings must be fixed before `import torch` (OpenMP and OpenBLAS read their environment when
they load), so the parent process runs one worker subprocess per thread configuration:

  threads=1: omp1_blas1          OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1, torch.set_num_threads(1)
  threads=2: omp1_blas2          OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=2, torch.set_num_threads(1)
             omp2_blas2_passive  OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE
             (omp2_blas2         the default setup: oversubscribes 2 cores; only with --configs)

For threads=2 the record is the faster of the configurations run for that row (field "config"; all
medians in "configs"), as in performance_anchors.md section 3. Run with Debian's python3-torch (1.13):
/usr/bin/python3 benchmarks/peers/torch_rnn_bench.py --quick --threads 1,2
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

# ---------------------------------------------------------------------------------------------- grid
# (B, T, I, H) of performance_anchors.md section 8 / the issue's table.
SHAPES = [(1, 100, 128, 128), (16, 100, 128, 256), (64, 100, 256, 256), (64, 50, 512, 512),
          (128, 200, 128, 128)]
GATES = {"lstm": 4, "gru": 3, "gru_reset_after": 3, "rnn_tanh": 1}
# The rows of the issue's reference table (cell, B, T, I, H).
ISSUE_ROWS = {("lstm",) + s for s in SHAPES} | {
    ("gru", 16, 100, 128, 256), ("gru", 64, 100, 256, 256),
    ("gru_reset_after", 1, 100, 128, 128), ("gru_reset_after", 64, 50, 512, 512),
    ("rnn_tanh", 1, 100, 128, 128), ("rnn_tanh", 64, 100, 256, 256)}
TORCH_CELLS = ["lstm", "gru_reset_after", "rnn_tanh"]  # PyTorch has no reset-before (TF1) GRU
VARLEN_SHAPE = (64, 100, 256, 256)
STACKED_SHAPES = [(64, 100, 256, 256), (1, 100, 128, 128)]  # the 2-layer LSTM cases
VARLEN_LABEL = "50..100"

CONFIGS = {
    "omp1_blas1": (1, {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}),
    "omp1_blas2": (1, {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "2", "MKL_NUM_THREADS": "1"}),
    "omp2_blas2_passive": (2, {"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2",
                               "MKL_NUM_THREADS": "2", "OMP_WAIT_POLICY": "PASSIVE"}),
    "omp2_blas2": (2, {"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"}),
}
DEFAULT_CONFIGS = {1: ["omp1_blas1"], 2: ["omp1_blas2", "omp2_blas2_passive"]}


def varlen_lengths(B, T):
    """lengths[i] = round(linspace(T/2, T, B))[i], longest first (4800 of 6400 tokens real at B=64, T=100)."""
    lo = T // 2
    ls = [int(round(lo + (T - lo) * i / (B - 1))) if B > 1 else T for i in range(B)]
    return sorted(ls, reverse=True)


def forward_flops(cell, B, T, I, H, layers, lengths):
    """Issue 5's count: 2 * tokens * (I+H) * G * H per layer (layers above the first have input H).
    With variable lengths only the real tokens are counted (sum of lengths, not B*T)."""
    tokens = sum(lengths) if lengths else B * T
    g = GATES[cell]
    total = 0
    for layer in range(layers):
        total += 2.0 * tokens * ((I if layer == 0 else H) + H) * g * H
    return total


def row_key(c, mode):
    return "%s/%s/%dx%dx%dx%d/L%d/%s" % (c["cell"], mode, c["B"], c["T"], c["I"], c["H"],
                                           c["layers"], "full" if c["lengths"] == "full" else "var")


def build_cases(grid, cells):
    cases = []
    for cell in cells:
        for (B, T, I, H) in SHAPES:
            if grid == "issue" and (cell, B, T, I, H) not in ISSUE_ROWS:
                continue
            cases.append(dict(cell=cell, B=B, T=T, I=I, H=H, layers=1, lengths="full"))
    B, T, I, H = VARLEN_SHAPE
    if "lstm" in cells:  # 2-layer cases (I == H so that oneDNN can stack them too)
        for (SB, ST, SI, SH) in STACKED_SHAPES:
            cases.append(dict(cell="lstm", B=SB, T=ST, I=SI, H=SH, layers=2, lengths="full"))
    for cell in cells:   # variable-length case
        if grid == "issue" and cell != "lstm":
            continue
        cases.append(dict(cell=cell, B=B, T=T, I=I, H=H, layers=1, lengths=VARLEN_LABEL))
    return cases


# ----------------------------------------------------------------------------------- machine load
def _proc_stat():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    return sum(v[:8]) - idle  # busy jiffies (user..steal), excluding guest (already in user)


_HZ = os.sysconf("SC_CLK_TCK")
_NCPU = os.cpu_count() or 1


class LoadMeter:
    """Share of the machine's CPU used by *other* processes between start() and stop()."""

    def start(self):
        self.b0, self.o0, self.t0 = _proc_stat(), sum(os.times()[:2]), time.perf_counter()

    def stop(self):
        b1, o1, t1 = _proc_stat(), sum(os.times()[:2]), time.perf_counter()
        wall = max(t1 - self.t0, 1e-9)
        other = (b1 - self.b0) / _HZ - (o1 - self.o0)
        return max(0.0, min(1.0, other / (_NCPU * wall)))


def wait_quiet(max_wait_s, threshold=0.10):
    """Waits (up to max_wait_s) until other processes use < threshold of the machine; returns the last reading."""
    if max_wait_s <= 0:
        return None
    m, deadline, busy = LoadMeter(), time.perf_counter() + max_wait_s, 1.0
    while True:
        m.start()
        time.sleep(0.5)
        busy = m.stop()
        if busy < threshold or time.perf_counter() >= deadline:
            return busy


# ------------------------------------------------------------------------------------------ timing
def bench(fn, quick):
    """Returns (median wall ms, min wall ms, runs, other-load share, median process-CPU ms) of fn()."""
    warm_runs, warm_s = (1, 0.1) if quick else (3, 0.5)
    min_runs, target_s, cap = (3, 0.5, 20) if quick else (10, 3.0, 300)
    t0, n = time.perf_counter(), 0
    while n < warm_runs or time.perf_counter() - t0 < warm_s:
        fn()
        n += 1
    est = (time.perf_counter() - t0) / n
    runs = min(cap, max(min_runs, int(target_s / max(est, 1e-9))))
    meter = LoadMeter()
    meter.start()
    times, cpu = [], []
    for _ in range(runs):
        c = time.process_time()
        a = time.perf_counter()
        fn()
        times.append(time.perf_counter() - a)
        cpu.append(time.process_time() - c)
    return (statistics.median(times) * 1e3, min(times) * 1e3, runs, meter.stop(),
            statistics.median(cpu) * 1e3)


# ------------------------------------------------------------------------------------------ worker
def worker(args):
    import torch  # after the environment is set by the parent
    from torch.nn.utils.rnn import pack_padded_sequence
    torch_threads = int(os.environ.get("RECUR_PEER_TORCH_THREADS", "1"))
    torch.set_num_threads(torch_threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    torch.manual_seed(0)
    cases = json.loads(os.environ["RECUR_PEER_CASES"])
    for c in cases:
        cell, B, T, I, H, L = c["cell"], c["B"], c["T"], c["I"], c["H"], c["layers"]
        ctor = {"lstm": torch.nn.LSTM, "gru_reset_after": torch.nn.GRU}.get(cell)
        m = (ctor(I, H, num_layers=L, batch_first=True) if ctor else
             torch.nn.RNN(I, H, num_layers=L, nonlinearity="tanh", batch_first=True))
        lengths = varlen_lengths(B, T) if c["lengths"] != "full" else None
        len_t = torch.tensor(lengths, dtype=torch.int64) if lengths else None
        x = torch.randn(B, T, I)
        for mode in c["modes"]:
            if mode == "infer":
                xin = x

                def fn():
                    with torch.no_grad():
                        inp = pack_padded_sequence(xin, len_t, batch_first=True) if lengths else xin
                        out, _ = m(inp)
                    return out
            else:
                xin = x.clone().requires_grad_(True)
                params = list(m.parameters())

                def fn():
                    inp = pack_padded_sequence(xin, len_t, batch_first=True) if lengths else xin
                    out, _ = m(inp)
                    # packed output holds only the real tokens: sum over them == sum of the padded outputs
                    (out.data if lengths else out).sum().backward()
                    xin.grad = None
                    for p in params:
                        p.grad = None
            busy_before = wait_quiet(args.quiet_wait)
            med, best, runs, other, cpu = bench(fn, args.quick)
            rec = dict(key=row_key(c, mode), mode=mode, median_ms=med, min_ms=best, cpu_ms=cpu, runs=runs,
                       other_load=round(other, 3), busy_before=busy_before,
                       torch=torch.__version__)
            print(json.dumps(rec), flush=True)


# ------------------------------------------------------------------------------------------ parent
def run_config(name, cases, args):
    torch_threads, env_add = CONFIGS[name]
    env = dict(os.environ)
    env.update(env_add)
    env["RECUR_PEER_TORCH_THREADS"] = str(torch_threads)
    env["RECUR_PEER_CASES"] = json.dumps(cases)
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--quiet-wait", str(args.quiet_wait)]
    if args.quick:
        cmd.append("--quick")
    out = {}
    with subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True) as p:
        for line in p.stdout:
            line = line.strip()
            if not line.startswith("{"):
                continue
            r = json.loads(line)
            out[r["key"]] = r
            if args.verbose:
                print("# %-20s %-44s %9.3f ms (other load %.2f)" % (name, r["key"], r["median_ms"],
                                                                  r["other_load"]), file=sys.stderr)
    if p.returncode != 0:
        print("# torch worker %s exited with %d" % (name, p.returncode), file=sys.stderr)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1 warm-up run, >=3 timed runs (~0.5 s) per row")
    ap.add_argument("--threads", default="1,2", help="comma list of 1 and/or 2 (default 1,2)")
    ap.add_argument("--filter", default=None,
                    help="regex on the row key cell/mode/BxTxIxH/Llayers/full|var, e.g. 'lstm/.*/64x100'")
    ap.add_argument("--grid", choices=["all", "issue"], default="all",
                    help="all: 5 shapes x every cell (default); issue: only the issue table's rows; "
                         "both add the 2-layer LSTMs and the variable-length case(s)")
    ap.add_argument("--modes", default="infer,train")
    ap.add_argument("--configs", default=None,
                    help="comma list of thread configs to run instead of the defaults (%s)" % ", ".join(CONFIGS))
    ap.add_argument("--quiet-wait", type=float, default=0.0,
                    help="before each row wait up to this many seconds for other CPU use < 10%% (default 0)")
    ap.add_argument("--out", default=None, help="also append the records to this file")
    ap.add_argument("--verbose", "-v", action="store_true", help="progress on stderr")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(args)

    import importlib.util
    if importlib.util.find_spec("torch") is None:
        print("# torch_rnn_bench: PyTorch is not importable by %s; nothing to run "
              "(apt-get install -y python3-torch, then use /usr/bin/python3)" % sys.executable, file=sys.stderr)
        return 0
    modes = [m for m in args.modes.split(",") if m]
    flt = re.compile(args.filter) if args.filter else None
    cases = []
    for c in build_cases(args.grid, TORCH_CELLS):
        ms = [m for m in modes if flt is None or flt.search(row_key(c, m))]
        if ms:
            cases.append(dict(c, modes=ms))
    if not cases:
        print("# no rows match", file=sys.stderr)
        return 0
    threads = [int(t) for t in args.threads.split(",") if t]
    explicit = args.configs.split(",") if args.configs else None
    for n in explicit or []:
        if n not in CONFIGS:
            ap.error("unknown config %r (known: %s)" % (n, ", ".join(CONFIGS)))
    outf = open(args.out, "a") if args.out else None
    for nthr in threads:
        names = [n for n in explicit if _config_threads(n) == nthr] if explicit \
            else DEFAULT_CONFIGS.get(nthr, [])
        if not names:
            print("# no PyTorch thread configuration for %d threads" % nthr, file=sys.stderr)
            continue
        results = {n: run_config(n, cases, args) for n in names}
        for c in cases:
            for mode in c["modes"]:
                key = row_key(c, mode)
                cand = {n: results[n][key] for n in names if key in results[n]}
                if not cand:
                    continue
                best = min(cand, key=lambda n: cand[n]["median_ms"])
                r = cand[best]
                lengths = varlen_lengths(c["B"], c["T"]) if c["lengths"] != "full" else None
                tokens = sum(lengths) if lengths else c["B"] * c["T"]
                flops = forward_flops(c["cell"], c["B"], c["T"], c["I"], c["H"], c["layers"], lengths)
                if mode == "train":
                    flops *= 3
                rec = {"peer": "pytorch", "cell": c["cell"], "mode": mode, "B": c["B"], "T": c["T"],
                       "I": c["I"], "H": c["H"], "layers": c["layers"], "threads": nthr,
                       "lengths": c["lengths"], "median_ms": round(r["median_ms"], 4),
                       "gflops": round(flops / (r["median_ms"] * 1e6), 2),
                       "tokens": tokens, "tokens_per_s": round(tokens / (r["median_ms"] / 1e3), 1),
                       "min_ms": round(r["min_ms"], 4),
                       "cpu_ms": round(r["cpu_ms"], 4) if "cpu_ms" in r else None,
                       "runs": r["runs"], "config": best,
                       "configs": {n: round(v["median_ms"], 4) for n, v in cand.items()},
                       "other_load": r["other_load"], "busy_before": r["busy_before"],
                       "quick": bool(args.quick), "version": "torch " + r["torch"],
                       "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
                line = json.dumps(rec)
                print(line, flush=True)
                if outf:
                    outf.write(line + "\n")
                    outf.flush()
    return 0


def _config_threads(name):
    """Threads a configuration stands for (the cores it is meant to use)."""
    return int(re.search(r"blas(\d)", name).group(1))


if __name__ == "__main__":
    sys.exit(main())
