#!/usr/bin/python3
"""PyTorch eager reference of nerlab's BiLSTM-CRF benchmark.

The model is flair's SequenceTagger recipe on CoNLL-03, written out in plain
PyTorch so that nerlab's Go implementation (gotch, same libtorch) can be timed
against exactly the same work:

    word embedding (100) ++ char BiLSTM (2 x 25)  -> word dropout 0.05
    -> locked dropout 0.5 -> BiLSTM (2 x 256) -> locked dropout 0.5
    -> linear (512 -> K) -> linear-chain CRF

Run it with Debian's interpreter, which sees python3-torch:

    /usr/bin/python3 bench/pytorch/bilstm_crf.py --train-steps 50 --warmup 5 --tag --rss

One JSON object goes to stdout (the Go driver parses it); a human log goes to
stderr. `--dump-config` prints the model description instead, so the driver
can check that both sides build the same model.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

# Model and optimiser settings: both sides of the comparison use these values.
WORD_DIM = 100
CHAR_DIM = 25
CHAR_HIDDEN = 25
HIDDEN = 256
WORD_DROPOUT = 0.05
LOCKED_DROPOUT = 0.5
LEARNING_RATE = 0.1
CLIP_NORM = 5.0
# Half-width of the uniform initialisation of the CRF's scores.
CRF_INIT = 0.1

PAD = "<pad>"
UNK = "<unk>"
DOCSTART = "-DOCSTART-"

# Relative to this file: bench/pytorch -> repository root -> its sibling shared/.
DEFAULT_DATASETS = os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "datasets"))


# ---------------------------------------------------------------------------
# Data: CoNLL reading, IOB -> BIOES, vocabularies
# ---------------------------------------------------------------------------

class DataError(Exception):
    """A mistake in an input file or in the flags; str() is the message to show."""


@dataclass
class Sentence:
    tokens: list[str]
    tags: list[str]  # BIOES after reading
    line: int        # line of the first token, for messages


def read_conll(path: str) -> list[Sentence]:
    """Reads a CoNLL file: token first column, NER tag last column.

    Blank (or whitespace-only) lines end sentences; `-DOCSTART-` lines are
    document separators, not sentences. Tags must be IOB1 or IOB2; they are
    returned in BIOES.
    """
    sentences: list[Sentence] = []
    tokens: list[str] = []
    tags: list[str] = []
    first_line = 0

    def flush() -> None:
        nonlocal tokens, tags
        if tokens:
            sentences.append(Sentence(tokens, iob_to_bioes(tags), first_line))
        tokens, tags = [], []

    try:
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                fields = line.split()
                if not fields:
                    flush()
                    continue
                if fields[0] == DOCSTART:
                    flush()
                    continue
                if len(fields) < 2:
                    raise DataError(f"{path}:{lineno}: line has one column; "
                                    "expected 'token ... NER-tag' columns")
                tag = fields[-1]
                if not is_iob_tag(tag):
                    raise DataError(f"{path}:{lineno}: tag {tag!r} is not an IOB tag; "
                                    "expected O, B-TYPE or I-TYPE")
                if not tokens:
                    first_line = lineno
                tokens.append(fields[0])
                tags.append(tag)
    except OSError as err:
        raise DataError(f"{path}: cannot read: {err.strerror}; expected a CoNLL file") from err
    except UnicodeDecodeError as err:
        raise DataError(f"{path}: byte {err.start} is not UTF-8; expected UTF-8 text") from err
    flush()
    return sentences


def is_iob_tag(tag: str) -> bool:
    return tag == "O" or (len(tag) > 2 and tag[0] in "BI" and tag[1] == "-")


def iob_to_bioes(tags: Sequence[str]) -> list[str]:
    """Converts IOB1 or IOB2 tags to BIOES.

    A span starts at a B- tag, or at an I- tag that does not continue the
    previous token's type (the IOB1 case); it goes on while I- tags of its
    type follow. One-token spans become S-, the last token of longer spans E-.
    """
    def kind(tag: str) -> str:
        return tag[2:]

    out = []
    for i, tag in enumerate(tags):
        if tag == "O":
            out.append("O")
            continue
        prev = tags[i - 1] if i > 0 else "O"
        nxt = tags[i + 1] if i + 1 < len(tags) else "O"
        begins = tag[0] == "B" or prev == "O" or kind(prev) != kind(tag)
        continues = nxt != "O" and nxt[0] == "I" and kind(nxt) == kind(tag)
        if begins:
            out.append(("B-" if continues else "S-") + kind(tag))
        else:
            out.append(("I-" if continues else "E-") + kind(tag))
    return out


def tag_set(sentences: Iterable[Sentence]) -> list[str]:
    """The tag dictionary: "O", then B-, I-, E-, S- for each entity type sorted."""
    types = sorted({tag[2:] for s in sentences for tag in s.tags if tag != "O"})
    return ["O"] + [f"{prefix}-{t}" for t in types for prefix in "BIES"]


class Vocabulary:
    """Strings to ids: `<pad>` is 0, `<unk>` 1, then items in order of first appearance."""

    def __init__(self, items: Iterable[str]):
        self.items = [PAD, UNK]
        self.ids = {PAD: 0, UNK: 1}
        for item in items:
            if item not in self.ids:
                self.ids[item] = len(self.items)
                self.items.append(item)

    def __len__(self) -> int:
        return len(self.items)

    def id(self, item: str) -> int:
        return self.ids.get(item, 1)

    def word_id(self, word: str) -> int:
        """Word lookup: the exact form, else its lowercase form, else `<unk>`."""
        found = self.ids.get(word)
        if found is None:
            found = self.ids.get(word.lower(), 1)
        return found


def word_vocabulary(sentences: Iterable[Sentence]) -> Vocabulary:
    return Vocabulary(tok for s in sentences for tok in s.tokens)


def char_alphabet(sentences: Iterable[Sentence]) -> Vocabulary:
    # Characters are Unicode code points (Go: runes).
    return Vocabulary(ch for s in sentences for tok in s.tokens for ch in tok)


# ---------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------

class CRF(nn.Module):
    """Linear-chain CRF over K tags.

    score(x, y) = start[y_1] + sum_t emit[t, y_t] + sum_{t>1} trans[y_{t-1}, y_t] + stop[y_n]
    NLL(x, y)   = log Z(x) - score(x, y),  Z(x) = sum over all tag paths y' of exp score(x, y')
    transitions[i, j] is the score of moving from tag i to tag j.
    """

    def __init__(self, num_tags: int):
        super().__init__()

        def scores(*shape: int) -> nn.Parameter:
            return nn.Parameter(torch.empty(*shape).uniform_(-CRF_INIT, CRF_INIT))

        self.transitions = scores(num_tags, num_tags)
        self.start = scores(num_tags)
        self.stop = scores(num_tags)

    def log_partition(self, emissions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """log Z per sentence [B], by the forward algorithm.

        emissions [B, T, K]; mask [B, T] bool, true on real tokens (a prefix of each row).
        alpha_t[j] = logsumexp_i(alpha_{t-1}[i] + trans[i, j]) + emit[t, j]
        """
        alpha = self.start + emissions[:, 0]
        for t in range(1, emissions.size(1)):
            step = torch.logsumexp(alpha.unsqueeze(2) + self.transitions, dim=1) + emissions[:, t]
            # Finished sentences keep their alpha, so the end holds each one's last step.
            alpha = torch.where(mask[:, t].unsqueeze(1), step, alpha)
        return torch.logsumexp(alpha + self.stop, dim=1)

    def gold_score(self, emissions: torch.Tensor, tags: torch.Tensor,
                   mask: torch.Tensor) -> torch.Tensor:
        """score(x, y) per sentence [B] for gold tags [B, T] (padding: any valid id)."""
        maskf = mask.to(emissions.dtype)
        emit = emissions.gather(2, tags.unsqueeze(2)).squeeze(2)
        trans = self.transitions[tags[:, :-1], tags[:, 1:]]
        last = mask.sum(dim=1) - 1
        last_tags = tags.gather(1, last.unsqueeze(1)).squeeze(1)
        return (self.start[tags[:, 0]] + (emit * maskf).sum(dim=1)
                + (trans * maskf[:, 1:]).sum(dim=1) + self.stop[last_tags])

    def nll(self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Negative log-likelihood per sentence [B]."""
        return self.log_partition(emissions, mask) - self.gold_score(emissions, tags, mask)

    def viterbi(self, emissions: torch.Tensor, lengths: Sequence[int]) -> list[list[int]]:
        """The best tag path of each sentence: max-sum over the batch, backtrack per sentence.

        emissions [B, T, K]; lengths: each sentence's token count (at least 1).
        """
        batch, steps, _ = emissions.shape
        mask = torch.arange(steps).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)
        score = self.start + emissions[:, 0]
        backpointers = []
        for t in range(1, steps):
            best, best_prev = (score.unsqueeze(2) + self.transitions).max(dim=1)
            backpointers.append(best_prev)
            score = torch.where(mask[:, t].unsqueeze(1), best + emissions[:, t], score)
        last_tags = (score + self.stop).argmax(dim=1).tolist()
        # [B][T-1][K]: one conversion to Python lists, then plain list walks.
        pointers = torch.stack(backpointers, dim=1).tolist() if backpointers else [[]] * batch
        paths = []
        for b in range(batch):
            tag = last_tags[b]
            path = [tag]
            for t in range(lengths[b] - 1, 0, -1):
                tag = pointers[b][t - 1][tag]
                path.append(tag)
            path.reverse()
            paths.append(path)
        return paths


