"""Compares two folders of context views by the passages their contexts drew on.

    python3 bench/weaviate/compare_views.py VIEWS_A VIEWS_B

For each split (train, dev, test) present in both, it reads SPLIT.txt.provenance.jsonl
and prints the mean overlap of the two passage lists per sentence (shared passages over the
longer list; sentences with no passage on either side are left out) and how many lists are
identical.
"""
import json
import os
import sys


def passage_lists(path):
    with open(path, encoding="utf-8") as f:
        return [[p["id"] for p in (json.loads(line).get("passages") or [])] for line in f]


def main(a_dir, b_dir):
    for split in ("train", "dev", "test"):
        name = split + ".txt.provenance.jsonl"
        a_path, b_path = os.path.join(a_dir, name), os.path.join(b_dir, name)
        if not (os.path.exists(a_path) and os.path.exists(b_path)):
            continue
        a, b = passage_lists(a_path), passage_lists(b_path)
        if len(a) != len(b):
            sys.exit(f"{split}: {len(a)} sentences in {a_dir}, {len(b)} in {b_dir}")
        overlap, counted, identical = 0.0, 0, 0
        for x, y in zip(a, b):
            if not x and not y:
                continue
            overlap += len(set(x) & set(y)) / max(len(x), len(y))
            counted += 1
            identical += x == y
        print(f"{split}: {len(a)} sentences, {counted} with passages; overlap {overlap / max(counted, 1):.4f}; "
              f"identical passage lists {identical}/{counted}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
