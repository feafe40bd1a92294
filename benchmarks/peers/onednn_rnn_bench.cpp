// oneDNN peer for issue 5's RNN grid (`recur bench` compares against these records).
//
// Runs the oneDNN 2.x RNN primitives -- lstm_forward/_backward, gru_forward/_backward (original GRU,
// reset gate applied before the recurrent matmul = TF1 GRUCell), lbr_gru_forward/_backward
// (linear-before-reset = PyTorch / cuDNN / Keras reset_after=True) and vanilla_rnn_forward/_backward
// with tanh -- float32, batch-major activations (`ntc`), zero initial state, unidirectional, and prints
// one JSON object per line:
//
//   {"peer":"onednn","cell":"lstm","mode":"infer","B":64,"T":100,"I":256,"H":256,"layers":1,
//    "threads":2,"lengths":"full","median_ms":...,"gflops":..., ...extra fields...}
//
// Protocol (performance_anchors.md sections 1 and 4):
//  * inference: forward_inference; weights use format_tag::any and are reordered from the user's
//    ldigo layout once, outside the timing (a deployed model). One call returns all h_t (dst_layer)
//    plus the final state (dst_iter, and dst_iter_c for LSTM).
//  * training step: forward_training + backward of loss = sum(outputs) (diff_dst_layer = 1,
//    diff_dst_iter = 0), always computing diff_src_layer. Inside the timing: the weight reorders
//    ldigo -> forward layout (when the primitive wants another layout), ldigo -> backward layout
//    (ldgoi), zeroing the diff-weights / diff-bias (oneDNN 2.6 backward accumulates into them) and
//    the reorder of the diff-weights back to ldigo (when needed) -- real training changes the
//    weights every step.
//  * threads: the OpenMP runtime's (OMP_NUM_THREADS), or --threads N (omp_set_num_threads).
//  * oneDNN has no variable-length sequences: that case is not run here.
//
// Build: benchmarks/peers/build.sh  (g++ -O2 -fopenmp ... -ldnnl). Usage: see --help.

#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

// ------------------------------------------------------------------------------------------ grid
struct Shape { int B, T, I, H; };
static const Shape kShapes[] = {{1, 100, 128, 128}, {16, 100, 128, 256}, {64, 100, 256, 256},
                                {64, 50, 512, 512}, {128, 200, 128, 128}};
static const char *kCells[] = {"lstm", "gru", "gru_reset_after", "rnn_tanh"};

struct Case { std::string cell; int B, T, I, H, L; };

static int gates(const std::string &c) { return c == "lstm" ? 4 : c == "rnn_tanh" ? 1 : 3; }
static int bias_gates(const std::string &c) { return c == "gru_reset_after" ? 4 : gates(c); }

static bool in_issue_table(const std::string &c, const Shape &s) {
    auto is = [&](int B, int T, int I, int H) { return s.B == B && s.T == T && s.I == I && s.H == H; };
    if (c == "lstm") return true;
    if (c == "gru") return is(16, 100, 128, 256) || is(64, 100, 256, 256);
    if (c == "gru_reset_after") return is(1, 100, 128, 128) || is(64, 50, 512, 512);
    if (c == "rnn_tanh") return is(1, 100, 128, 128) || is(64, 100, 256, 256);
    return false;
}

static std::vector<Case> build_cases(const std::string &grid) {
    std::vector<Case> v;
    for (const char *c : kCells)
        for (const Shape &s : kShapes)
            if (grid != "issue" || in_issue_table(c, s)) v.push_back({c, s.B, s.T, s.I, s.H, 1});
    v.push_back({"lstm", 64, 100, 256, 256, 2});  // 2-layer cases (I == H: oneDNN stacks only I == H)
    v.push_back({"lstm", 1, 100, 128, 128, 2});
    return v;
}

static std::string row_key(const Case &c, const std::string &mode) {
    char b[160];
    std::snprintf(b, sizeof b, "%s/%s/%dx%dx%dx%d/L%d/full", c.cell.c_str(), mode.c_str(), c.B, c.T,
                  c.I, c.H, c.L);
    return b;
}

// FLOPs of issue 5: forward = 2*B*T*(I+H)*G*H per layer (layers above the first have input H).
static double forward_flops(const Case &c) {
    double f = 0;
    for (int l = 0; l < c.L; ++l) f += 2.0 * c.B * c.T * ((l == 0 ? c.I : c.H) + c.H) * gates(c.cell) * c.H;
    return f;
}

