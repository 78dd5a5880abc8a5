// Package runs is the run folder: the names of the files a training run
// writes, the results.json schema, and reading a run back — its per-epoch
// history (metrics.jsonl, or flair's loss.tsv), its final results, whether
// a process trains it now, and the summaries the runs table shows.
//
// Training (lib/train) writes run folders; plots, the command layer and
// the kernel read them through this package alone, so the schema has one
// home. The package is pure Go: reading a run never needs libtorch.
package runs
