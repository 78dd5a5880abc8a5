// Command worldgen writes nerlab's offline demo world (see package
// worldgen): worldgen [-seed N] [-out DIR].
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/nerlab/nerlab/data/worldgen"
)

func main() {
	out := flag.String("out", "runs/world", "output folder")
	seed := flag.Uint64("seed", worldgen.Defaults().Seed, "random seed")
	flag.Parse()
	opt := worldgen.Defaults()
	opt.Seed = *seed
	if err := worldgen.Write(*out, opt); err != nil {
		fmt.Fprintln(os.Stderr, "worldgen:", err)
		os.Exit(1)
	}
	fmt.Printf("world written to %s (train/dev/test.conll, knowledge.jsonl)\n", *out)
}
