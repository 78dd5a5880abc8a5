// Command samplegen writes data/sample: sample.conll (text, gold tag) and
// sample.pred.conll (text, gold tag, simulated prediction), generated from
// a fixed seed by package samplegen.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/nerlab/nerlab/data/samplegen"
	"github.com/nerlab/nerlab/lib/safefile"
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
	for name, write := range map[string]func(io.Writer, []samplegen.Sentence) error{
		"sample.conll":      samplegen.WriteGold,
		"sample.pred.conll": samplegen.WritePredictions,
	} {
		err := safefile.Write(filepath.Join(*out, name), func(w io.Writer) error { return write(w, sents) })
		if err != nil {
			fmt.Fprintln(os.Stderr, "samplegen:", err)
			os.Exit(1)
		}
	}
}
