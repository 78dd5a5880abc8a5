#!/usr/bin/env bash
# Behaviour unchanged, measured (issue 18's acceptance): after `make demo`,
# compares the loss.tsv of the demo run and of the demo world's four runs
# with the ones main wrote before the redesign (bench/redesign/before/,
# from a fresh-clone .ci/run of b49d64f; a second run on another clone gave
# the same files). Every column but TIMESTAMP must be equal.
#   make demo && bench/redesign/compare.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ref=bench/redesign/before
status=0
check() { # name, loss.tsv written now
  if diff <(cut -f1,3- "$ref/$1.loss.tsv") <(cut -f1,3- "$2") >/dev/null; then
    echo "$1: identical"
  else
    echo "$1: DIFFERS from $ref/$1.loss.tsv"
    diff <(cut -f1,3- "$ref/$1.loss.tsv") <(cut -f1,3- "$2") | head -n 6
    status=1
  fi
}
check demo runs/demo/loss.tsv
for r in baseline context cl-kl cl-l2; do
  check "world-$r" "runs/world/runs/$r/loss.tsv"
done
exit $status