// ---------------------------------------------------------------------------------- machine load
static double cpu_now_s() {  // CPU time of the whole process (all threads)
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}
static double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
static double proc_stat_busy_s() {
    std::ifstream f("/proc/stat");
    std::string cpu;
    f >> cpu;
    long long v[10] = {0};
    for (int i = 0; i < 10 && f; ++i) f >> v[i];
    long long total = 0;
    for (int i = 0; i < 8; ++i) total += v[i];
    return double(total - v[3] - v[4]) / double(sysconf(_SC_CLK_TCK));
}
static double own_cpu_s() {
    rusage r{};
    getrusage(RUSAGE_SELF, &r);
    return r.ru_utime.tv_sec + r.ru_utime.tv_usec * 1e-6 + r.ru_stime.tv_sec + r.ru_stime.tv_usec * 1e-6;
}
// Share of the machine's CPU used by other processes between start() and stop().
struct LoadMeter {
    double b0 = 0, o0 = 0, t0 = 0;
    void start() { b0 = proc_stat_busy_s(), o0 = own_cpu_s(), t0 = now_s(); }
    double stop() const {
        double wall = std::max(now_s() - t0, 1e-9);
        double other = (proc_stat_busy_s() - b0) - (own_cpu_s() - o0);
        double ncpu = double(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
        return std::min(1.0, std::max(0.0, other / (ncpu * wall)));
    }
};
// Waits up to max_s for other CPU use < 10 %; returns the last reading (-1 when not waiting).
static double wait_quiet(double max_s) {
    if (max_s <= 0) return -1;
    double deadline = now_s() + max_s, busy = 1;
    for (;;) {
        LoadMeter m;
        m.start();
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        busy = m.stop();
        if (busy < 0.10 || now_s() >= deadline) return busy;
    }
}

// ------------------------------------------------------------------------------------------ timing
struct Timing { double median_ms, min_ms, other_load; int runs; double cpu_ms; };

static Timing bench(const std::function<void()> &fn, bool quick) {
    int warm_runs = quick ? 1 : 3, min_runs = quick ? 3 : 10, cap = quick ? 20 : 300;
    double warm_s = quick ? 0.1 : 0.5, target_s = quick ? 0.5 : 3.0;
    double t0 = now_s();
    int n = 0;
    while (n < warm_runs || now_s() - t0 < warm_s) fn(), ++n;
    double est = (now_s() - t0) / n;
    int runs = std::min(cap, std::max(min_runs, int(target_s / std::max(est, 1e-9))));
    LoadMeter m;
    m.start();
    std::vector<double> t(runs), c(runs);
    for (int i = 0; i < runs; ++i) {
        double c0 = cpu_now_s();
        double a = now_s();
        fn();
        t[i] = (now_s() - a) * 1e3;
        c[i] = (cpu_now_s() - c0) * 1e3;
    }
    double other = m.stop();
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        size_t n = v.size();
        return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    };
    return {median(t), *std::min_element(t.begin(), t.end()), other, runs, median(c)};
}

// ------------------------------------------------------------------------------------------ helpers
static std::mt19937 g_rng(42);

static memory make_mem(const memory::desc &md, const engine &eng, float lo = -0.1f, float hi = 0.1f) {
    memory m(md, eng);
    size_t n = md.get_size() / sizeof(float);
    float *p = static_cast<float *>(m.get_data_handle());
    std::uniform_real_distribution<float> u(lo, hi);
    for (size_t i = 0; i < n; ++i) p[i] = u(g_rng);
    return m;
}
static memory fill_mem(const memory::desc &md, const engine &eng, float v) {
    memory m(md, eng);
    size_t n = md.get_size() / sizeof(float);
    float *p = static_cast<float *>(m.get_data_handle());
    for (size_t i = 0; i < n; ++i) p[i] = v;
    return m;
}
static void zero_mem(memory &m) { std::memset(m.get_data_handle(), 0, m.get_desc().get_size()); }

