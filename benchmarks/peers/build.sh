#!/bin/sh
# Builds the oneDNN peer: benchmarks/peers/build/onednn_rnn_bench (re-runnable; rebuilds only when the
# source is newer). Needs g++ and Debian's libdnnl-dev (oneDNN 2.x, OpenMP runtime):
#   apt-get install -y g++ libdnnl-dev
# Without them it prints why and exits 0, so callers can treat the oneDNN peer as "not available".
set -u
here=$(cd "$(dirname "$0")" && pwd)
src="$here/onednn_rnn_bench.cpp"
out="$here/build/onednn_rnn_bench"
CXX=${CXX:-g++}

if ! command -v "$CXX" >/dev/null 2>&1; then
    echo "build.sh: $CXX not found; skipping the oneDNN peer (apt-get install -y g++ libdnnl-dev)"
    exit 0
fi
hdr=""
for d in /usr/include /usr/local/include ${DNNL_ROOT:+"$DNNL_ROOT/include"}; do
    if [ -f "$d/oneapi/dnnl/dnnl.hpp" ]; then hdr="$d"; break; fi
done
if [ -z "$hdr" ]; then
    echo "build.sh: oneDNN headers (oneapi/dnnl/dnnl.hpp) not found; skipping the oneDNN peer (apt-get install -y libdnnl-dev)"
    exit 0
fi
if [ -x "$out" ] && [ "$out" -nt "$src" ] && [ "$out" -nt "$0" ]; then
    echo "build.sh: $out is up to date"
    exit 0
fi
mkdir -p "$here/build"
libdir=""
[ -n "${DNNL_ROOT:-}" ] && libdir="-L$DNNL_ROOT/lib -Wl,-rpath,$DNNL_ROOT/lib"
# -O2 is plenty: all the time is spent inside libdnnl's JIT kernels.
# shellcheck disable=SC2086
if "$CXX" -std=c++17 -O2 -fopenmp -Wall -I"$hdr" -o "$out.tmp" "$src" $libdir -ldnnl; then
    mv -f "$out.tmp" "$out"
    echo "build.sh: built $out"
else
    rm -f "$out.tmp"
    echo "build.sh: compiling the oneDNN peer failed" >&2
    exit 1
fi
