"""BERT and RoBERTa in plain PyTorch, written from the published
architectures (Devlin et al. 2019; Liu et al. 2019, whose positions count
from the padding index; as Hugging Face's BertModel and RobertaModel compute
them), the reference nerlab's Go encoders (lib/embed/bert.go, roberta.go)
are checked against. Debian 12 has no `transformers`; this file needs only
torch.

usage: bert.py tiny DIR [bert|roberta|xlm-roberta]
  writes a tiny random-initialised model in Hugging Face layout (DIR/config.json,
  DIR/pytorch_model.bin with BertModel's tensor names) and DIR/reference.json:
  a batch of token ids of mixed lengths, its attention mask and token types,
  and the hidden states this implementation computes for it: the last
  layer's ("hidden") and every layer's, the embeddings' first ("layers").

usage: bert.py step DIR [bert|roberta|xlm-roberta]
  writes the same tiny model without dropout, with a token-classification
  head (BertForTokenClassification's names: bert.* or roberta.*, then
  classifier.*), and DIR/step.json: a labelled batch, the mean token
  cross-entropy over its tokens, and every tensor after one AdamW step
  (lr 1e-3, weight decay 0.01, torch.optim.AdamW).

usage: bert.py dropout DIR [bert|roberta|xlm-roberta]
  writes the tiny model (dropout 0.1, attention dropout 0.2) and
  DIR/dropout.json: a batch, a random tensor R, and, from one forward in
  training mode with the generator seeded with 13 just before it, the last
  hidden states, loss = sum(hidden * R) and every tensor's gradient.

usage: bert.py bertscore DIR
  reads DIR/vocab.txt (a WordPiece vocabulary of lower-case ASCII pieces)
  and DIR/bertscore_input.json ({"reference": text, "candidates": [texts],
  "layers": [hidden-state numbers, -1 the last]}), writes a tiny random BERT
  of that vocabulary into DIR (config.json, pytorch_model.bin) and
  DIR/bertscore.json: each text's pieces (own WordPiece, cut at the position
  table) and, per layer, each candidate's BERTScore [P, R, F1] against the
  reference, plain and IDF-weighted (IDF from the candidates), each text
  encoded alone.

usage: bert.py bench [--hidden H --layers L --heads N --intermediate I --vocab V
                      --batch B --seq T --warmup W --steps S --eval-steps E
                      --threads K --seed SEED] [--serve]
  times this implementation for bench/transformer (which starts it beside
  nerlab's encoder in the same run): forward + backward of a random
  model of that shape in training mode (dropout 0.1), loss = the sum of
  the last hidden states times a fixed random tensor, backward through
  every parameter, then the forward alone in eval mode under no_grad. The
  batch is B sequences of T token ids, sequence b of length
  T - (37 b mod 3T/4) (bench_lengths; the Go side uses the same rule),
  padded and masked. One JSON object to stdout: the per-step times in ms,
  wall-clock and CPU (all threads of the process).
  With --serve it prints the model's sizes as a JSON line, then reads
  commands from stdin, one per line (train, eval, quit), and answers each
  with a JSON line of its times: the Go driver interleaves the two sides
  step by step.

usage: bert.py mlm DIR BATCH OUT
  reads a BertForMaskedLM folder as nerlab's pretrain writes it (DIR/config.json,
  DIR/model.safetensors, read here with json and torch.frombuffer: bert.* encoder,
  cls.predictions.transform.* and cls.predictions.bias, the decoder tied to the
  word embeddings) and BATCH, a JSON object of ids, mask (rows of equal length)
  and positions (b*T + t); writes OUT: the head's logits at those positions
  (flattened, with their shape) and each position's top prediction.
"""
import json
import math
import os
import sys
import time
from collections import OrderedDict

import torch
import torch.nn.functional as F

ACT = {"gelu": lambda x: F.gelu(x), "gelu_new": lambda x: F.gelu(x, approximate="tanh"), "relu": F.relu}