// Names a weights layout: "packed" (rnn_packed GEMM layout), "ldigo" / "ldgoi" (plain, dense), with
// "+pad" when oneDNN chose the plain order with a padded leading dimension (it does so for LSTM weights,
// e.g. a stride of 528 instead of 512 floats), else "other".
static std::string layout_name(const memory::desc &md, const memory::desc &ldigo, const memory::desc &ldgoi) {
    if (md.data.format_kind == dnnl_format_kind_rnn_packed) return "packed";
    if (md == ldigo) return "ldigo";
    if (md == ldgoi) return "ldgoi";
    const auto &d = md.data;
    if (d.format_kind == dnnl_blocked && d.ndims == 5 && d.format_desc.blocking.inner_nblks == 0) {
        const auto *st = d.format_desc.blocking.strides;
        // dims are (l, d, i, g, o): ldigo has strides decreasing in that order; ldgoi has i innermost.
        if (st[4] == 1 && st[3] >= d.padded_dims[4] && st[2] >= st[3] * d.padded_dims[3]) return "ldigo+pad";
        if (st[2] == 1 && st[4] >= d.padded_dims[2] && st[3] >= st[4] * d.padded_dims[4]) return "ldgoi+pad";
    }
    return "other";
}

static std::string json_escape(const std::string &s) {
    std::string o;
    for (char ch : s) {
        if (ch == '"' || ch == '\\') o += '\\';
        if (static_cast<unsigned char>(ch) >= 0x20) o += ch;
    }
    return o;
}

// All descriptors and primitive descriptors of one case.
struct Pds {
    rnn_primitive_desc_base fwd, bwd;
};

// Builds the forward (and, for training, backward) primitive descriptors for one cell.
static Pds make_pds(const Case &c, bool train, const engine &eng) {
    const memory::dim B = c.B, T = c.T, I = c.I, H = c.H, L = c.L, G = gates(c.cell), Gb = bias_gates(c.cell);
    auto any = tag::any;
    memory::desc src_layer({T, B, I}, dt::f32, tag::ntc);
    memory::desc dst_layer({T, B, H}, dt::f32, tag::ntc);
    memory::desc wl({L, 1, I, G, H}, dt::f32, any), wi({L, 1, H, G, H}, dt::f32, any);
    memory::desc bias({L, 1, Gb, H}, dt::f32, tag::ldgo);
    memory::desc st({L, 1, B, H}, dt::f32, tag::ldnc);
    memory::desc zero;  // zero initial state: no src_iter (and no diff_src_iter)
    memory::desc dwl({L, 1, I, G, H}, dt::f32, any), dwi({L, 1, H, G, H}, dt::f32, any);
    memory::desc dbias({L, 1, Gb, H}, dt::f32, any);
    const auto fprop = train ? prop_kind::forward_training : prop_kind::forward_inference;
    const auto dir = rnn_direction::unidirectional_left2right;
    const auto bprop = prop_kind::backward;
    Pds p;
    if (c.cell == "lstm") {
        lstm_forward::desc fd(fprop, dir, src_layer, zero, zero, wl, wi, bias, dst_layer, st, st);
        lstm_forward::primitive_desc f(fd, eng);
        p.fwd = f;
        if (train) {
            lstm_backward::desc bd(bprop, dir, src_layer, zero, zero, wl, wi, bias, dst_layer, st, st,
                                   src_layer, zero, zero, dwl, dwi, dbias, dst_layer, st, st);
            p.bwd = lstm_backward::primitive_desc(bd, eng, f);
        }
    } else if (c.cell == "gru") {
        gru_forward::desc fd(fprop, dir, src_layer, zero, wl, wi, bias, dst_layer, st);
        gru_forward::primitive_desc f(fd, eng);
        p.fwd = f;
        if (train) {
            gru_backward::desc bd(bprop, dir, src_layer, zero, wl, wi, bias, dst_layer, st, src_layer, zero,
                                  dwl, dwi, dbias, dst_layer, st);
            p.bwd = gru_backward::primitive_desc(bd, eng, f);
        }
    } else if (c.cell == "gru_reset_after") {
        lbr_gru_forward::desc fd(fprop, dir, src_layer, zero, wl, wi, bias, dst_layer, st);
        lbr_gru_forward::primitive_desc f(fd, eng);
        p.fwd = f;
        if (train) {
            lbr_gru_backward::desc bd(bprop, dir, src_layer, zero, wl, wi, bias, dst_layer, st, src_layer,
                                      zero, dwl, dwi, dbias, dst_layer, st);
            p.bwd = lbr_gru_backward::primitive_desc(bd, eng, f);
        }
    } else {  // rnn_tanh
        const auto act = algorithm::eltwise_tanh;
        vanilla_rnn_forward::desc fd(fprop, act, dir, src_layer, zero, wl, wi, bias, dst_layer, st);
        vanilla_rnn_forward::primitive_desc f(fd, eng);
        p.fwd = f;
        if (train) {
            vanilla_rnn_backward::desc bd(bprop, act, dir, src_layer, zero, wl, wi, bias, dst_layer, st,
                                          src_layer, zero, dwl, dwi, dbias, dst_layer, st);
            p.bwd = vanilla_rnn_backward::primitive_desc(bd, eng, f);
        }
    }
    return p;
}

