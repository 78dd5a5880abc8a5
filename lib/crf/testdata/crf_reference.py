"""Independent linear-chain CRF in PyTorch autograd, the reference for
lib/crf's tests: reads a JSON problem, prints the summed NLL, its gradients
with respect to the emissions and the transitions, and the posterior
marginals (the gradient of log Z with respect to the emissions)."""
import json
import sys

import torch


def main():
    p = json.load(open(sys.argv[1]))
    n, t = p["N"], p["T"]
    k = n + 2
    lengths = p["lengths"]
    emit = torch.tensor(p["emit"], dtype=torch.float32).double().view(len(lengths), t, n).requires_grad_()
    trans = torch.tensor(p["trans"], dtype=torch.float32).double().view(k, k).requires_grad_()
    mask = torch.tensor([0.0 if a else p["forbidden"] for a in p["allowed"]], dtype=torch.float64).view(k, k)
    eff = trans + mask
    start, stop = n, n + 1

    def log_z(b):
        alpha = eff[start, :n] + emit[b, 0]
        for i in range(1, lengths[b]):
            alpha = torch.logsumexp(alpha.unsqueeze(1) + eff[:n, :n], dim=0) + emit[b, i]
        return torch.logsumexp(alpha + eff[:n, stop], dim=0)

    nll = torch.zeros((), dtype=torch.float64)
    for b, gold in enumerate(p["gold"]):
        if not gold:
            continue
        score = eff[start, gold[0]] + eff[gold[-1], stop]
        for i, y in enumerate(gold):
            score = score + emit[b, i, y]
            if i > 0:
                score = score + eff[gold[i - 1], y]
        nll = nll + log_z(b) - score
    nll.backward()
    marginals = []
    for b, length in enumerate(lengths):
        e = emit.detach().clone().requires_grad_()
        # log Z as a function of a fresh copy of the emissions: its gradient
        # is the matrix of posterior marginals.
        alpha = eff.detach()[start, :n] + e[b, 0]
        for i in range(1, length):
            alpha = torch.logsumexp(alpha.unsqueeze(1) + eff.detach()[:n, :n], dim=0) + e[b, i]
        lz = torch.logsumexp(alpha + eff.detach()[:n, stop], dim=0)
        lz.backward()
        marginals.append(e.grad[b, :length].reshape(-1).tolist())
    json.dump({"nll": nll.item(), "grad_emit": emit.grad.reshape(-1).tolist(),
               "grad_trans": trans.grad.reshape(-1).tolist(), "marginals": marginals}, sys.stdout)


if __name__ == "__main__":
    main()
