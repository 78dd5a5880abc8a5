"""PyTorch timings for the shapes of bench_test.go, for side-by-side ratios.

Usage: bench_reference.py [CONLL03_TRAIN]

Times, per step, the BiLSTM forward+backward on [32, 40, 150] (hidden 256,
lengths as benchLengths in bench_test.go) through pack_padded_sequence, and,
given CoNLL-03 train, flair's char LSTM (25-d characters, 25 hidden per
direction, each distinct word of the first 32 sentences encoded once).
"""
import sys
import time

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


def timeit(name, tokens, step, seconds=5.0):
    for _ in range(3):
        step()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        n += 1
    per = (time.perf_counter() - start) / n
    print("%-28s %8.2f ms/step %10.0f tokens/s" % (name, per * 1e3, tokens / per))


def bilstm():
    lengths = [6 + (i * 37) % 35 for i in range(32)]
    lengths[0] = 40
    lstm = torch.nn.LSTM(150, 256, bidirectional=True, batch_first=True)
    x = torch.randn(32, 40, 150)
    lens = torch.tensor(lengths)

    def step():
        packed = pack_padded_sequence(x, lens, batch_first=True, enforce_sorted=False)
        out, _ = lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=40)
        out.sum().backward()

    timeit("BiLSTM forward+backward", sum(lengths), step)


def char_lstm(path):
    sentences, words = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            if not fields:
                if words:
                    sentences.append(words)
                    words = []
                if len(sentences) == 32:
                    break
            elif fields[0] != "-DOCSTART-":
                words.append(fields[0])
    alphabet = {c: i + 2 for i, c in enumerate(sorted({c for s in sentences for w in s for c in w}))}
    emb = torch.nn.Embedding(len(alphabet) + 2, 25, padding_idx=0)
    lstm = torch.nn.LSTM(25, 25, bidirectional=True, batch_first=True)
    tokens = sum(len(s) for s in sentences)

    def step():
        distinct = sorted({w for s in sentences for w in s})
        slot = {w: i for i, w in enumerate(distinct)}
        longest = max(len(w) for w in distinct)
        ids = torch.zeros(len(distinct), longest, dtype=torch.long)
        for i, w in enumerate(distinct):
            ids[i, :len(w)] = torch.tensor([alphabet[c] for c in w])
        lens = torch.tensor([len(w) for w in distinct])
        packed = pack_padded_sequence(emb(ids), lens, batch_first=True, enforce_sorted=False)
        _, (hn, _) = lstm(packed)
        vecs = torch.cat([hn[0], hn[1]], dim=1)
        index = torch.tensor([slot[w] for s in sentences for w in s])
        vecs.index_select(0, index).sum().backward()

    timeit("char LSTM forward+backward", tokens, step)


if __name__ == "__main__":
    torch.manual_seed(1)
    print("torch", torch.__version__, "threads", torch.get_num_threads())
    bilstm()
    if len(sys.argv) > 1:
        char_lstm(sys.argv[1])
