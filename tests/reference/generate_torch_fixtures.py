#!/usr/bin/python3
"""Generate the PyTorch reference fixtures for Recur's RNN conformance tests.

Each fixture runs one seeded ``torch.nn.RNN`` / ``nn.GRU`` / ``nn.LSTM`` module in float64 on a
small padded batch with variable sequence lengths (``pack_padded_sequence(enforce_sorted=False)``
+ ``pad_packed_sequence(total_length=T)``, so outputs past a row's length are exactly 0 and
``h_n``/``c_n`` hold the state at each row's last valid step — TF's ``sequence_length``
semantics), and writes a compact JSON file to ``tests/Recur.Tests/Data/torch/<name>.json``.

Run from the repository root (Debian's PyTorch, see tests/reference/README.md):

    /usr/bin/python3 tests/reference/generate_torch_fixtures.py

The output is deterministic for a given PyTorch version: rerunning rewrites identical files.
"""

import json
import os
import platform
import sys

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Recur.Tests", "Data", "torch")

# name, mode, nonlinearity, input_size, hidden_size, proj_size, num_layers, bidirectional,
# batch_first, batch, time, lengths (None = full length, no packing; the test then passes no
# sequenceLength), seed
CASES = [
    ("rnn_tanh_batch_first_lengths",   "RNN",  "tanh", 3, 4, 0, 1, False, True,  3, 5, [5, 2, 4], 101),
    ("rnn_relu_time_major_lengths",    "RNN",  "relu", 4, 3, 0, 1, False, False, 4, 4, [1, 4, 3, 2], 102),
    ("rnn_tanh_2layer_bidir_lengths",  "RNN",  "tanh", 3, 4, 0, 2, True,  True,  3, 5, [3, 5, 1], 103),
    ("rnn_relu_2layer_full_length",    "RNN",  "relu", 5, 4, 0, 2, False, True,  2, 6, None, 104),
    ("gru_batch_first_lengths",        "GRU",  None,   3, 4, 0, 1, False, True,  3, 5, [2, 5, 4], 201),
    ("gru_2layer_time_major_lengths",  "GRU",  None,   5, 3, 0, 2, False, False, 4, 6, [6, 1, 3, 5], 202),
    ("gru_bidir_batch_first_lengths",  "GRU",  None,   4, 4, 0, 1, True,  True,  3, 4, [4, 2, 3], 203),
    ("gru_2layer_bidir_time_major",    "GRU",  None,   3, 2, 0, 2, True,  False, 4, 5, [5, 3, 1, 4], 204),
    ("lstm_batch_first_lengths",       "LSTM", None,   3, 4, 0, 1, False, True,  3, 5, [5, 3, 1], 301),
    ("lstm_2layer_time_major_lengths", "LSTM", None,   4, 3, 0, 2, False, False, 4, 6, [2, 6, 4, 5], 302),
    ("lstm_bidir_time_major_full",     "LSTM", None,   3, 4, 0, 1, True,  False, 2, 5, None, 303),
    ("lstm_2layer_bidir_batch_first",  "LSTM", None,   5, 4, 0, 2, True,  True,  3, 6, [6, 2, 4], 304),
    ("lstm_proj_batch_first_lengths",  "LSTM", None,   3, 4, 2, 1, False, True,  3, 5, [3, 5, 2], 305),
    ("lstm_proj_2layer_bidir_lengths", "LSTM", None,   4, 4, 3, 2, True,  False, 3, 4, [4, 1, 3], 306),
]

WEIGHT_RANGE = 0.7   # weights ~ U(-0.7, 0.7): larger than PyTorch's 1/sqrt(H) default, so gates saturate a little
STATE_RANGE = 1.0    # h0, c0 ~ U(-1, 1), non-zero


def tensor_json(t):
    """{"shape": [...], "data": [flat row-major float64]} — repr() of a float round-trips exactly."""
    t = t.detach().contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def make_module(mode, nonlinearity, input_size, hidden_size, proj_size, num_layers, bidirectional, batch_first):
    kw = dict(input_size=input_size, hidden_size=hidden_size, num_layers=num_layers,
              bidirectional=bidirectional, batch_first=batch_first, bias=True, dropout=0.0)
    if mode == "RNN":
        return torch.nn.RNN(nonlinearity=nonlinearity, **kw)
    if mode == "GRU":
        return torch.nn.GRU(**kw)
    return torch.nn.LSTM(proj_size=proj_size, **kw)


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
    module.eval()

    dirs = 2 if bidirectional else 1
    h_out = proj_size if proj_size > 0 else hidden_size
    x_shape = (batch, time, input_size) if batch_first else (time, batch, input_size)
    # Padding positions hold random values too: both PyTorch (packing) and TF (sequence_length) must ignore them.
    x = torch.randn(x_shape, generator=gen, dtype=torch.float64)
    h0 = uniform((num_layers * dirs, batch, h_out), STATE_RANGE)
    c0 = uniform((num_layers * dirs, batch, hidden_size), STATE_RANGE) if mode == "LSTM" else None
    hx = (h0, c0) if mode == "LSTM" else h0

    with torch.no_grad():
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

    fixture = {
        "name": name,
        "generator": "tests/reference/generate_torch_fixtures.py",
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
        "weights": {n: tensor_json(p) for n, p in module.named_parameters()},
        "output": tensor_json(out),
        "h_n": tensor_json(h_n),
        "c_n": tensor_json(c_n) if c_n is not None else None,
    }
    return fixture


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
