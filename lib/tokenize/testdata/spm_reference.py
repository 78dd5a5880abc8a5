"""SentencePiece (Google's, python3-sentencepiece) as the reference for
lib/tokenize's agreement tests.

  spm_reference.py train CORPUS PREFIX TYPE VOCAB BYTE_FALLBACK
      trains a model (TYPE unigram or bpe) on CORPUS, one text a line,
      into PREFIX.model
  spm_reference.py encode MODEL < texts.jsonl > protos.txt
      one JSON string a line in; one SentencePieceText a line out, the
      serialized protocol buffer in base64 (its pieces' begin and end are
      byte offsets; the Python wrapper's immutable proto turns them into
      character offsets, so the test reads the bytes itself)
"""
import base64
import json
import sys

import sentencepiece as spm


def train(corpus, prefix, model_type, vocab, byte_fallback):
    spm.SentencePieceTrainer.train(
        input=corpus, model_prefix=prefix, model_type=model_type, vocab_size=int(vocab),
        byte_fallback=byte_fallback == "true", character_coverage=0.995,
        num_threads=1, minloglevel=2, hard_vocab_limit=False)


def encode(model):
    sp = spm.SentencePieceProcessor(model_file=model)
    out = []
    for line in sys.stdin.buffer.read().decode("utf-8").split("\n"):
        if not line:
            continue
        text = json.loads(line)
        out.append(base64.b64encode(sp.encode_as_serialized_proto(text)).decode("ascii"))
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "train":
        train(*sys.argv[2:7])
    else:
        encode(sys.argv[2])
