#!/usr/bin/python3
"""Check the weight mappings used by Recur's conformance tests, without Recur.

Re-implements TF1's cell equations (BasicRNNCell, GRUCell, the CudnnCompatibleGRUCell
reset-after variant, LSTMCell with peepholes / num_proj, forget_bias = 0) and TF's
sequence_length semantics in float64 NumPy, maps the ONNX and PyTorch weights onto those
TF variables exactly as tests/Recur.Tests/Rnn/Conformance/*.cs do, and reports the largest
difference from the expected outputs. A large number here is a mapping mistake; a small
number here with a large mismatch in the C# tests is a Recur bug.

    /usr/bin/python3 tests/reference/check_mappings.py
"""

import glob
import json
import os
import sys

import numpy as np

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Recur.Tests", "Data")


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# ---- TF cells: (x, state) -> (output, state); weights are dicts of TF variable values ----

def basic_rnn(v, act):
    def step(x, h):
        h = act(np.concatenate([x, h], 1) @ v["kernel"] + v["bias"])
        return h, h
    return step


def gru_reset_before(v):  # TF1 GRUCell
    n = v["candidate/bias"].shape[0]

    def step(x, h):
        g = sigmoid(np.concatenate([x, h], 1) @ v["gates/kernel"] + v["gates/bias"])
        r, u = g[:, :n], g[:, n:]
        c = np.tanh(np.concatenate([x, r * h], 1) @ v["candidate/kernel"] + v["candidate/bias"])
        h = u * h + (1 - u) * c
        return h, h
    return step


def gru_reset_after(v):  # TF CudnnCompatibleGRUCell
    n = v["candidate/input_projection/bias"].shape[0]

    def step(x, h):
        g = sigmoid(np.concatenate([x, h], 1) @ v["gates/kernel"] + v["gates/bias"])
        r, u = g[:, :n], g[:, n:]
        c = np.tanh(x @ v["candidate/input_projection/kernel"] + v["candidate/input_projection/bias"]
                    + r * (h @ v["candidate/hidden_projection/kernel"] + v["candidate/hidden_projection/bias"]))
        h = u * h + (1 - u) * c
        return h, h
    return step


def lstm(v):  # TF LSTMCell, forget_bias = 0, gate columns i, j, f, o
    n = v["bias"].shape[0] // 4

    def step(x, state):
        c, m = state
        z = np.concatenate([x, m], 1) @ v["kernel"] + v["bias"]
        i, j, f, o = z[:, :n], z[:, n:2 * n], z[:, 2 * n:3 * n], z[:, 3 * n:]
        if "w_i_diag" in v:
            c = sigmoid(f + v["w_f_diag"] * c) * c + sigmoid(i + v["w_i_diag"] * c) * np.tanh(j)
            m = sigmoid(o + v["w_o_diag"] * c) * np.tanh(c)
        else:
            c = sigmoid(f) * c + sigmoid(i) * np.tanh(j)
            m = sigmoid(o) * np.tanh(c)
        if "projection/kernel" in v:
            m = m @ v["projection/kernel"]
        return m, (c, m)
    return step


def dynamic_rnn(step, x, state, lengths, out_size):
    """x: [T, B, I] time-major. TF sequence_length semantics: zero output and copied state past the length."""
    T, B, _ = x.shape
    lengths = np.full(B, T) if lengths is None else np.asarray(lengths)
    ys = np.zeros((T, B, out_size))
    for t in range(T):
        y, new_state = step(x[t], state)
        live = (t < lengths)[:, None]
        ys[t] = np.where(live, y, 0.0)
        state = tuple(np.where(live, a, b) for a, b in zip(new_state, state)) if isinstance(state, tuple) \
            else np.where(live, new_state, state)
    return ys, state


def reverse_sequence(x, lengths):
    T, B = x.shape[:2]
    lengths = np.full(B, T) if lengths is None else lengths
    y = x.copy()
    for b in range(B):
        y[:lengths[b], b] = x[:lengths[b], b][::-1]
    return y


