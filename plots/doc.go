// Package plots draws charts of training runs with gonum/plot: loss
// curves, F1 curves with the best dev epoch marked, the learning-rate
// schedule, per-type F1 bars, and a 2×2 dashboard of all four.
//
// Reading and drawing are separate packages. runs.ReadRun turns a run
// folder (metrics.jsonl, or flair's loss.tsv when that is all there is)
// into a runs.Run of per-epoch series; the chart functions here take that
// Run and return *plot.Plot values that the caller may restyle before
// drawing. Render and WriteFile produce PNG or SVG bytes for a REPL, a
// notebook or a file.
//
// Sizes are vg.Length values (points). PNG output is rasterised at 72 dpi,
// so one point is one pixel: Render(r, "f1", "png", 640, 400) yields a
// 640×400 image. SVG output embeds its fonts so that it looks the same
// wherever it is opened.
package plots
