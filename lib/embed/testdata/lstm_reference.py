"""Reference results for embed.BiLSTM, computed with torch.nn.LSTM.

Usage: lstm_reference.py DIR

DIR/case.json describes the case: {"in": I, "hidden": H, "layers": L,
"lengths": [...], "T": T, "params": [[name, shape], ...]} in the order of
torch.nn.LSTM's _flat_weights. Raw little-endian float32 files in DIR:
params.f32 (all parameters, concatenated in that order), x.f32 ([B, T, I]),
r_out.f32 ([B, T, 2H]) and r_final.f32 ([B, 2H]): the weights of the scalar
loss = sum(out * r_out) + sum(final * r_final) whose gradients are compared.

Writes out.f32 ([B, T, 2H], padded with zeros), final.f32 ([B, 2H]: the last
layer's forward h_n then backward h_n) and grads.f32 (d loss / d parameter,
concatenated in parameter order, then d loss / d x).
"""
import json
import os
import sys

import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


def load(d, name, shape):
    return torch.from_numpy(np.fromfile(os.path.join(d, name), dtype="<f4").reshape(shape))


def save(d, name, *tensors):
    with open(os.path.join(d, name), "wb") as f:
        for t in tensors:
            f.write(t.detach().contiguous().numpy().astype("<f4").tobytes())


def main(d):
    with open(os.path.join(d, "case.json")) as f:
        case = json.load(f)
    lengths, t, h = case["lengths"], case["T"], case["hidden"]
    b = len(lengths)
    lstm = torch.nn.LSTM(case["in"], h, num_layers=case["layers"], bidirectional=True, batch_first=True)
    flat = np.fromfile(os.path.join(d, "params.f32"), dtype="<f4")
    offset = 0
    with torch.no_grad():
        for name, shape in case["params"]:
            p = getattr(lstm, name)
            n = int(np.prod(shape))
            p.copy_(torch.from_numpy(flat[offset:offset + n].reshape(shape)))
            offset += n
    assert offset == len(flat), "params.f32 has %d values, the case %d" % (len(flat), offset)

    x = load(d, "x.f32", (b, t, case["in"])).requires_grad_(True)
    packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
    out, (hn, _) = lstm(packed)
    out, _ = pad_packed_sequence(out, batch_first=True, total_length=t)
    final = torch.cat([hn[-2], hn[-1]], dim=1)

    loss = (out * load(d, "r_out.f32", (b, t, 2 * h))).sum() + (final * load(d, "r_final.f32", (b, 2 * h))).sum()
    loss.backward()
    save(d, "out.f32", out)
    save(d, "final.f32", final)
    save(d, "grads.f32", *[getattr(lstm, name).grad for name, _ in case["params"]], x.grad)


if __name__ == "__main__":
    main(sys.argv[1])
