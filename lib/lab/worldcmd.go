package lab

import (
	"context"
	"fmt"
	"strconv"

	"github.com/nerlab/nerlab/lib/demoworld"
)

func worldCommand() *Command {
	return &Command{
		Name:    "world",
		Summary: "Generate the offline demo world: NER sentences and an encyclopedia that states entity types.",
		Help: `Writes a small invented world to --out: train/dev/test.conll, sentences whose
templates never give away an entity's type, and knowledge.jsonl, encyclopedia
articles about every entity that do. Dev and test names never occur in train.
A share of the names (--name-cue, half by default) end in one of their type's
endings (-holm for a place, -tex for a company, ...): a tagger of the sentences
alone can type those, one given retrieved articles can type them all.
--name-cue 0 leaves every type to the articles. The same seed writes the same
world. Then:
index build --corpus OUT/knowledge.jsonl, retrieve, and train with and without
the context (data/configs/world*.yaml).`,
		Flags: []Param{{Name: "out", Short: "o", Kind: Path, Default: "runs/world", Help: "output folder"},
			{Name: "seed", Kind: Int, Default: strconv.FormatUint(demoworld.Defaults().Seed, 10), Help: "random seed"},
			{Name: "name-cue", Kind: Float, Default: strconv.FormatFloat(demoworld.Defaults().NameCue, 'g', -1, 64), Help: "share of names that end in a type's ending (-holm, -tex, ...), a clue the sentence alone gives"}},
		Examples: []string{"world --out runs/world", "world -o /tmp/world2 --seed 3", "world -o /tmp/hard --name-cue 0"},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			opt := demoworld.Defaults()
			if in.Int("seed") < 0 {
				return &UsageError{Command: "world", Msg: "--seed must be 0 or more"}
			}
			opt.Seed = uint64(in.Int("seed"))
			opt.NameCue = in.Float("name-cue")
			if opt.NameCue < 0 || opt.NameCue > 1 {
				return &UsageError{Command: "world", Msg: "--name-cue must be between 0 and 1"}
			}
			out := in.Flag("out")
			if err := demoworld.Write(out, opt); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "world written to %s (train.conll, dev.conll, test.conll, knowledge.jsonl)\n", out)
			return nil
		},
	}
}