// Optional reorder src -> a memory of layout `want` (none when the layouts already agree).
struct MaybeReorder {
    memory dst;
    reorder prim;
    bool needed = false;
    MaybeReorder(memory &src, const memory::desc &want, const engine &eng) {
        if (want == src.get_desc()) {
            dst = src;
        } else {
            dst = memory(want, eng);
            prim = reorder(src, dst);
            needed = true;
        }
    }
    void run(stream &s, memory &src) {
        if (needed) prim.execute(s, src, dst);
    }
};

struct Result { Timing t; std::string impl, layouts; bool ok = true; };

// Sanity check of a result buffer after the timed runs: finite and not all zero.
static bool sane(const memory &m) {
    const float *p = static_cast<const float *>(m.get_data_handle());
    size_t n = m.get_desc().get_size() / sizeof(float);
    double a = 0;
    for (size_t i = 0; i < n; ++i) {
        if (!std::isfinite(p[i])) return false;
        a += std::fabs(p[i]);
    }
    return a > 0;
}

static Result run_case(const Case &c, const std::string &mode, bool quick, double quiet_wait,
                       const engine &eng, stream &s) {
    const bool train = mode == "train";
    const memory::dim I = c.I, H = c.H, L = c.L, G = gates(c.cell), Gb = bias_gates(c.cell);
    Pds p = make_pds(c, train, eng);
    memory::desc wl_user({L, 1, I, G, H}, dt::f32, tag::ldigo), wi_user({L, 1, H, G, H}, dt::f32, tag::ldigo);
    memory::desc wl_t({L, 1, I, G, H}, dt::f32, tag::ldgoi), wi_t({L, 1, H, G, H}, dt::f32, tag::ldgoi);
    memory::desc bias_md({L, 1, Gb, H}, dt::f32, tag::ldgo);

    memory src_layer = make_mem(p.fwd.src_layer_desc(), eng, -1.f, 1.f);
    memory wl = make_mem(wl_user, eng), wi = make_mem(wi_user, eng), bias = make_mem(bias_md, eng);
    memory dst_layer(p.fwd.dst_layer_desc(), eng), dst_iter(p.fwd.dst_iter_desc(), eng);
    memory dst_iter_c;
    const bool lstm = c.cell == "lstm";
    if (lstm) dst_iter_c = memory(p.fwd.dst_iter_c_desc(), eng);

    MaybeReorder fwl(wl, p.fwd.weights_layer_desc(), eng), fwi(wi, p.fwd.weights_iter_desc(), eng);
    primitive fwd(p.fwd);
    std::string layouts = "fwd " + layout_name(p.fwd.weights_layer_desc(), wl_user, wl_t) + "/" +
                          layout_name(p.fwd.weights_iter_desc(), wi_user, wi_t);
    std::string impl = p.fwd.impl_info_str();

    std::unordered_map<int, memory> fargs = {{DNNL_ARG_SRC_LAYER, src_layer}, {DNNL_ARG_WEIGHTS_LAYER, fwl.dst},
                                             {DNNL_ARG_WEIGHTS_ITER, fwi.dst}, {DNNL_ARG_BIAS, bias},
                                             {DNNL_ARG_DST_LAYER, dst_layer}, {DNNL_ARG_DST_ITER, dst_iter}};
    if (lstm) fargs[DNNL_ARG_DST_ITER_C] = dst_iter_c;

    std::function<void()> fn;
    if (!train) {
        fwl.run(s, wl);  // a deployed model: weights reordered once, outside the timing
        fwi.run(s, wi);
        s.wait();
        fn = [&, fargs]() {
            fwd.execute(s, fargs);
            s.wait();
        };
        wait_quiet(quiet_wait);
        Timing t = bench(fn, quick);
        return {t, impl, layouts, sane(dst_layer)};
    }

    memory ws(p.fwd.workspace_desc(), eng);
    fargs[DNNL_ARG_WORKSPACE] = ws;
    MaybeReorder bwl(wl, p.bwd.weights_layer_desc(), eng), bwi(wi, p.bwd.weights_iter_desc(), eng);
    memory diff_dst_layer = fill_mem(p.bwd.diff_dst_layer_desc(), eng, 1.f);  // dL/dy = 1
    memory diff_dst_iter = fill_mem(p.bwd.diff_dst_iter_desc(), eng, 0.f);
    memory diff_dst_iter_c;
    if (lstm) diff_dst_iter_c = fill_mem(p.bwd.diff_dst_iter_c_desc(), eng, 0.f);
    memory diff_src_layer(p.bwd.diff_src_layer_desc(), eng);
    memory dwl(p.bwd.diff_weights_layer_desc(), eng), dwi(p.bwd.diff_weights_iter_desc(), eng);
    memory dbias(p.bwd.diff_bias_desc(), eng);
    memory dwl_user(wl_user, eng), dwi_user(wi_user, eng);
    // diff-weights back to the user's ldigo layout (when the primitive used another one)
    MaybeReorder rdwl(dwl, wl_user, eng), rdwi(dwi, wi_user, eng);
    primitive bwd(p.bwd);
    layouts += ", bwd " + layout_name(p.bwd.weights_layer_desc(), wl_user, wl_t) + "/" +
               layout_name(p.bwd.weights_iter_desc(), wi_user, wi_t) + ", diff " +
               layout_name(p.bwd.diff_weights_layer_desc(), wl_user, wl_t) + "/" +
               layout_name(p.bwd.diff_weights_iter_desc(), wi_user, wi_t);
    std::unordered_map<int, memory> bargs = {
        {DNNL_ARG_SRC_LAYER, src_layer},     {DNNL_ARG_WEIGHTS_LAYER, bwl.dst},
        {DNNL_ARG_WEIGHTS_ITER, bwi.dst},    {DNNL_ARG_BIAS, bias},
        {DNNL_ARG_DST_LAYER, dst_layer},     {DNNL_ARG_DST_ITER, dst_iter},
        {DNNL_ARG_DIFF_DST_LAYER, diff_dst_layer}, {DNNL_ARG_DIFF_DST_ITER, diff_dst_iter},
        {DNNL_ARG_WORKSPACE, ws},            {DNNL_ARG_DIFF_SRC_LAYER, diff_src_layer},
        {DNNL_ARG_DIFF_WEIGHTS_LAYER, dwl},  {DNNL_ARG_DIFF_WEIGHTS_ITER, dwi},
        {DNNL_ARG_DIFF_BIAS, dbias}};
    if (lstm) {
        bargs[DNNL_ARG_DST_ITER_C] = dst_iter_c;
        bargs[DNNL_ARG_DIFF_DST_ITER_C] = diff_dst_iter_c;
    }
    fn = [&, fargs, bargs]() {
        fwl.run(s, wl);  // ldigo -> forward layout (when different)
        fwi.run(s, wi);
        fwd.execute(s, fargs);
        bwl.run(s, wl);  // ldigo -> backward layout (ldgoi)
        bwi.run(s, wi);
        s.wait();
        zero_mem(dwl);  // oneDNN 2.6 backward accumulates into the diff-weights
        zero_mem(dwi);
        zero_mem(dbias);
        bwd.execute(s, bargs);
        rdwl.run(s, dwl);  // diff-weights -> ldigo (when different)
        rdwi.run(s, dwi);
        s.wait();
    };
    wait_quiet(quiet_wait);
    Timing t = bench(fn, quick);
    return {t, impl, layouts, sane(dst_layer) && sane(diff_src_layer) && sane(rdwl.dst) && sane(rdwi.dst)};
}

