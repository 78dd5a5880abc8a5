"""Reference numbers for lib/optim's tests, computed by PyTorch itself.

Reads a JSON list of cases on stdin and writes a JSON list of results on
stdout (see optim's torch_test.go for the format). Run with Debian's
/usr/bin/python3, whose torch uses the same libtorch as gotch.

  kind "sgd" / "adamw": parameter values after every step of
      torch.optim.SGD / torch.optim.AdamW (single-tensor path, foreach=False)
  kind "clip": torch.nn.utils.clip_grad_norm_'s total and the clipped grads
  with --bench N: milliseconds per AdamW / SGD step on a BiLSTM-CRF-sized
      parameter set (the shapes of optim's benchmark), one thread
"""
import json
import sys
import time

import torch


def make_params(case, dtype):
    params = {}
    for name, spec in case["init"].items():
        t = torch.tensor(spec["values"], dtype=dtype).reshape(spec["shape"])
        params[name] = torch.nn.Parameter(t)
    return params


def set_grads(params, grads):
    # A parameter without a gradient in this step keeps what the Go side
    # has after ZeroGrad: nothing if it never had one, zeros otherwise.
    for name, p in params.items():
        if name in grads:
            g = torch.tensor(grads[name], dtype=p.dtype).reshape(p.shape)
            p.grad = g
        elif p.grad is not None:
            p.grad.zero_()


def run_optimizer(case):
    dtype = getattr(torch, case["dtype"])
    params = make_params(case, dtype)
    groups = []
    for g in case["groups"]:
        groups.append({
            "params": [params[n] for n in g["params"]],
            "weight_decay": g["weight_decay"],
            "lr": 0.0,
        })
    scales = [g["lr_scale"] or 1.0 for g in case["groups"]]
    if case["kind"] == "sgd":
        opt = torch.optim.SGD(groups, lr=0.0, momentum=case["momentum"],
                              nesterov=case["nesterov"], foreach=False)
    else:
        opt = torch.optim.AdamW(groups, lr=0.0, betas=(case["beta1"], case["beta2"]),
                                eps=case["eps"], foreach=False)
    trajectory = []
    for lr, grads in zip(case["lrs"], case["grads"]):
        for group, scale in zip(opt.param_groups, scales):
            group["lr"] = lr * scale
        set_grads(params, grads)
        opt.step()
        trajectory.append({n: p.detach().reshape(-1).double().tolist() for n, p in params.items()})
    return {"trajectory": trajectory}


def run_clip(case):
    dtype = getattr(torch, case["dtype"])
    params = make_params(case, dtype)
    set_grads(params, case["grads"][0])
    total = torch.nn.utils.clip_grad_norm_(list(params.values()), case["max_norm"])
    grads = {n: p.grad.reshape(-1).double().tolist() for n, p in params.items() if p.grad is not None}
    return {"total": float(total), "grads": grads}


BENCH_SHAPES = [
    [20000, 100], [100, 25], [100, 25], [100, 25], [100], [100],
    [1024, 150], [1024, 256], [1024], [1024],
    [1024, 150], [1024, 256], [1024], [1024],
    [20, 512], [20], [20, 20],
]


def bench(steps):
    torch.set_num_threads(1)
    torch.manual_seed(1)
    out = {}
    for kind in ("adamw", "sgd"):
        params = [torch.nn.Parameter(torch.randn(s)) for s in BENCH_SHAPES]
        for p in params:
            p.grad = torch.randn(p.shape)
        if kind == "adamw":
            opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.01, foreach=False)
        else:
            opt = torch.optim.SGD(params, lr=0.1, foreach=False)
        for _ in range(5):
            opt.step()
        start = time.perf_counter()
        for _ in range(steps):
            opt.step()
        out[kind + "_ms_per_step"] = (time.perf_counter() - start) * 1000 / steps
    out["params"] = sum(p.numel() for p in params)
    out["tensors"] = len(params)
    return out


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--bench":
        json.dump(bench(int(sys.argv[2])), sys.stdout)
        return
    cases = json.load(sys.stdin)
    results = []
    for case in cases:
        if case["kind"] == "clip":
            results.append(run_clip(case))
        else:
            results.append(run_optimizer(case))
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
