package layers

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/nerlab/nerlab/"

// deps lists the packages pattern matches, each with every package it
// imports, directly or not (test files excluded: a test may use whatever
// it needs).
func deps(t *testing.T, pattern string) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, module+pattern).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list %s: %v\n%s", pattern, err, ee.Stderr)
		}
		t.Fatalf("go list %s: %v", pattern, err)
	}
	m := map[string][]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if fields := strings.Fields(line); len(fields) > 0 {
			m[fields[0]] = fields[1:]
		}
	}
	if len(m) == 0 {
		t.Fatalf("%s matches no package", pattern)
	}
	return m
}

// forbid fails for every package of pattern that depends on a package
// with one of the prefixes.
func forbid(t *testing.T, pattern, why string, prefixes ...string) {
	t.Helper()
	for pkg, ds := range deps(t, pattern) {
		for _, d := range ds {
			for _, p := range prefixes {
				if d == strings.TrimSuffix(p, "/") || strings.HasPrefix(d, p) {
					t.Errorf("%s imports %s (%s)", pkg, d, why)
				}
			}
		}
	}
}

func TestPureGoPackagesDoNotImportGotch(t *testing.T) {
	for _, p := range []string{"lib/corpus", "lib/metrics", "lib/runs", "lib/tokenize", "lib/wiki"} {
		forbid(t, p+"/...", "it is pure Go: no libtorch", "github.com/sugarme/gotch/")
	}
}

func TestLibraryDoesNotImportCommandsOrFrontEnds(t *testing.T) {
	forbid(t, "lib/...", "the library sits below the command layer and the front-ends",
		module+"lib/lab/", module+"repl/", module+"kernel/")
}

func TestTrainerKnowsOnlyItsModelInterface(t *testing.T) {
	forbid(t, "lib/train", "the trainer trains any train.Model", module+"lib/tagger/", module+"lib/models/")
}

func TestTaggerDoesNotReadTheExperimentSchema(t *testing.T) {
	forbid(t, "lib/tagger/...", "the experiment is translated in lib/models", module+"lib/config/")
}

// TestRunsSitsBelowTheTagger: the tagger finds a run's saved model
// through package runs' names (best-model, final-model, config.yaml), so
// runs may depend neither on the tagger nor on the experiment schema the
// tagger may not read.
func TestRunsSitsBelowTheTagger(t *testing.T) {
	forbid(t, "lib/runs", "the tagger imports it", module+"lib/config/", module+"lib/tagger/")
}

// TestCheckSeesImports makes sure the check above can fail: lib/lab does
// import lib/train.
func TestCheckSeesImports(t *testing.T) {
	for _, d := range deps(t, "lib/lab")[module+"lib/lab"] {
		if d == module+"lib/train" {
			return
		}
	}
	t.Fatal("go list shows no lib/train among lib/lab's imports: the checks would pass vacuously")
}
