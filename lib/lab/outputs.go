package lab

import (
	"fmt"

	"github.com/nerlab/nerlab/internal/safefile"
)

// checkOutput refuses an output path that is, or lies inside, one of the
// command's inputs: writing there could replace what the command reads
// (`retrieve --data D --out D` once overwrote a dataset with its context
// views and exited 0). flag names the output in the message; empty
// inputs are skipped.
func checkOutput(flag, out string, inputs ...string) error {
	if out == "" {
		return nil
	}
	for _, in := range inputs {
		if in == "" || !safefile.Within(out, in) {
			continue
		}
		if safefile.SameFile(out, in) {
			return fmt.Errorf("%s %s is also an input of this command; writing it would replace what is being read: choose another %s", flag, out, flag)
		}
		return fmt.Errorf("%s %s is inside the input %s; writing there could replace what is being read: choose a %s outside it", flag, out, in, flag)
	}
	return nil
}

// checkRunFolder refuses a run folder that is, lies inside or holds one of
// the run's inputs: --fresh clears the folder, and the config copy and
// models written there would replace an input.
func checkRunFolder(dir string, inputs []string) error {
	if err := checkOutput("the run folder", dir, inputs...); err != nil {
		return err
	}
	for _, in := range inputs {
		if safefile.Within(in, dir) {
			return fmt.Errorf("the run folder %s holds %s, an input of this run; choose another --out", dir, in)
		}
	}
	return nil
}