class WordDropout(nn.Module):
    """Zeroes whole token vectors with probability p (mask [B, T, 1]); no rescaling, as flair."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        mask = x.new_empty(x.size(0), x.size(1), 1).bernoulli_(1 - self.p)
        return x * mask


class LockedDropout(nn.Module):
    """Drops the same features at every time step (mask [B, 1, D]), scaled by 1/(1-p)."""

    def __init__(self, p: float):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        mask = x.new_empty(x.size(0), 1, x.size(2)).bernoulli_(1 - self.p) / (1 - self.p)
        return x * mask


class CharEncoder(nn.Module):
    """A word's vector from its characters: [forward final state; backward final state]."""

    def __init__(self, alphabet: Vocabulary):
        super().__init__()
        self.alphabet = alphabet
        self.embedding = nn.Embedding(len(alphabet), CHAR_DIM)
        self.lstm = nn.LSTM(CHAR_DIM, CHAR_HIDDEN, batch_first=True, bidirectional=True)

    def forward(self, words: Sequence[str]) -> torch.Tensor:
        """[len(words), 2 * CHAR_HIDDEN]."""
        lengths = [max(len(w), 1) for w in words]  # an empty word reads as one <pad>
        width = max(lengths)
        ids = [[self.alphabet.id(ch) for ch in w] + [0] * (width - len(w)) for w in words]
        chars = self.embedding(torch.tensor(ids))
        packed = pack_padded_sequence(chars, torch.tensor(lengths), batch_first=True,
                                      enforce_sorted=False)
        # final_state is [2, words, hidden], back in the words' order (packing unsorts it).
        _, (final_state, _) = self.lstm(packed)
        return torch.cat([final_state[0], final_state[1]], dim=1)


