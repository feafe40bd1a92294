#!/bin/bash
# Runs the RNN peer benchmarks that are available here on issue 5's grid and writes one JSON record per
# row to peers.jsonl (and to stdout):
#   * oneDNN  (benchmarks/peers/build.sh builds it when libdnnl-dev is installed)
#   * PyTorch (when `import torch` works in $PYTHON, default /usr/bin/python3 = Debian python3-torch)
#
# usage: benchmarks/peers/run_peers.sh [--quick] [--threads 1,2] [--filter REGEX] [--grid all|issue]
#          [--modes infer,train] [--peers onednn,pytorch] [--quiet-wait S] [--out FILE] [--append] [-v]
#
#   --filter REGEX   regex on the row key cell/mode/BxTxIxH/Llayers/full|var
#                    cells: lstm, gru (reset before, TF1 GRUCell; oneDNN only), gru_reset_after
#                    (PyTorch nn.GRU = oneDNN lbr_gru), rnn_tanh; e.g. 'lstm/.*/64x100x256x256'
#   --out FILE       default benchmarks/peers/peers.jsonl (truncated first unless --append)
# Thread counts are run one after the other, each peer in its own process(es): oneDNN with
# OMP_NUM_THREADS=N, PyTorch with its own per-configuration subprocesses (see torch_rnn_bench.py).
set -u
here=$(cd "$(dirname "$0")" && pwd)
quick=() threads="1,2" filter=() grid=() modes=() peers="onednn,pytorch" quiet=() verbose=()
out="$here/peers.jsonl" append=0
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=(--quick) ;;
        --threads) threads="$2"; shift ;;
        --filter) filter=(--filter "$2"); shift ;;
        --grid) grid=(--grid "$2"); shift ;;
        --modes) modes=(--modes "$2"); shift ;;
        --peers) peers="$2"; shift ;;
        --quiet-wait) quiet=(--quiet-wait "$2"); shift ;;
        --out) out="$2"; shift ;;
        --append) append=1 ;;
        -v|--verbose) verbose=(-v) ;;
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run_peers.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
[ "$append" = 1 ] || : > "$out"
PYTHON=${PYTHON:-/usr/bin/python3}

have_onednn=0 have_torch=0
if [[ ",$peers," == *",onednn,"* ]]; then
    "$here/build.sh" >&2 || echo "run_peers.sh: oneDNN peer failed to build" >&2
    [ -x "$here/build/onednn_rnn_bench" ] && have_onednn=1
fi
if [[ ",$peers," == *",pytorch,"* ]]; then
    if "$PYTHON" -c 'import torch' >/dev/null 2>&1; then
        have_torch=1
    else
        echo "run_peers.sh: PyTorch not importable by $PYTHON; skipping it (apt-get install -y python3-torch)" >&2
    fi
fi
{
    echo "# run_peers.sh $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
    echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg); peers: onednn=$have_onednn pytorch=$have_torch"
} >&2

rc=0
IFS=',' read -ra tlist <<< "$threads"
for n in "${tlist[@]}"; do
    if [ "$have_onednn" = 1 ]; then
        OMP_NUM_THREADS="$n" "$here/build/onednn_rnn_bench" "${quick[@]}" "${filter[@]}" "${grid[@]}" \
            "${modes[@]}" "${quiet[@]}" "${verbose[@]}" --out "$out" || rc=1
    fi
    if [ "$have_torch" = 1 ]; then
        "$PYTHON" "$here/torch_rnn_bench.py" --threads "$n" "${quick[@]}" "${filter[@]}" "${grid[@]}" \
            "${modes[@]}" "${quiet[@]}" "${verbose[@]}" --out "$out" || rc=1
    fi
done
echo "# run_peers.sh: $(grep -c '^{' "$out" 2>/dev/null || echo 0) records in $out" >&2
exit $rc
