#!/usr/bin/env bash
# The Weaviate backend at full scale (BENCHMARKS.md, "retrieval backends"):
# the three shared knowledge corpora indexed into a local 3-node cluster
# (3 shards × 2 replicas) and into bleve, the context views of every WNUT-17
# split retrieved from both, node 2 SIGKILLed KILL_AFTER seconds into the
# Weaviate retrieval, and the two sets of views compared.
#
#   bench/weaviate/full.sh [OUT]        (default runs/weaviate-full)
#   KILL_AFTER=120 PORT=8090
#
# Needs `make build` (bin/nerlab) and `make weaviate`. Takes about 15 minutes
# on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-runs/weaviate-full}
kill_after=${KILL_AFTER:-120}
port=${PORT:-8090}
nerlab=bin/nerlab
k=../shared/datasets/knowledge
corpora=(--corpus $k/enwiki2015_early/part-00.txt --corpus $k/enwiki2015_early/part-01.txt --corpus $k/enwiki2021_new2018/part-00.txt)
urls=()
for n in 0 1 2; do urls+=(--url "http://127.0.0.1:$((port + n))"); done

$nerlab weaviate stop --dir "$out/cluster" 2>/dev/null || true
rm -rf "$out"
mkdir -p "$out"
$nerlab weaviate start --nodes 3 --port "$port" --dir "$out/cluster"
trap '$nerlab weaviate stop --dir "$out/cluster" || true' EXIT

time $nerlab index build --backend weaviate "${urls[@]}" --class Wiki --shards 3 --replicas 2 --out "$out/weaviate-index" "${corpora[@]}"
$nerlab index info "$out/weaviate-index"
time $nerlab index build --out "$out/bleve-index" "${corpora[@]}"

time $nerlab retrieve --index "$out/bleve-index" --data ../shared/datasets/wnut17 --out "$out/wnut17-bleve" --budget 64
(
	sleep "$kill_after"
	pid=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['nodes'][2]['pid'])" "$out/cluster/cluster.json")
	echo "killing node 2 (pid $pid) at $(date +%T)"
	kill -9 "$pid"
) &
time $nerlab retrieve --index "$out/weaviate-index" --data ../shared/datasets/wnut17 --out "$out/wnut17-weaviate" --budget 64
wait
$nerlab weaviate status --dir "$out/cluster" || true
/usr/bin/python3 bench/weaviate/compare_views.py "$out/wnut17-bleve" "$out/wnut17-weaviate"