class Bert(torch.nn.Module):
    """BertModel's encoder: embeddings, then post-norm transformer layers."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        H, I = c["hidden_size"], c["intermediate_size"]
        eps = c["layer_norm_eps"]
        self.word = torch.nn.Embedding(c["vocab_size"], H)
        self.pos = torch.nn.Embedding(c["max_position_embeddings"], H)
        self.typ = torch.nn.Embedding(c["type_vocab_size"], H)
        self.emb_norm = torch.nn.LayerNorm(H, eps=eps)
        self.layers = torch.nn.ModuleList()
        for _ in range(c["num_hidden_layers"]):
            layer = torch.nn.Module()
            layer.q, layer.k, layer.v = (torch.nn.Linear(H, H) for _ in range(3))
            layer.o = torch.nn.Linear(H, H)
            layer.attn_norm = torch.nn.LayerNorm(H, eps=eps)
            layer.fc1, layer.fc2 = torch.nn.Linear(H, I), torch.nn.Linear(I, H)
            layer.out_norm = torch.nn.LayerNorm(H, eps=eps)
            self.layers.append(layer)

    def state_dict_hf(self):
        """The tensors under BertModel's names."""
        return OrderedDict((k, v.detach().clone()) for k, v in self.named_hf().items())

    def named_hf(self):
        """The parameters under BertModel's names."""
        sd = OrderedDict()
        sd["embeddings.word_embeddings.weight"] = self.word.weight
        sd["embeddings.position_embeddings.weight"] = self.pos.weight
        sd["embeddings.token_type_embeddings.weight"] = self.typ.weight
        sd["embeddings.LayerNorm.weight"] = self.emb_norm.weight
        sd["embeddings.LayerNorm.bias"] = self.emb_norm.bias
        for i, l in enumerate(self.layers):
            p = "encoder.layer.%d." % i
            for name, mod in [("attention.self.query", l.q), ("attention.self.key", l.k), ("attention.self.value", l.v),
                              ("attention.output.dense", l.o), ("attention.output.LayerNorm", l.attn_norm),
                              ("intermediate.dense", l.fc1), ("output.dense", l.fc2), ("output.LayerNorm", l.out_norm)]:
                sd[p + name + ".weight"] = mod.weight
                sd[p + name + ".bias"] = mod.bias
        return sd

    def forward(self, ids, mask, types, all_states=None):
        """The last layer's states; all_states, a list, also gets the
        embeddings' output and every layer's (output_hidden_states)."""
        c = self.c
        B, T = ids.shape
        H, heads = c["hidden_size"], c["num_attention_heads"]
        d = H // heads
        if c["model_type"] == "bert":
            positions = torch.arange(T)
        else:  # RoBERTa: padding at padding_idx, tokens from padding_idx + 1
            is_token = (ids != c["pad_token_id"]).long()
            positions = torch.cumsum(is_token, dim=1) * is_token + c["pad_token_id"]
        x = self.word(ids) + self.pos(positions) + self.typ(types)
        x = F.dropout(self.emb_norm(x), c["hidden_dropout_prob"], self.training)
        bias = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        if all_states is not None:
            all_states.append(x)
        for l in self.layers:
            def split(t):
                return t.view(B, T, heads, d).transpose(1, 2)
            q, k, v = split(l.q(x)), split(l.k(x)), split(l.v(x))
            probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + bias, dim=-1)
            probs = F.dropout(probs, c["attention_probs_dropout_prob"], self.training)
            ctx = (probs @ v).transpose(1, 2).reshape(B, T, H)
            a = l.attn_norm(x + F.dropout(l.o(ctx), c["hidden_dropout_prob"], self.training))
            y = l.fc2(ACT[c["hidden_act"]](l.fc1(a)))
            x = l.out_norm(a + F.dropout(y, c["hidden_dropout_prob"], self.training))
            if all_states is not None:
                all_states.append(x)
        return x


def tiny_config(model_type):
    c = {"model_type": model_type, "vocab_size": 50, "hidden_size": 16, "num_hidden_layers": 2,
         "num_attention_heads": 4, "intermediate_size": 24, "hidden_act": "gelu",
         "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "max_position_embeddings": 32,
         "type_vocab_size": 2, "layer_norm_eps": 1e-12, "pad_token_id": 0}
    if model_type != "bert":  # RoBERTa's shape: pad 1, one token type, positions offset by it
        c.update({"type_vocab_size": 1, "pad_token_id": 1, "layer_norm_eps": 1e-5,
                  "max_position_embeddings": 34, "hidden_act": "gelu_new"})
    return c


