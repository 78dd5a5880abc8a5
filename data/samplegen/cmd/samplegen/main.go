// Command samplegen writes data/sample: sample.conll (text, gold tag),
// sample.pred.conll (text, gold tag, simulated prediction) and the demo's
// train/dev/test.conll, generated from a fixed seed by package samplegen.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/nerlab/nerlab/data/samplegen"
	"github.com/nerlab/nerlab/internal/safefile"
)

func main() {
	out := flag.String("out", "data/sample", "output directory")
	n := flag.Int("n", samplegen.DefaultSentences, "number of sentences")
	seed := flag.Uint64("seed", samplegen.DefaultSeed, "world seed")
	flag.Parse()
	sents := samplegen.Generate(*seed, *n)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "samplegen:", err)
		os.Exit(1)
	}
	train, dev, test := samplegen.Splits(*seed)
	for name, file := range map[string]struct {
		write func(io.Writer, []samplegen.Sentence) error
		sents []samplegen.Sentence
	}{
		"sample.conll":      {samplegen.WriteGold, sents},
		"sample.pred.conll": {samplegen.WritePredictions, sents},
		"train.conll":       {samplegen.WriteGold, train},
		"dev.conll":         {samplegen.WriteGold, dev},
		"test.conll":        {samplegen.WriteGold, test},
	} {
		err := safefile.Write(filepath.Join(*out, name), func(w io.Writer) error { return file.write(w, file.sents) })
		if err != nil {
			fmt.Fprintln(os.Stderr, "samplegen:", err)
			os.Exit(1)
		}
	}
}