static void usage() {
    std::printf(
        "usage: onednn_rnn_bench [--quick] [--threads N] [--filter REGEX] [--grid all|issue]\n"
        "                        [--modes infer,train] [--quiet-wait S] [--out FILE] [-v]\n"
        "  --quick        1 warm-up run, >=3 timed runs (~0.5 s) per row (default: >=3 runs and 0.5 s of\n"
        "                 warm-up, then max(10, ~3 s worth) timed runs, at most 300; the median is reported)\n"
        "  --threads N    omp_set_num_threads(N) (default: the OpenMP runtime's, i.e. OMP_NUM_THREADS)\n"
        "  --filter RE    regex on the row key cell/mode/BxTxIxH/Llayers/full, e.g. 'lstm/.*/64x100'\n"
        "  --grid         all: 5 shapes x {lstm, gru, gru_reset_after, rnn_tanh} (default); issue: the issue\n"
        "                 table's rows only; both add the 2-layer LSTMs (64x100x256x256, 1x100x128x128)\n"
        "  --quiet-wait S before each row wait up to S seconds for other CPU use < 10%% (default 0)\n"
        "  --out FILE     also append the records to FILE\n");
}

int main(int argc, char **argv) {
    bool quick = false, verbose = false;
    int threads = 0;
    std::string filter, grid = "all", modes_arg = "infer,train", out;
    double quiet_wait = 0;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) { usage(); std::exit(2); }
            return argv[++i];
        };
        if (a == "--quick") quick = true;
        else if (a == "--threads") threads = std::atoi(next().c_str());
        else if (a == "--filter") filter = next();
        else if (a == "--grid") grid = next();
        else if (a == "--modes") modes_arg = next();
        else if (a == "--quiet-wait") quiet_wait = std::atof(next().c_str());
        else if (a == "--out") out = next();
        else if (a == "-v" || a == "--verbose") verbose = true;
        else if (a == "-h" || a == "--help") { usage(); return 0; }
        else { std::fprintf(stderr, "unknown argument %s\n", a.c_str()); usage(); return 2; }
    }
    if (threads > 0) omp_set_num_threads(threads);
    const int nthr = omp_get_max_threads();
    std::vector<std::string> modes;
    {
        std::stringstream ss(modes_arg);
        std::string m;
        while (std::getline(ss, m, ',')) if (!m.empty()) modes.push_back(m);
    }
    std::regex re(filter.empty() ? std::string(".*") : filter);
    const dnnl_version_t *v = dnnl_version();
    char version[64];
    std::snprintf(version, sizeof version, "oneDNN %d.%d.%d", v->major, v->minor, v->patch);
    const char *wp = std::getenv("OMP_WAIT_POLICY");
    const std::string wait_policy = json_escape(wp && *wp ? wp : "default");
    FILE *outf = out.empty() ? nullptr : std::fopen(out.c_str(), "a");

    engine eng(engine::kind::cpu, 0);
    stream s(eng);
    int failures = 0;
    for (const Case &c : build_cases(grid)) {
        for (const std::string &mode : modes) {
            const std::string key = row_key(c, mode);
            if (!std::regex_search(key, re)) continue;
            Result r;
            try {
                r = run_case(c, mode, quick, quiet_wait, eng, s);
            } catch (const dnnl::error &e) {
                std::fprintf(stderr, "# %s: oneDNN error %s (status %d)\n", key.c_str(), e.what(), int(e.status));
                ++failures;
                continue;
            }
            const double tokens = double(c.B) * c.T;
            const double flops = forward_flops(c) * (mode == "train" ? 3 : 1);
            time_t now = time(nullptr);
            char ts[32];
            std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
            char line[1400];
            std::snprintf(line, sizeof line,
                          "{\"peer\": \"onednn\", \"cell\": \"%s\", \"mode\": \"%s\", \"B\": %d, \"T\": %d, "
                          "\"I\": %d, \"H\": %d, \"layers\": %d, \"threads\": %d, \"lengths\": \"full\", "
                          "\"median_ms\": %.4f, \"gflops\": %.2f, \"tokens\": %.0f, \"tokens_per_s\": %.1f, "
                          "\"min_ms\": %.4f, \"cpu_ms\": %.4f, \"runs\": %d, \"other_load\": %.3f, \"quick\": %s, \"check\": \"%s\", "
                          "\"omp_wait_policy\": \"%s\", \"version\": \"%s\", \"impl\": \"%s\", \"layouts\": \"%s\", \"time\": \"%s\"}",
                          c.cell.c_str(), mode.c_str(), c.B, c.T, c.I, c.H, c.L, nthr, r.t.median_ms,
                          flops / (r.t.median_ms * 1e6), tokens, tokens / (r.t.median_ms / 1e3), r.t.min_ms, r.t.cpu_ms,
                          r.t.runs, r.t.other_load, quick ? "true" : "false", r.ok ? "ok" : "FAILED", wait_policy.c_str(), version,
                          json_escape(r.impl).c_str(), json_escape(r.layouts).c_str(), ts);
            std::printf("%s\n", line);
            std::fflush(stdout);
            if (outf) { std::fprintf(outf, "%s\n", line); std::fflush(outf); }
            if (verbose)
                std::fprintf(stderr, "# %-40s %9.3f ms  %s (other load %.2f)\n", key.c_str(), r.t.median_ms,
                             r.layouts.c_str(), r.t.other_load);
        }
    }
    if (outf) std::fclose(outf);
    return failures ? 1 : 0;
}