def batch(c, lengths):
    """Token ids of the given lengths, padded, with mask and token types."""
    T = max(lengths)
    ids = torch.full((len(lengths), T), c["pad_token_id"], dtype=torch.long)
    mask = torch.zeros(len(lengths), T, dtype=torch.long)
    types = torch.zeros(len(lengths), T, dtype=torch.long)
    for b, n in enumerate(lengths):
        ids[b, :n] = torch.randint(2, c["vocab_size"], (n,))
        mask[b, :n] = 1
        if c["type_vocab_size"] > 1:
            types[b, n // 2:n] = 1
    return ids, mask, types


def step(out, model_type="bert"):
    """One fine-tuning step of a token classifier over the encoder."""
    torch.manual_seed(12)
    c = tiny_config(model_type)
    c["hidden_dropout_prob"] = c["attention_probs_dropout_prob"] = 0.0
    labels_n = 5
    m = Bert(c)
    head = torch.nn.Linear(c["hidden_size"], labels_n)
    ids, mask, types = batch(c, [6, 4, 2])
    labels = torch.randint(0, labels_n, ids.shape)
    labels[mask == 0] = -100
    prefix = "bert." if model_type == "bert" else "roberta."
    sd = OrderedDict((prefix + k, v) for k, v in m.state_dict_hf().items())
    sd["classifier.weight"] = head.weight.detach().clone()
    sd["classifier.bias"] = head.bias.detach().clone()
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(c, f, indent=2)
    torch.save(sd, os.path.join(out, "pytorch_model.bin"))
    # The tensors as named in the file, as the optimizer's parameters.
    params = OrderedDict((k, torch.nn.Parameter(v.clone())) for k, v in sd.items())
    m.word.weight = params[prefix + "embeddings.word_embeddings.weight"]
    m.pos.weight = params[prefix + "embeddings.position_embeddings.weight"]
    m.typ.weight = params[prefix + "embeddings.token_type_embeddings.weight"]
    m.emb_norm.weight, m.emb_norm.bias = params[prefix + "embeddings.LayerNorm.weight"], params[prefix + "embeddings.LayerNorm.bias"]
    for i, l in enumerate(m.layers):
        p = prefix + "encoder.layer.%d." % i
        for name, mod in [("attention.self.query", l.q), ("attention.self.key", l.k), ("attention.self.value", l.v),
                          ("attention.output.dense", l.o), ("attention.output.LayerNorm", l.attn_norm),
                          ("intermediate.dense", l.fc1), ("output.dense", l.fc2), ("output.LayerNorm", l.out_norm)]:
            mod.weight, mod.bias = params[p + name + ".weight"], params[p + name + ".bias"]
    head.weight, head.bias = params["classifier.weight"], params["classifier.bias"]
    opt = torch.optim.AdamW(list(params.values()), lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    logits = head(m(ids, mask, types))
    loss = F.cross_entropy(logits.reshape(-1, labels_n), labels.reshape(-1), ignore_index=-100)
    loss.backward()
    opt.step()
    with open(os.path.join(out, "step.json"), "w") as f:
        json.dump({"ids": ids.tolist(), "mask": mask.tolist(), "types": types.tolist(), "labels": labels.tolist(),
                   "loss": loss.item(),
                   "after": {k: v.detach().reshape(-1).tolist() for k, v in params.items()}}, f)


def dropout(out, model_type="bert"):
    """A training-mode forward and backward with dropout active: the tiny
    model, then the generator seeded with 13 just before the forward, so
    that an implementation drawing its dropout masks in the same order
    from the same generator (nerlab's, on the same libtorch) draws the same
    masks."""
    torch.manual_seed(11)
    c = tiny_config(model_type)
    c["hidden_dropout_prob"], c["attention_probs_dropout_prob"] = 0.1, 0.2
    m = Bert(c)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(c, f, indent=2)
    torch.save(m.state_dict_hf(), os.path.join(out, "pytorch_model.bin"))
    ids, mask, types = batch(c, [7, 3, 5])
    r = torch.randn(ids.shape[0], ids.shape[1], c["hidden_size"])
    m.train()
    torch.manual_seed(13)
    hidden = m(ids, mask, types)
    loss = (hidden * r).sum()
    loss.backward()
    with open(os.path.join(out, "dropout.json"), "w") as f:
        json.dump({"ids": ids.tolist(), "mask": mask.tolist(), "types": types.tolist(), "seed": 13,
                   "r": r.reshape(-1).tolist(), "hidden": hidden.detach().reshape(-1).tolist(), "loss": loss.item(),
                   "grads": {k: v.grad.reshape(-1).tolist() for k, v in m.named_hf().items()}}, f)


def tiny(out, model_type="bert"):
    torch.manual_seed(11)
    c = tiny_config(model_type)
    m = Bert(c)
    with torch.no_grad():  # LayerNorms away from 1 and 0, so that a mix-up shows
        for mod in m.modules():
            if isinstance(mod, torch.nn.LayerNorm):
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.5, 0.5)
    m.eval()
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(c, f, indent=2)
    torch.save(m.state_dict_hf(), os.path.join(out, "pytorch_model.bin"))
    ids, mask, types = batch(c, [7, 3, 5])
    states = []
    with torch.no_grad():
        hidden = m(ids, mask, types, states)
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump({"ids": ids.tolist(), "mask": mask.tolist(), "types": types.tolist(),
                   "hidden": hidden.reshape(-1).tolist(), "shape": list(hidden.shape),
                   "layers": [s.reshape(-1).tolist() for s in states]}, f)


def bench_lengths(batch_size, seq):
    """The benchmark's sequence lengths: mixed, the first one full, none
    shorter than a quarter of seq (bench/transformer computes the same)."""
    return [seq - (37 * b) % (3 * seq // 4) for b in range(batch_size)]


class Bench:
    """One model and batch of the benchmark, and its two timed steps."""

    def __init__(self, a):
        torch.set_num_threads(a.threads)
        torch.manual_seed(a.seed)
        c = {"model_type": "bert", "vocab_size": a.vocab, "hidden_size": a.hidden, "num_hidden_layers": a.layers,
             "num_attention_heads": a.heads, "intermediate_size": a.intermediate, "hidden_act": "gelu",
             "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "max_position_embeddings": 512,
             "type_vocab_size": 2, "layer_norm_eps": 1e-12, "pad_token_id": 0}
        self.m = Bert(c)
        with torch.no_grad():  # BERT's initialisation: N(0, 0.02) weights, zero biases, LayerNorms 1 and 0
            for mod in self.m.modules():
                if isinstance(mod, (torch.nn.Linear, torch.nn.Embedding)):
                    mod.weight.normal_(0, 0.02)
                if isinstance(mod, torch.nn.Linear):
                    mod.bias.zero_()
        self.params = list(self.m.parameters())
        self.lengths = bench_lengths(a.batch, a.seq)
        self.ids = torch.zeros(a.batch, a.seq, dtype=torch.long)
        self.mask = torch.zeros(a.batch, a.seq, dtype=torch.long)
        for b, n in enumerate(self.lengths):
            self.ids[b, :n] = torch.randint(2, a.vocab, (n,))
            self.mask[b, :n] = 1
        self.types = torch.zeros(a.batch, a.seq, dtype=torch.long)
        self.r = torch.randn(a.batch, a.seq, a.hidden)

    def info(self):
        return {"impl": "pytorch", "torch_version": torch.__version__, "threads": torch.get_num_threads(),
                "params": sum(p.numel() for p in self.params), "tokens": sum(self.lengths)}

    def train(self):
        """Forward + backward in training mode: (forward ms, backward ms,
        CPU ms of the process: all threads' time, not the time waited for a
        core)."""
        self.m.train()
        for p in self.params:  # as nerlab's ZeroGrad: zeroed in place, untimed
            if p.grad is not None:
                p.grad.zero_()
        c0, t0 = time.process_time(), time.perf_counter()
        loss = (self.m(self.ids, self.mask, self.types) * self.r).sum()
        t1 = time.perf_counter()
        loss.backward()
        del loss
        t2, c2 = time.perf_counter(), time.process_time()
        return (t1 - t0) * 1e3, (t2 - t1) * 1e3, (c2 - c0) * 1e3

    def eval(self):
        """The forward alone, eval mode, no_grad: (ms, CPU ms)."""
        self.m.eval()
        with torch.no_grad():
            c0, t0 = time.process_time(), time.perf_counter()
            h = self.m(self.ids, self.mask, self.types)
            del h
            return (time.perf_counter() - t0) * 1e3, (time.process_time() - c0) * 1e3


def bench(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="bert.py bench")
    for name, default in [("hidden", 768), ("layers", 2), ("heads", 12), ("intermediate", 3072), ("vocab", 30522),
                          ("batch", 32), ("seq", 128), ("warmup", 1), ("steps", 5), ("eval-steps", 5),
                          ("threads", 2), ("seed", 1)]:
        ap.add_argument("--" + name, type=int, default=default)
    ap.add_argument("--serve", action="store_true")
    a = ap.parse_args(argv)
    b = Bench(a)
    if a.serve:  # one step per command line, one JSON line per answer
        print(json.dumps(b.info()), flush=True)
        for line in sys.stdin:
            cmd = line.strip()
            if cmd == "train":
                f, w, c = b.train()
                out = {"forward_ms": f, "backward_ms": w, "cpu_ms": c}
            elif cmd == "eval":
                e, c = b.eval()
                out = {"eval_ms": e, "cpu_ms": c}
            elif cmd == "quit":
                return
            else:
                out = {"error": "unknown command %r; expected train, eval or quit" % cmd}
            print(json.dumps(out), flush=True)
        return
    out = b.info()
    runs = [b.train() for _ in range(a.warmup + a.steps)][a.warmup:]
    out["forward_ms"], out["backward_ms"] = [r[0] for r in runs], [r[1] for r in runs]
    out["step_ms"], out["step_cpu_ms"] = [r[0] + r[1] for r in runs], [r[2] for r in runs]
    evals = [b.eval() for _ in range(a.warmup + a.eval_steps)][a.warmup:]
    out["eval_ms"], out["eval_cpu_ms"] = [e for e, _ in evals], [c for _, c in evals]
    json.dump(out, sys.stdout)
    print()


def read_safetensors(path):
    """The tensors of a safetensors file: an 8-byte little-endian header
    length, a JSON header of dtype, shape and data offsets, then the data."""
    with open(path, "rb") as f:
        data = f.read()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        if e["dtype"] != "F32":
            raise SystemExit("%s: tensor %s is %s; this reader takes F32" % (path, name, e["dtype"]))
        a, b = e["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[base + a:base + b]), dtype=torch.float32).reshape(e["shape"])
    return out


class MLMHead(torch.nn.Module):
    """BertForMaskedLM's cls.predictions: t = LayerNorm(act(W h + b)),
    logits = t E^T + bias, E the (tied) word embeddings."""

    def __init__(self, c):
        super().__init__()
        H = c["hidden_size"]
        self.act = ACT[c["hidden_act"]]
        self.dense = torch.nn.Linear(H, H)
        self.norm = torch.nn.LayerNorm(H, eps=c["layer_norm_eps"])
        self.bias = torch.nn.Parameter(torch.zeros(c["vocab_size"]))

    def forward(self, h, decoder):
        return self.norm(self.act(self.dense(h))) @ decoder.t() + self.bias


def mlm(folder, batch_path, out):
    with open(os.path.join(folder, "config.json")) as f:
        c = json.load(f)
    c.setdefault("layer_norm_eps", 1e-12)
    c.setdefault("type_vocab_size", 2)
    c.setdefault("hidden_act", "gelu")
    sd = read_safetensors(os.path.join(folder, "model.safetensors"))
    m, head = Bert(c), MLMHead(c)
    used = set()
    with torch.no_grad():
        for name, p in m.named_hf().items():
            p.copy_(sd["bert." + name])
            used.add("bert." + name)
        for name, p in [("cls.predictions.transform.dense.weight", head.dense.weight),
                        ("cls.predictions.transform.dense.bias", head.dense.bias),
                        ("cls.predictions.transform.LayerNorm.weight", head.norm.weight),
                        ("cls.predictions.transform.LayerNorm.bias", head.norm.bias),
                        ("cls.predictions.bias", head.bias)]:
            p.copy_(sd[name])
            used.add(name)
    decoder = sd.get("cls.predictions.decoder.weight", m.word.weight)
    used.add("cls.predictions.decoder.weight")
    if not torch.equal(decoder, m.word.weight):
        raise SystemExit("%s: cls.predictions.decoder.weight is not the word embeddings (BertForMaskedLM ties them)" % folder)
    left = sorted(set(sd) - used)
    if left:
        raise SystemExit("%s: tensors BertForMaskedLM does not have: %s" % (folder, ", ".join(left)))
    m.eval()
    with open(batch_path) as f:
        b = json.load(f)
    ids, mask = torch.tensor(b["ids"]), torch.tensor(b["mask"])
    with torch.no_grad():
        h = m(ids, mask, torch.zeros_like(ids))
        picked = h.reshape(-1, h.shape[-1])[torch.tensor(b["positions"])]
        logits = head(picked, decoder)
    with open(out, "w") as f:
        json.dump({"logits": logits.reshape(-1).tolist(), "shape": list(logits.shape),
                   "top": logits.argmax(-1).tolist()}, f)


def wordpiece(vocab, text):
    """BERT's WordPiece for plain lower-case ASCII text: words split at
    whitespace and punctuation, each spelled by greedy longest-match pieces
    (later ones with ##), [UNK] when it cannot be."""
    words, w = [], ""
    for ch in text.lower():
        if ch.isspace() or (ch.isascii() and not ch.isalnum()):
            if w:
                words.append(w)
            w = ""
            if not ch.isspace():
                words.append(ch)
        else:
            w += ch
    if w:
        words.append(w)
    ids = []
    for w in words:
        start, pieces = 0, []
        while start < len(w):
            end = len(w)
            while end > start and ((w[start:end] if start == 0 else "##" + w[start:end]) not in vocab):
                end -= 1
            if end == start:
                pieces = [vocab["[UNK]"]]
                break
            pieces.append(vocab[w[start:end] if start == 0 else "##" + w[start:end]])
            start = end
        ids.extend(pieces)
    return ids


def bertscore(out):
    """BERTScore of candidates against a reference with a tiny random BERT
    over OUT/vocab.txt, each text encoded alone ([CLS] pieces [SEP]), the
    chosen layer's states without [CLS] and [SEP], greedy cosine matching:
    P over the candidate's pieces, R over the reference's, F1; and the same
    with IDF weights from the candidates (log((M+1)/(df+1)))."""
    with open(os.path.join(out, "vocab.txt")) as f:
        vocab = {line.rstrip("\n"): i for i, line in enumerate(f)}
    with open(os.path.join(out, "bertscore_input.json")) as f:
        inp = json.load(f)
    torch.manual_seed(17)
    c = tiny_config("bert")
    c["vocab_size"] = len(vocab)
    m = Bert(c)
    m.eval()
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(c, f, indent=2)
    torch.save(m.state_dict_hf(), os.path.join(out, "pytorch_model.bin"))
    limit = c["max_position_embeddings"] - 2
    texts = [inp["reference"]] + inp["candidates"]
    pieces = [wordpiece(vocab, t)[:limit] for t in texts]
    df = {}
    for p in pieces[1:]:
        for i in set(p):
            df[i] = df.get(i, 0) + 1
    M = len(pieces) - 1

    def idf(ids):
        return torch.tensor([math.log((M + 1) / (df.get(i, 0) + 1)) for i in ids], dtype=torch.float64)

    result = {"pieces": pieces, "layers": {}}
    for layer in inp["layers"]:
        states = []
        with torch.no_grad():
            for p in pieces:
                ids = torch.tensor([[vocab["[CLS]"]] + p + [vocab["[SEP]"]]])
                all_states = []
                m(ids, torch.ones_like(ids), torch.zeros_like(ids), all_states)
                h = all_states[layer if layer >= 0 else c["num_hidden_layers"]][0, 1:-1].double()
                states.append(h / h.norm(dim=-1, keepdim=True))
        ref = states[0]
        rows = []
        for p, cand in zip(pieces[1:], states[1:]):
            sim = cand @ ref.T  # [candidate pieces, reference pieces]
            best_c, best_r = sim.max(dim=1).values, sim.max(dim=0).values
            row = {}
            for name, wc, wr in [("plain", torch.ones_like(best_c), torch.ones_like(best_r)),
                                 ("idf", idf(p), idf(pieces[0]))]:
                P = ((best_c * wc).sum() / wc.sum()).item()
                R = ((best_r * wr).sum() / wr.sum()).item()
                row[name] = [P, R, 2 * P * R / (P + R)]
            rows.append(row)
        result["layers"][str(layer)] = rows
    with open(os.path.join(out, "bertscore.json"), "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "bench":
        sys.exit(bench(sys.argv[2:]))
    if len(sys.argv) == 5 and sys.argv[1] == "mlm":
        mlm(*sys.argv[2:])
        sys.exit(0)
    if len(sys.argv) == 3 and sys.argv[1] == "bertscore":
        bertscore(sys.argv[2])
        sys.exit(0)
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in ("tiny", "step", "dropout"):
        sys.exit(__doc__)
    {"tiny": tiny, "step": step, "dropout": dropout}[sys.argv[1]](sys.argv[2], *sys.argv[3:])
