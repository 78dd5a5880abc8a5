package train_test

import (
	"context"
	"fmt"
	"github.com/nerlab/nerlab/lib/models"
	"github.com/nerlab/nerlab/lib/runs"
	. "github.com/nerlab/nerlab/lib/train"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/metrics"
)

// TestTrainingLogShowsPercentages checks that training.log gives scores as
// percentages, as the terminal and conlleval do, while metrics.jsonl keeps
// fractions.
func TestTrainingLogShowsPercentages(t *testing.T) {
	exp := tinyExperiment(t, 3)
	dir := filepath.Join(t.TempDir(), "run")
	res, err := Train(context.Background(), exp, models.Recipe, Options{RunDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, runs.LogFile))
	if err != nil {
		t.Fatal(err)
	}
	log := string(data)
	test := res.Test().Report
	for _, want := range []string{
		fmt.Sprintf("new best model (epoch %d, dev F1 %s)", res.BestEpoch, metrics.Percent(res.BestDevF1)),
		"test (best model): precision " + metrics.Percent(test.Micro.Precision) + "  recall " + metrics.Percent(test.Micro.Recall) +
			"  F1 " + metrics.Percent(test.Micro.F1),
	} {
		if !strings.Contains(log, want) {
			t.Errorf("training.log lacks %q:\n%s", want, log)
		}
	}
	// Every score on the epoch's dev line has two decimals; a fraction
	// (0.xxxx with four) is the old format.
	dev := regexp.MustCompile(`(?m)^.*  dev: loss [0-9.]+  precision (\d+\.\d\d)  recall (\d+\.\d\d)  F1 (\d+\.\d\d)  accuracy (\d+\.\d\d)$`)
	if !dev.MatchString(log) {
		t.Errorf("no dev line with percentages in training.log:\n%s", log)
	}
	jsonl, _ := os.ReadFile(filepath.Join(dir, runs.MetricsFile))
	if !regexp.MustCompile(`"f1":0\.\d+`).Match(jsonl) || !regexp.MustCompile(`"accuracy":0\.\d+`).Match(jsonl) {
		t.Errorf("metrics.jsonl does not keep scores as fractions:\n%s", jsonl)
	}
}