# ---- ONNX ----

def arr(entry):
    return np.asarray(entry["data"], dtype=np.float64).reshape(entry["shape"])


def onnx_tf_variables(op, H, W, R, B, P):
    """The TF variables for direction 0 of an ONNX RNN/GRU/LSTM (see Data/onnx/README.md)."""
    W, R = W[0], R[0]
    G = W.shape[0] // H
    Wb, Rb = (B[0, :G * H], B[0, G * H:]) if B is not None else (np.zeros(G * H), np.zeros(G * H))

    def blk(M, k):
        return M[k * H:(k + 1) * H]

    def col(k):
        return np.concatenate([blk(W, k).T, blk(R, k).T], 0)

    if op == "RNN":
        return {"kernel": col(0), "bias": Wb + Rb}
    if op == "GRU":  # ONNX z, r, h -> TF [r, u=z]; candidate from h; linear_before_reset = 0
        return {"gates/kernel": np.concatenate([col(1), col(0)], 1),
                "gates/bias": np.concatenate([blk(Wb, 1) + blk(Rb, 1), blk(Wb, 0) + blk(Rb, 0)]),
                "candidate/kernel": col(2), "candidate/bias": blk(Wb, 2) + blk(Rb, 2)}
    order = [0, 3, 2, 1]  # TF i, j, f, o <- ONNX i, o, f, c
    v = {"kernel": np.concatenate([col(k) for k in order], 1),
         "bias": np.concatenate([blk(Wb, k) + blk(Rb, k) for k in order])}
    if P is not None:
        v["w_i_diag"], v["w_o_diag"], v["w_f_diag"] = P[0, :H], P[0, H:2 * H], P[0, 2 * H:]
    return v


def check_onnx(path):
    case = json.load(open(path))
    op, attrs = case["op_type"], case["attributes"]
    H, layout = attrs["hidden_size"], attrs["layout"]
    inp = {e["slot"]: arr(e) for e in case["inputs"] if e["present"]}
    x = inp["X"] if layout == 0 else inp["X"].transpose(1, 0, 2)
    Bsz = x.shape[1]
    v = onnx_tf_variables(op, H, inp["W"], inp["R"], inp.get("B"), inp.get("P"))
    if attrs.get("linear_before_reset", 0) != 0:
        raise ValueError("linear_before_reset=1 is not in the 12 cases")

    def init(slot):
        if slot not in inp:
            return np.zeros((Bsz, H))
        return inp[slot][0] if layout == 0 else inp[slot][:, 0]

    step = {"RNN": lambda: basic_rnn(v, np.tanh), "GRU": lambda: gru_reset_before(v), "LSTM": lambda: lstm(v)}[op]()
    state = (init("initial_c"), init("initial_h")) if op == "LSTM" else init("initial_h")
    ys, final = dynamic_rnn(step, x, state, inp.get("sequence_lens", None), H)
    h_final = final[1] if op == "LSTM" else final
    worst = 0.0
    for e in case["outputs"]:
        if not e["present"]:
            continue
        want = arr(e)
        if e["slot"] == "Y":  # [T, 1, B, H] or [B, T, 1, H]
            got = ys[:, None] if layout == 0 else ys.transpose(1, 0, 2)[:, :, None]
        elif e["slot"] == "Y_h":
            got = h_final[None] if layout == 0 else h_final[:, None]
        else:
            got = (final[0][None] if layout == 0 else final[0][:, None])
        worst = max(worst, float(np.max(np.abs(got - want))))
    return worst


# ---- PyTorch ----

