#!/usr/bin/python3
"""Two looks at what a pretrained BERT (a nerlab pretrain model folder) knows.

    probe.py fillmask DIR            the top 5 pieces for [MASK] in a few English sentences
    probe.py unigram DIR CORPUS      the held-out perplexity of predicting frequencies alone

fillmask runs the plain PyTorch reference (bench/pytorch/bert.py mlm) on
sentences whose words are each one piece of DIR's vocab.txt. unigram counts
the pieces of a WikiExtractor file's articles (all but every 100th, the first
8,000) and scores every 100th article with those frequencies (add-one
smoothing), as `held_out_every: 100` splits a run's corpus: a masked LM that
predicts no better than that reads nothing from the context. Its
pre-tokenisation (whitespace, then punctuation and CJK characters alone) and
greedy WordPiece approximate nerlab's tokenizer, so the number is a guide
(within a few per cent), not a held-out evaluation.
"""
import collections
import heapq
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import unicodedata

SENTENCES = [
    "The capital of France is [MASK] .",
    "He was born in [MASK] , Germany .",
    "She is an American [MASK] and songwriter .",
    "The company was founded in [MASK] by John Smith .",
    "The river flows into the [MASK] Sea .",
    "He played football for Manchester [MASK] .",
]


def read_vocab(folder):
    with open(os.path.join(folder, "vocab.txt"), encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f]


def fillmask(folder):
    vocab = read_vocab(folder)
    index = {w: i for i, w in enumerate(vocab)}
    width = 2 + max(len(s.split()) for s in SENTENCES)
    ids, mask, positions = [], [], []
    for r, sentence in enumerate(SENTENCES):
        row = []
        for word in ["[CLS]"] + sentence.split() + ["[SEP]"]:
            if word not in index:
                sys.exit("%s: %r is not one piece of %s/vocab.txt" % (sentence, word, folder))
            if word == "[MASK]":
                positions.append(r * width + len(row))
            row.append(index[word])
        mask.append([1] * len(row) + [0] * (width - len(row)))
        ids.append(row + [index["[PAD]"]] * (width - len(row)))
    with tempfile.TemporaryDirectory() as tmp:
        batch, out = os.path.join(tmp, "batch.json"), os.path.join(tmp, "logits.json")
        with open(batch, "w") as f:
            json.dump({"ids": ids, "mask": mask, "positions": positions}, f)
        bert = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pytorch", "bert.py")
        subprocess.run([sys.executable, bert, "mlm", folder, batch, out], check=True)
        with open(out) as f:
            result = json.load(f)
    V = result["shape"][1]
    for r, sentence in enumerate(SENTENCES):
        row = result["logits"][r * V:(r + 1) * V]
        best = heapq.nlargest(5, range(V), key=lambda i: row[i])
        print("%s → %s" % (sentence, ", ".join(vocab[i] for i in best)))


def words(line):
    out = []
    for token in line.split():
        current = ""
        for ch in token:
            if unicodedata.category(ch).startswith("P") or (ch.isascii() and not ch.isalnum()) \
                    or 0x4E00 <= ord(ch) <= 0x9FFF:
                if current:
                    out.append(current)
                    current = ""
                out.append(ch)
            else:
                current += ch
        if current:
            out.append(current)
    return out


def pieces(word, vocab):
    if len(word) > 100:
        return ["[UNK]"]
    out, i = [], 0
    while i < len(word):
        j = len(word)
        while j > i:
            piece = word[i:j] if i == 0 else "##" + word[i:j]
            if piece in vocab:
                out.append(piece)
                break
            j -= 1
        if j == i:
            return ["[UNK]"]
        i = j
    return out


TAG = re.compile(r"<[^>]+>")


def stream(path, vocab, keep):
    doc = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("<doc"):
                doc += 1
                continue
            if line.startswith("</doc") or not line.strip() or not keep(doc):
                continue
            for word in words(TAG.sub("", line)):
                yield from pieces(word, vocab)


def unigram(folder, corpus):
    vocab = set(read_vocab(folder))
    counts = collections.Counter(stream(corpus, vocab, lambda d: d % 100 != 0 and d < 8000))
    total = sum(counts.values())
    loss, n = 0.0, 0
    for piece in stream(corpus, vocab, lambda d: d % 100 == 0):
        loss -= math.log((counts[piece] + 1) / (total + len(vocab)))
        n += 1
    print("%d training pieces counted, %d held-out pieces: unigram perplexity %.1f" % (total, n, math.exp(loss / n)))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "fillmask":
        fillmask(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "unigram":
        unigram(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
