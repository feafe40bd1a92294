#!/usr/bin/python3
"""Generate the PyTorch float64 *gradient* fixtures for Recur's RNN gradient conformance tests.

Each fixture runs one seeded ``torch.nn.RNN`` / ``nn.GRU`` / ``nn.LSTM`` module in float64 exactly as
``generate_torch_fixtures.py`` does (same parameter / input / initial-state distributions, packing for
variable lengths), then takes the scalar

    loss = sum(output * R) + sum(h_n * R_h_n) [+ sum(c_n * R_c_n)  for LSTM]

with fixed random R (shape of ``output``, non-zero at the padded positions too: PyTorch's padded outputs
are constant zeros, so they must contribute nothing) and R_h_n, R_c_n (shapes of ``h_n``, ``c_n``), and
records ``loss.backward()``'s gradients with respect to every ``named_parameters()`` entry, the input and
``h0`` / ``c0``. Written to ``tests/Recur.Tests/Data/torch_grad/<name>.json``.

Run from the repository root (Debian's PyTorch, see tests/reference/README.md):

    /usr/bin/python3 tests/reference/generate_torch_grad_fixtures.py

Deterministic for a given PyTorch version: rerunning rewrites identical files. The forward-only fixtures
(``generate_torch_fixtures.py``, ``Data/torch/``) are not touched.
"""

import json
import os
import platform
import sys

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

sys.dont_write_bytecode = True  # importing the sibling generator must not leave a __pycache__ in the tree
from generate_torch_fixtures import STATE_RANGE, WEIGHT_RANGE, make_module, tensor_json

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Recur.Tests", "Data", "torch_grad")

R_RANGE = 1.0  # R, R_h_n, R_c_n ~ U(-1, 1)

# name, mode, nonlinearity, input_size, hidden_size, proj_size, num_layers, bidirectional,
# batch_first, batch, time, lengths (None = full length, no packing, no sequenceLength), seed
CASES = [
    ("rnn_tanh_time_major_lengths",     "RNN",  "tanh", 4, 3, 0, 1, False, False, 3, 5, [3, 5, 2], 1101),
    ("rnn_relu_batch_first_lengths",    "RNN",  "relu", 3, 4, 0, 1, False, True,  3, 5, [5, 2, 4], 1102),
    ("gru_batch_first_lengths",         "GRU",  None,   3, 4, 0, 1, False, True,  3, 5, [4, 1, 5], 1201),
    ("gru_bidir_time_major_lengths",    "GRU",  None,   4, 3, 0, 1, True,  False, 3, 5, [3, 5, 2], 1202),
    ("gru_2layer_batch_first_full",     "GRU",  None,   3, 3, 0, 2, False, True,  2, 4, None, 1203),
    ("lstm_batch_first_lengths",        "LSTM", None,   3, 4, 0, 1, False, True,  3, 5, [5, 3, 1], 1301),
    ("lstm_proj_time_major_lengths",    "LSTM", None,   4, 4, 2, 1, False, False, 3, 5, [2, 5, 4], 1302),
    ("lstm_2layer_time_major_lengths",  "LSTM", None,   3, 3, 0, 2, False, False, 3, 5, [4, 2, 5], 1303),
    ("lstm_bidir_batch_first_lengths",  "LSTM", None,   3, 4, 0, 1, True,  True,  3, 4, [4, 1, 3], 1304),
    ("lstm_proj_2layer_bidir_lengths",  "LSTM", None,   4, 4, 3, 2, True,  False, 3, 4, [3, 4, 1], 1305),
]