class BiLSTMCRF(nn.Module):
    """flair's SequenceTagger recipe: word + char embeddings -> BiLSTM -> linear -> CRF."""

    def __init__(self, vocab: Vocabulary, alphabet: Vocabulary, tags: Sequence[str]):
        super().__init__()
        self.vocab = vocab
        self.tags = list(tags)
        self.tag_ids = {tag: i for i, tag in enumerate(self.tags)}
        self.word_embedding = nn.Embedding(len(vocab), WORD_DIM)
        self.char_encoder = CharEncoder(alphabet)
        self.word_dropout = WordDropout(WORD_DROPOUT)
        self.locked_dropout = LockedDropout(LOCKED_DROPOUT)
        self.lstm = nn.LSTM(WORD_DIM + 2 * CHAR_HIDDEN, HIDDEN, batch_first=True,
                            bidirectional=True)
        self.linear = nn.Linear(2 * HIDDEN, len(self.tags))
        self.crf = CRF(len(self.tags))

    def emissions(self, batch: Sequence[Sequence[str]]) -> tuple[torch.Tensor, torch.Tensor]:
        """Emission scores [B, T, K] and the token mask [B, T] for a batch of token lists."""
        lengths = [len(s) for s in batch]
        steps = max(lengths)
        word_ids = [[self.vocab.word_id(w) for w in s] + [0] * (steps - len(s)) for s in batch]

        # The char BiLSTM runs once per distinct word of the batch; tokens index into it,
        # and padding points at an extra zero row.
        distinct: dict[str, int] = {}
        for s in batch:
            for w in s:
                distinct.setdefault(w, len(distinct))
        padding = len(distinct)
        char_index = [[distinct[w] for w in s] + [padding] * (steps - len(s)) for s in batch]
        char_vectors = self.char_encoder(list(distinct))
        char_vectors = torch.cat([char_vectors, char_vectors.new_zeros(1, char_vectors.size(1))])

        x = torch.cat([self.word_embedding(torch.tensor(word_ids)),
                       char_vectors[torch.tensor(char_index)]], dim=2)
        x = self.locked_dropout(self.word_dropout(x))
        length_tensor = torch.tensor(lengths)
        packed = pack_padded_sequence(x, length_tensor, batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=steps)
        out = self.locked_dropout(out)
        mask = torch.arange(steps).unsqueeze(0) < length_tensor.unsqueeze(1)
        return self.linear(out), mask

    def loss(self, batch: Sequence[Sentence]) -> torch.Tensor:
        """Sum of the sentences' CRF NLLs divided by the batch size."""
        emissions, mask = self.emissions([s.tokens for s in batch])
        steps = emissions.size(1)
        # The tag set comes from the training sentences, so every gold tag has an id.
        gold = [[self.tag_ids[t] for t in s.tags] + [0] * (steps - len(s.tags)) for s in batch]
        return self.crf.nll(emissions, torch.tensor(gold), mask).sum() / len(batch)

    def decode(self, batch: Sequence[Sequence[str]]) -> list[list[str]]:
        """Best tag strings for each token list (call under no_grad and eval())."""
        emissions, _ = self.emissions(batch)
        paths = self.crf.viterbi(emissions, [len(s) for s in batch])
        return [[self.tags[i] for i in path] for path in paths]


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def describe(model: BiLSTMCRF) -> dict:
    """The model description that --dump-config prints."""
    return {
        "impl": "pytorch",
        "word_dim": WORD_DIM,
        "char_dim": CHAR_DIM,
        "char_hidden": CHAR_HIDDEN,
        "hidden": HIDDEN,
        "layers": 1,
        "word_dropout": WORD_DROPOUT,
        "locked_dropout": LOCKED_DROPOUT,
        "learning_rate": LEARNING_RATE,
        "clip_norm": CLIP_NORM,
        "vocab_size": len(model.vocab),
        "char_vocab_size": len(model.char_encoder.alphabet),
        "num_tags": len(model.tags),
        "tags": model.tags,
        "params": count_parameters(model),
        "parameters": {name: list(p.shape) for name, p in model.named_parameters()},
    }


