#!/usr/bin/env bash
# The WNUT-17 cooperative-learning table with nerlab's own encoder
# (BENCHMARKS.md, "WNUT-17 with the knowledge-corpus encoder"): indexes the
# shared Wikipedia leads, retrieves the context views, fine-tunes every kind
# for every seed and prints F1 on both views.
#
#   bench/clner/wnut17.sh [OUT]          (default runs/clner-wnut17)
#   SEEDS="1 2 3" KINDS="baseline context cl-l2 cl-kl" THREADS=1
#   SET="model.linear_init=torch"   (key=value settings, without spaces, added
#   to every training; give such runs an OUT of their own, since finished runs
#   in OUT are kept whatever SET says)
#
# Needs `make build` (bin/nerlab) and the encoder of
# `nerlab pretrain data/configs/pretrain-wiki-4x256.yaml` (ENCODER, default
# runs/pretrain-wiki-4x256/model). The index is runs/wiki-index and the
# context views runs/wnut17-context (the paths data/configs/wnut17_bert*.yaml
# name); the runs are OUT/KIND-sN.
#
# A fine-tuning run takes from minutes (baseline) to over an hour (CL, both
# views) on two cores, so the table spans sittings: a finished run is kept,
# and one that was stopped (Ctrl-C, SIGTERM, a lost session) is resumed from
# its last checkpoint. Two calls with different KINDS or SEEDS may run side
# by side (THREADS=1 each); a run folder in use by one is refused to the other.
#
# KINDS: baseline (the tweets alone), context (the context views alone),
# twoview (both views, NLL only), cl-l2, cl-kl (both views with CL).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-runs/clner-wnut17}
seeds=${SEEDS:-1 2 3}
kinds=${KINDS:-baseline context cl-l2 cl-kl}
threads=${THREADS:-1}
encoder=${ENCODER:-runs/pretrain-wiki-4x256/model}
nl=bin/nerlab
data=../shared/datasets/wnut17
ctx=runs/wnut17-context
if [ ! -f "$ctx/test.txt" ]; then
  # Both commands continue where they stopped when called again.
  $nl index build --out runs/wiki-index \
    --corpus ../shared/datasets/knowledge/enwiki2015_early/part-00.txt \
    --corpus ../shared/datasets/knowledge/enwiki2015_early/part-01.txt \
    --corpus ../shared/datasets/knowledge/enwiki2021_new2018/part-00.txt
  $nl retrieve --index runs/wiki-index --data "$data" --out "$ctx" --budget 64
fi
if [ ! -f "$encoder/config.json" ]; then
  echo "no encoder in $encoder: run bin/nerlab pretrain data/configs/pretrain-wiki-4x256.yaml first" >&2
  exit 1
fi
mkdir -p "$out"
for seed in $seeds; do
  for kind in $kinds; do
    run=$out/$kind-s$seed
    [ -f "$run/results.json" ] && continue
    if compgen -G "$run/checkpoints/epoch-*" > /dev/null; then
      echo "resuming $run"
      $nl resume "$run" >> "$run.log" 2>&1 || { echo "$run failed; see $run.log" >&2; exit 1; }
      continue
    fi
    echo "training $run"
    common=(--out "$run" --fresh --set "train.seed=$seed" --set "train.threads=$threads"
            --set "embeddings.transformer.model=$encoder")
    for kv in ${SET:-}; do common+=(--set "$kv"); done
    case $kind in
      baseline) $nl train data/configs/wnut17_bert.yaml "${common[@]}" ;;
      context) $nl train data/configs/wnut17_bert_context.yaml "${common[@]}" ;;
      twoview) $nl train data/configs/wnut17_bert_cl_kl.yaml "${common[@]}" \
                 --set train.multi_view_training=false --set train.distill_posterior=false ;;
      cl-l2) $nl train data/configs/wnut17_bert_cl_l2.yaml "${common[@]}" ;;
      cl-kl) $nl train data/configs/wnut17_bert_cl_kl.yaml "${common[@]}" ;;
      *) echo "unknown kind $kind" >&2; exit 2 ;;
    esac > "$run.log" 2>&1 || { echo "$run failed; see $run.log" >&2; exit 1; }
  done
done
/usr/bin/python3 bench/clner/views.py "$out" "$data" "$ctx" .txt $kinds