def run_case(name, mode, nonlinearity, input_size, hidden_size, proj_size, num_layers, bidirectional,
             batch_first, batch, time, lengths, seed):
    gen = torch.Generator().manual_seed(seed)

    def uniform(shape, r):
        return (torch.rand(shape, generator=gen, dtype=torch.float64) * 2 - 1) * r

    module = make_module(mode, nonlinearity, input_size, hidden_size, proj_size, num_layers, bidirectional,
                         batch_first).double()
    with torch.no_grad():
        for _, p in module.named_parameters():
            p.copy_(uniform(p.shape, WEIGHT_RANGE))
    module.train(False)

    dirs = 2 if bidirectional else 1
    h_out = proj_size if proj_size > 0 else hidden_size
    x_shape = (batch, time, input_size) if batch_first else (time, batch, input_size)
    # Padding positions hold random values too: both frameworks must ignore them (zero gradient there).
    x = torch.randn(x_shape, generator=gen, dtype=torch.float64).requires_grad_(True)
    h0 = uniform((num_layers * dirs, batch, h_out), STATE_RANGE).requires_grad_(True)
    c0 = uniform((num_layers * dirs, batch, hidden_size), STATE_RANGE).requires_grad_(True) if mode == "LSTM" else None
    hx = (h0, c0) if mode == "LSTM" else h0

    if lengths is None:
        out, hn = module(x, hx)
    else:
        assert len(lengths) == batch and all(1 <= l <= time for l in lengths), "PyTorch packing needs 1 <= length <= T"
        packed = pack_padded_sequence(x, torch.tensor(lengths, dtype=torch.int64), batch_first=batch_first,
                                      enforce_sorted=False)
        out_packed, hn = module(packed, hx)
        out, out_lengths = pad_packed_sequence(out_packed, batch_first=batch_first, total_length=time)
        assert out_lengths.tolist() == lengths
    h_n, c_n = hn if mode == "LSTM" else (hn, None)

    # R is drawn over the whole padded output, so padded positions carry non-zero weights.
    r_out = uniform(tuple(out.shape), R_RANGE)
    r_hn = uniform(tuple(h_n.shape), R_RANGE)
    r_cn = uniform(tuple(c_n.shape), R_RANGE) if c_n is not None else None
    loss = (out * r_out).sum() + (h_n * r_hn).sum()
    if c_n is not None:
        loss = loss + (c_n * r_cn).sum()
    loss.backward()

    params = dict(module.named_parameters())
    # PyTorch's two biases enter every gate pre-activation as b_ih + b_hh, so their gradients are equal (GRU: the
    # r and z blocks only; b_hn sits inside r * (W_hn h + b_hn)). Recur has one summed bias there.
    for n, p in params.items():
        if n.startswith("bias_ih"):
            gi, gh = p.grad, params[n.replace("bias_ih", "bias_hh")].grad
            if mode == "GRU":
                gi, gh = gi[: 2 * hidden_size], gh[: 2 * hidden_size]
            assert torch.allclose(gi, gh, rtol=0, atol=1e-14), f"{name}: d{n} != d bias_hh"
    if lengths is not None:
        # Padded inputs get no gradient.
        for b, l in enumerate(lengths):
            pad = x.grad[b, l:] if batch_first else x.grad[l:, b]
            assert bool((pad == 0).all()), f"{name}: non-zero input gradient past length"

    return {
        "name": name,
        "generator": "tests/reference/generate_torch_grad_fixtures.py",
        "torch_version": torch.__version__,
        "seed": seed,
        "config": {
            "mode": mode,
            "nonlinearity": nonlinearity,
            "input_size": input_size,
            "hidden_size": hidden_size,
            "proj_size": proj_size,
            "num_layers": num_layers,
            "bidirectional": bidirectional,
            "batch_first": batch_first,
            "bias": True,
            "batch": batch,
            "time": time,
            "dtype": "float64",
        },
        "lengths": lengths,
        "input": tensor_json(x),
        "h0": tensor_json(h0),
        "c0": tensor_json(c0) if c0 is not None else None,
        "weights": {n: tensor_json(p) for n, p in params.items()},
        "output": tensor_json(out),
        "h_n": tensor_json(h_n),
        "c_n": tensor_json(c_n) if c_n is not None else None,
        "r_output": tensor_json(r_out),
        "r_h_n": tensor_json(r_hn),
        "r_c_n": tensor_json(r_cn) if r_cn is not None else None,
        "loss": float(loss.item()),
        "grad": {
            "input": tensor_json(x.grad),
            "h0": tensor_json(h0.grad),
            "c0": tensor_json(c0.grad) if c0 is not None else None,
            "weights": {n: tensor_json(p.grad) for n, p in params.items()},
        },
    }


def main():
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    total = 0
    for case in CASES:
        fixture = run_case(*case)
        path = os.path.join(OUT_DIR, case[0] + ".json")
        text = json.dumps(fixture, separators=(",", ":"))
        with open(path, "w", encoding="utf-8") as f:
            f.write(text + "\n")
        total += len(text) + 1
        print(f"{case[0]:34s} {len(text) + 1:7d} bytes")
    print(f"{len(CASES)} fixtures, {total} bytes, torch {torch.__version__}, python {platform.python_version()}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