# ---------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------

def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), linear between the closest ranks (numpy's default)."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def train_batches(sentences: Sequence[Sentence], batch_size: int,
                  count: int) -> list[list[Sentence]]:
    """The first `count` consecutive groups of `batch_size` sentences in file order."""
    need = batch_size * count
    if need > len(sentences):
        raise DataError(f"{count} batches of {batch_size} need {need} training sentences; "
                        f"the training file has {len(sentences)}: lower --warmup/--train-steps")
    return [list(sentences[i * batch_size:(i + 1) * batch_size]) for i in range(count)]


def benchmark_training(model: BiLSTMCRF, batches: Sequence[Sequence[Sentence]], warmup: int,
                       log: Callable[[str], None]) -> dict:
    """SGD steps over `batches`; the first `warmup` are untimed.

    A timed step is zero_grad + forward (embeddings, BiLSTM, CRF loss) + backward
    + gradient clipping + the SGD update; forward and backward are also timed alone.
    """
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=LEARNING_RATE)
    step_ms, forward_ms, backward_ms = [], [], []
    timed_tokens = 0
    for i, batch in enumerate(batches):
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = model.loss(batch)
        forward_end = time.perf_counter()
        loss.backward()
        backward_end = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(params, CLIP_NORM)
        optimizer.step()
        end = time.perf_counter()
        timed = i >= warmup
        if timed:
            step_ms.append((end - start) * 1e3)
            forward_ms.append((forward_end - start) * 1e3)
            backward_ms.append((backward_end - forward_end) * 1e3)
            timed_tokens += sum(len(s.tokens) for s in batch)
        log(f"step {i + 1}/{len(batches)}{'' if timed else ' (warm-up)'}: "
            f"loss {loss.item():.3f}, {(end - start) * 1e3:.1f} ms")
    if not step_ms:
        return {}
    return {
        "step_ms_median": statistics.median(step_ms),
        "step_ms_mean": statistics.fmean(step_ms),
        "step_ms_p90": percentile(step_ms, 90),
        "forward_ms_median": statistics.median(forward_ms),
        "backward_ms_median": statistics.median(backward_ms),
        "train_tokens_per_sec": timed_tokens / (sum(step_ms) / 1e3),
    }


def tag_corpus(model: BiLSTMCRF, sentences: Sequence[Sentence], batch_size: int) -> list[list[str]]:
    """Tags every sentence, longest first in batches; returns tags in the input order."""
    order = sorted(range(len(sentences)), key=lambda i: len(sentences[i].tokens), reverse=True)
    predicted: list[list[str]] = [[] for _ in sentences]
    for start in range(0, len(order), batch_size):
        chunk = order[start:start + batch_size]
        for i, tags in zip(chunk, model.decode([sentences[i].tokens for i in chunk])):
            predicted[i] = tags
    return predicted


