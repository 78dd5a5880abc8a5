#!/usr/bin/env bash
# The demo world's cooperative-learning table (BENCHMARKS.md, "cooperative
# learning on the demo world"): generates the world, indexes it, retrieves
# the context views, trains every model for every seed and prints F1 on both
# views. Finished runs are kept, so a second call only trains what is
# missing.
#
#   bench/clner/world.sh [OUT]          (default runs/clner-world)
#   SEEDS="1 2 3" KINDS="baseline context twoview cl-l2 cl-kl" THREADS=1 NAME_CUE=0.5
#   SET="model.linear_init=torch"   (key=value settings, without spaces, added
#   to every training; give such runs an OUT of their own, since finished runs
#   in OUT are kept whatever SET says)
#
# Needs `make build` first (bin/nerlab). Layout: OUT/world (sentences and
# encyclopedia), OUT/index, OUT/context (the context views), OUT/runs.
#
# KINDS: baseline (sentences alone), context (context views alone), twoview
# (both views, NLL only), cl-l2, cl-kl (both views with CL), and the same
# three two-view kinds warm-started from the context model of the seed:
# twoview-warm, cl-l2-warm, cl-kl-warm. The same five with a pretrained
# transformer in place of the BiLSTM (data/configs/world-bert*.yaml):
# bert-baseline, bert-context, bert-twoview, bert-cl-l2, bert-cl-kl, on the
# encoder ENCODER (default runs/pretrain-world/model, which
# `nerlab pretrain data/configs/pretrain-world.yaml` makes from the
# encyclopedia of the same world).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-runs/clner-world}
seeds=${SEEDS:-1 2 3}
kinds=${KINDS:-baseline context twoview cl-l2 cl-kl}
threads=${THREADS:-1}
nl=bin/nerlab
encoder=${ENCODER:-runs/pretrain-world/model}
# The world's sentences and encyclopedia in $out/world, its index beside
# them, the context views in $out/context (retrieve writes outside the
# data it reads).
w=$out/world
if [ ! -f "$out/context/test.conll" ]; then
  $nl world --out "$w" --name-cue "${NAME_CUE:-0.5}"
  $nl index build --corpus "$w/knowledge.jsonl" --out "$out/index" --sentences 1 --fresh > /dev/null
  $nl retrieve --index "$out/index" --data "$w" --out "$out/context" --keep 2 --budget 32 --fresh
fi
plain=(--set "data.train=$w/train.conll" --set "data.dev=$w/dev.conll" --set "data.test=$w/test.conll")
ctx=(--set "data.context.train=$out/context/train.conll" --set "data.context.dev=$out/context/dev.conll"
     --set "data.context.test=$out/context/test.conll")
nocl=(--set train.multi_view_training=false --set train.distill_posterior=false)
mkdir -p "$out/runs"
for seed in $seeds; do
  for kind in $kinds; do
    run=$out/runs/$kind-s$seed
    [ -f "$run/results.json" ] && continue
    common=(--out "$run" --fresh --set "train.seed=$seed" --set "train.threads=$threads")
    for kv in ${SET:-}; do common+=(--set "$kv"); done
    warm=()
    case $kind in *-warm)
      # The context model of the same seed is the starting point.
      KINDS=context SEEDS=$seed THREADS=$threads "$0" "$out" > /dev/null
      warm=(--set "train.init_from=$out/runs/context-s$seed") ;;
    esac
    echo "training $run"
    case ${kind%-warm} in
      baseline) $nl train data/configs/world.yaml "${common[@]}" "${plain[@]}" ;;
      context) $nl train data/configs/world-context.yaml "${common[@]}" --set "data.train=$out/context/train.conll" \
                 --set "data.dev=$out/context/dev.conll" --set "data.test=$out/context/test.conll" ;;
      twoview) $nl train data/configs/world-cl-kl.yaml "${common[@]}" "${plain[@]}" "${ctx[@]}" "${nocl[@]}" "${warm[@]}" ;;
      cl-l2) $nl train data/configs/world-cl-l2.yaml "${common[@]}" "${plain[@]}" "${ctx[@]}" "${warm[@]}" ;;
      cl-kl) $nl train data/configs/world-cl-kl.yaml "${common[@]}" "${plain[@]}" "${ctx[@]}" "${warm[@]}" ;;
      bert-baseline) $nl train data/configs/world-bert.yaml "${common[@]}" "${plain[@]}" --set "embeddings.transformer.model=$encoder" ;;
      bert-context) $nl train data/configs/world-bert-context.yaml "${common[@]}" --set "data.train=$out/context/train.conll" \
                 --set "data.dev=$out/context/dev.conll" --set "data.test=$out/context/test.conll" --set "embeddings.transformer.model=$encoder" ;;
      bert-twoview) $nl train data/configs/world-bert-cl-kl.yaml "${common[@]}" "${plain[@]}" "${ctx[@]}" "${nocl[@]}" --set "embeddings.transformer.model=$encoder" ;;
      bert-cl-l2) $nl train data/configs/world-bert-cl-l2.yaml "${common[@]}" "${plain[@]}" "${ctx[@]}" --set "embeddings.transformer.model=$encoder" ;;
      bert-cl-kl) $nl train data/configs/world-bert-cl-kl.yaml "${common[@]}" "${plain[@]}" "${ctx[@]}" --set "embeddings.transformer.model=$encoder" ;;
      *) echo "unknown kind $kind" >&2; exit 2 ;;
    esac > "$run.log" 2>&1 || { echo "$run failed; see $run.log" >&2; exit 1; }
  done
done
/usr/bin/python3 bench/clner/views.py --clues "$out/runs" "$w" "$out/context" .conll $kinds