def torch_tf_variables(mode, w, layer, suffix, H):
    """TF variables for one PyTorch layer/direction; suffix "" or "_reverse"."""
    wi, wh = w[f"weight_ih_l{layer}{suffix}"], w[f"weight_hh_l{layer}{suffix}"]
    bi, bh = w[f"bias_ih_l{layer}{suffix}"], w[f"bias_hh_l{layer}{suffix}"]

    def blk(M, k):
        return M[k * H:(k + 1) * H]

    def col(k):
        return np.concatenate([blk(wi, k).T, blk(wh, k).T], 0)

    if mode == "RNN":
        return {"kernel": np.concatenate([wi.T, wh.T], 0), "bias": bi + bh}
    if mode == "GRU":  # PyTorch r, z, n -> TF gates [r, u=z]; reset-after candidate
        return {"gates/kernel": np.concatenate([col(0), col(1)], 1),
                "gates/bias": np.concatenate([blk(bi, 0) + blk(bh, 0), blk(bi, 1) + blk(bh, 1)]),
                "candidate/input_projection/kernel": blk(wi, 2).T,
                "candidate/input_projection/bias": blk(bi, 2),
                "candidate/hidden_projection/kernel": blk(wh, 2).T,
                "candidate/hidden_projection/bias": blk(bh, 2)}
    order = [0, 2, 1, 3]  # TF i, j, f, o <- PyTorch i, f, g, o
    v = {"kernel": np.concatenate([col(k) for k in order], 1),
         "bias": np.concatenate([blk(bi, k) + blk(bh, k) for k in order])}
    hr = f"weight_hr_l{layer}{suffix}"
    if hr in w:
        v["projection/kernel"] = w[hr].T
    return v


def check_torch(path):
    fx = json.load(open(path))
    cfg = fx["config"]
    mode, H, L = cfg["mode"], cfg["hidden_size"], cfg["num_layers"]
    dirs = 2 if cfg["bidirectional"] else 1
    w = {k: arr(e) for k, e in fx["weights"].items()}
    x = arr(fx["input"])
    if cfg["batch_first"]:
        x = x.transpose(1, 0, 2)
    lengths = None if fx["lengths"] is None else np.asarray(fx["lengths"])
    h0 = arr(fx["h0"])
    c0 = arr(fx["c0"]) if fx["c0"] is not None else None
    out_size = cfg["proj_size"] or H
    act = np.tanh if cfg["nonlinearity"] in (None, "tanh") else (lambda a: np.maximum(a, 0))
    hn, cn = [], []
    layer_in = x
    for layer in range(L):
        outs = []
        for d in range(dirs):
            v = torch_tf_variables(mode, w, layer, "_reverse" if d else "", H)
            step = {"RNN": lambda: basic_rnn(v, act), "GRU": lambda: gru_reset_after(v), "LSTM": lambda: lstm(v)}[mode]()
            k = layer * dirs + d
            state = (c0[k], h0[k]) if mode == "LSTM" else h0[k]
            xi = layer_in if d == 0 else reverse_sequence(layer_in, lengths)
            ys, final = dynamic_rnn(step, xi, state, lengths, out_size)
            outs.append(ys if d == 0 else reverse_sequence(ys, lengths))
            hn.append(final[1] if mode == "LSTM" else final)
            if mode == "LSTM":
                cn.append(final[0])
        layer_in = np.concatenate(outs, 2)
    y = layer_in.transpose(1, 0, 2) if cfg["batch_first"] else layer_in
    worst = float(np.max(np.abs(y - arr(fx["output"]))))
    worst = max(worst, float(np.max(np.abs(np.stack(hn) - arr(fx["h_n"])))))
    if mode == "LSTM":
        worst = max(worst, float(np.max(np.abs(np.stack(cn) - arr(fx["c_n"])))))
    return worst


def main():
    bad = 0
    for path in sorted(glob.glob(os.path.join(DATA, "onnx", "*.json"))):
        d = check_onnx(path)
        bad += d > 1e-5
        print(f"onnx  {os.path.basename(path):40s} max|diff| {d:.3g}")
    for path in sorted(glob.glob(os.path.join(DATA, "torch", "*.json"))):
        d = check_torch(path)
        bad += d > 1e-12
        print(f"torch {os.path.basename(path):40s} max|diff| {d:.3g}")
    print("FAIL" if bad else "all mappings reproduce the expected outputs")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