def benchmark_tagging(model: BiLSTMCRF, sentences: Sequence[Sentence], batch_size: int,
                      repeats: int, log: Callable[[str], None]) -> dict:
    """Words per second over whole passes of tagging (median over the repeats)."""
    words = sum(len(s.tokens) for s in sentences)
    rates = []
    model.eval()
    with torch.no_grad():
        for r in range(repeats):
            start = time.perf_counter()
            tag_corpus(model, sentences, batch_size)
            seconds = time.perf_counter() - start
            rates.append(words / seconds)
            log(f"tag pass {r + 1}/{repeats}: {words} words in {seconds:.2f} s, "
                f"{rates[-1]:.0f} words/s")
    model.train()
    return {
        "tag_words_per_sec": statistics.median(rates),
        "tag_sentences": len(sentences),
        "tag_words": words,
    }


def peak_rss_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    datasets = os.environ.get("NERLAB_DATASETS") or DEFAULT_DATASETS
    p = argparse.ArgumentParser(
        description="PyTorch reference of nerlab's BiLSTM-CRF benchmark "
                    "(JSON on stdout, log on stderr).")
    p.add_argument("--train-file", default=os.path.join(datasets, "conll03", "train.txt"),
                   help="CoNLL training file (default: conll03/train.txt under $NERLAB_DATASETS, "
                        "else ../shared/datasets beside the checkout)")
    p.add_argument("--test-file", default=os.path.join(datasets, "conll03", "test.txt"),
                   help="CoNLL file tagged by --tag (default: conll03/test.txt, same place)")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    p.add_argument("--seed", type=int, default=1, help="torch.manual_seed (default 1)")
    p.add_argument("--batch", type=int, default=32, help="training batch size (default 32)")
    p.add_argument("--warmup", type=int, default=3, help="untimed training steps first (default 3)")
    p.add_argument("--train-steps", type=int, default=20,
                   help="timed training steps (default 20; 0: none)")
    p.add_argument("--tag", action="store_true", help="measure tagging throughput on --test-file")
    p.add_argument("--eval-batch", type=int, default=64, help="tagging batch size (default 64)")
    p.add_argument("--repeats", type=int, default=3,
                   help="tagging passes; the median is reported (default 3)")
    p.add_argument("--rss", action="store_true", help="report peak RSS at the end")
    p.add_argument("--dump-config", action="store_true",
                   help="print the model description and exit")
    args = p.parse_args(argv)
    for name in ("threads", "batch", "eval_batch", "repeats"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} is {getattr(args, name)}; expected at least 1")
    for name in ("warmup", "train_steps"):
        if getattr(args, name) < 0:
            p.error(f"--{name.replace('_', '-')} is {getattr(args, name)}; expected 0 or more")
    return args


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> dict:
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    started = time.perf_counter()
    train = read_conll(args.train_file)
    if not train:
        raise DataError(f"{args.train_file}: no sentences; expected a CoNLL training file")
    model = BiLSTMCRF(word_vocabulary(train), char_alphabet(train), tag_set(train))
    log(f"{args.train_file}: {len(train)} sentences, {sum(len(s.tokens) for s in train)} tokens, "
        f"read in {time.perf_counter() - started:.1f} s")
    log(f"model: {len(model.vocab)} words, {len(model.char_encoder.alphabet)} chars, "
        f"{len(model.tags)} tags, {count_parameters(model)} parameters, "
        f"{torch.get_num_threads()} threads")
    if args.dump_config:
        return describe(model)

    result: dict = {
        "impl": "pytorch",
        "torch_version": torch.__version__,
        "threads": torch.get_num_threads(),
        "batch": args.batch,
        "warmup": args.warmup,
        "steps": args.train_steps,
        "seed": args.seed,
        "num_tags": len(model.tags),
        "vocab_size": len(model.vocab),
        "params": count_parameters(model),
    }
    # Every key is always present; what was not measured is null.
    for key in ("step_ms_median", "step_ms_mean", "step_ms_p90", "forward_ms_median",
                "backward_ms_median", "train_tokens_per_sec", "tag_words_per_sec",
                "tag_sentences", "tag_words", "peak_rss_mb"):
        result[key] = None

    if args.train_steps > 0:
        batches = train_batches(train, args.batch, args.warmup + args.train_steps)
        result.update(benchmark_training(model, batches, args.warmup, log))
    if args.tag:
        test = read_conll(args.test_file)
        if not test:
            raise DataError(f"{args.test_file}: no sentences; expected a CoNLL file to tag")
        result.update(benchmark_tagging(model, test, args.eval_batch, args.repeats, log))
    if args.rss:
        result["peak_rss_mb"] = peak_rss_mb()
    return result


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        result = run(args)
    except DataError as err:
        print(f"bilstm_crf: {err}", file=sys.stderr)
        return 2
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
