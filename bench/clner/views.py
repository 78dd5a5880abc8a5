#!/usr/bin/python3
"""F1 of 3-seed runs on both views, as a markdown table.

    views.py [--clues] RUNS PLAIN_DIR CONTEXT_DIR EXT KIND...

For each finished run RUNS/KIND-sN: dev and test F1 on the plain view and on
the context view of the model the run kept. A two-view run gives its own
(loss.tsv at the best epoch, results.json); a one-view run is scored on the
other view's dev and test files (PLAIN_DIR or CONTEXT_DIR, dev+EXT and
test+EXT) with `bin/nerlab eval`, whose results are kept beside the run.
Cells are mean ± sample sd. --clues adds, for the demo world, the share of
test entities found with their type among names that end in a type's
ending and among those that do not.
"""
import csv
import glob
import json
import os
import statistics
import subprocess
import sys

NERLAB = os.environ.get("NERLAB", "bin/nerlab")
# The endings of lib/demoworld (endings in demoworld.go): keep the two alike.
ENDINGS = {"PER": ["ard", "ovic", "ild"], "LOC": ["holm", "burg", "wick"],
           "ORG": ["corp", "ix", "tex"], "PRODUCT": ["ette", "ium", "oid"]}


def evaluate(run, data):
    """F1 of run's model on data, cached in the run folder."""
    view = os.path.basename(os.path.dirname(os.path.abspath(data)))
    cache = os.path.join(run, "eval-%s-%s.json" % (view, os.path.basename(data)))
    if not os.path.exists(cache):
        out = subprocess.run([NERLAB, "eval", "--model", run, "--data", data, "--json"],
                             check=True, capture_output=True, text=True).stdout
        with open(cache + ".tmp", "w") as f:
            f.write(out)
        os.replace(cache + ".tmp", cache)
    with open(cache) as f:
        return json.load(f)["f1"]


def context_test(res):
    """The context view's test report in results.json: in "views" since
    results.json lists every view, as "test_context" before."""
    for v in res.get("views", []):
        if v["view"] == "context":
            return v["test"]
    return res["test_context"]


def scores(run, plain, context, ext):
    with open(os.path.join(run, "results.json")) as f:
        res = json.load(f)
    with open(os.path.join(run, "loss.tsv")) as f:
        best = list(csv.DictReader(f, delimiter="\t"))[res["best_epoch"] - 1]
    if "DEV_CONTEXT_F1" in best:
        return dict(dev_plain=float(best["DEV_F1"]), dev_ctx=float(best["DEV_CONTEXT_F1"]),
                    test_plain=res["test"]["f1"], test_ctx=context_test(res)["f1"])
    with open(os.path.join(run, "config.yaml")) as f:
        cfg = f.read()
    trained_on_context = os.path.abspath(os.path.join(context, "train" + ext)) in cfg or \
        os.path.join(context, "train" + ext) in cfg
    if trained_on_context:
        return dict(dev_ctx=float(best["DEV_F1"]), test_ctx=res["test"]["f1"],
                    dev_plain=evaluate(run, os.path.join(plain, "dev" + ext)),
                    test_plain=evaluate(run, os.path.join(plain, "test" + ext)))
    return dict(dev_plain=float(best["DEV_F1"]), test_plain=res["test"]["f1"],
                dev_ctx=evaluate(run, os.path.join(context, "dev" + ext)),
                test_ctx=evaluate(run, os.path.join(context, "test" + ext)))


def spans(tags):
    """(start, end, type) of BIO/BIOES tags, conlleval-style."""
    out, start, typ = [], None, None
    for i, t in enumerate(tags + ["O"]):
        prefix, _, ty = t.partition("-")
        if start is not None and (prefix in ("O", "B", "S") or ty != typ):
            out.append((start, i, typ))
            start = None
        if start is None and prefix in ("B", "S", "I", "E") and ty:
            start, typ = i, ty
    return out


def clue_shares(pred_file):
    found = {True: [0, 0], False: [0, 0]}
    with open(pred_file) as f:
        blocks = f.read().strip().split("\n\n")
    for block in blocks:
        rows = [line.split() for line in block.split("\n") if line.strip()]
        toks, gold, pred = [r[0] for r in rows], [r[-2] for r in rows], [r[-1] for r in rows]
        predicted = set(spans(pred))
        for s, e, t in spans(gold):
            clue = any(toks[e - 1].endswith(x) for x in ENDINGS.get(t, []))
            found[clue][1] += 1
            found[clue][0] += (s, e, t) in predicted
    return found


def cell(xs):
    xs = [100 * x for x in xs]
    return "%.2f" % xs[0] if len(xs) == 1 else "%.2f ± %.2f" % (statistics.mean(xs), statistics.stdev(xs))


def main(argv):
    clues = "--clues" in argv
    argv = [a for a in argv if a != "--clues"]
    runs, plain, context, ext = argv[:4]
    kinds = argv[4:]
    groups = {}
    for k in kinds:
        dirs = sorted(d for d in glob.glob(os.path.join(runs, k + "-s[0-9]*"))
                      if os.path.exists(os.path.join(d, "results.json")))
        if dirs:
            groups[k] = dirs
    print("| model | seeds | dev, plain view | dev, context view | test, plain view | test, context view | test per seed (plain / context) |")
    print("|---|---|---|---|---|---|---|")
    for k, dirs in groups.items():
        rs = [scores(d, plain, context, ext) for d in dirs]
        per = ", ".join("%.2f / %.2f" % (100 * r["test_plain"], 100 * r["test_ctx"]) for r in rs)
        print("| %s | %d | %s | %s | %s | %s | %s |" % (
            k, len(rs), cell([r["dev_plain"] for r in rs]), cell([r["dev_ctx"] for r in rs]),
            cell([r["test_plain"] for r in rs]), cell([r["test_ctx"] for r in rs]), per))
    if clues:
        print()
        print("| model (the view it was selected on) | found with type: names with a clue | names without |")
        print("|---|---|---|")
        for k, dirs in groups.items():
            with_clue, without = [], []
            for d in dirs:
                c = clue_shares(os.path.join(d, "test.conll"))
                with_clue.append("%.1f" % (100 * c[True][0] / max(c[True][1], 1)))
                without.append("%.1f" % (100 * c[False][0] / max(c[False][1], 1)))
            print("| %s | %s | %s |" % (k, ", ".join(with_clue), ", ".join(without)))


if __name__ == "__main__":
    main(sys.argv[1:])
