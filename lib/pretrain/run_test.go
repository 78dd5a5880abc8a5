package pretrain

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/lib/embed"
	"github.com/nerlab/nerlab/lib/torch"
	"github.com/nerlab/nerlab/lib/wiki"
)

// writeCorpus writes a small JSONL knowledge corpus of generated
// encyclopedia entries and returns its path.
func writeCorpus(t *testing.T, docs int) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 7))
	jobs := []string{"architect", "merchant", "sailor", "physician", "painter"}
	places := []string{"Braigiswick", "Noudrusteswick", "Stiotrum", "Pigovasholm", "Dreatrikrear"}
	var b bytes.Buffer
	for i := 0; i < docs; i++ {
		name := fmt.Sprintf("Person%d", i)
		job, place := jobs[rng.IntN(len(jobs))], places[rng.IntN(len(places))]
		text := fmt.Sprintf("%s is a %s born in %s in %d. As a %s, %s became widely known. Later the %s moved to %s.",
			name, job, place, 1700+rng.IntN(300), job, name, job, places[rng.IntN(len(places))])
		line, _ := json.Marshal(map[string]any{"id": i, "title": name, "text": text})
		b.Write(append(line, '\n'))
	}
	path := filepath.Join(t.TempDir(), "knowledge.jsonl")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// tinyConfig is a run small enough for a unit test.
func tinyConfig(corpus, out string) Config {
	c := Defaults()
	c.Corpus = []string{corpus}
	c.Out = out
	c.Tokenizer.VocabSize = 120
	c.Model = ModelConfig{Layers: 1, Hidden: 16, Heads: 2, Intermediate: 32, MaxLen: 24, Dropout: 0.1, Activation: "gelu"}
	c.Train.SeqLen = 24
	c.Train.Batch = 4
	c.Train.Steps = 9
	c.Train.Warmup = 2
	c.Train.LR = 1e-3
	c.Train.HeldOutEvery = 5
	c.Train.EvalEvery = 4
	c.Train.CheckpointEvery = 3
	c.Train.LogEvery = 1
	c.Train.EvalSequences = 4
	c.Train.Threads = 1
	return c
}

// trainLosses is the loss column of a run's metrics of one kind.
func losses(t *testing.T, dir, kind string) []float64 {
	t.Helper()
	ms, err := ReadMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []float64
	for _, m := range ms {
		if m.Kind == kind {
			out = append(out, m.Loss)
		}
	}
	return out
}

// TestResumeIsExact: a run interrupted after step 5 (context cancelled:
// checkpoint, ErrInterrupted) and run again gives the same training and
// held-out losses, step for step, and the same weights, as a run that was
// never interrupted; the output folder is a BertForMaskedLM that
// embed.LoadBert reads.
func TestResumeIsExact(t *testing.T) {
	corpus := writeCorpus(t, 40)
	whole := tinyConfig(corpus, filepath.Join(t.TempDir(), "whole"))
	res, err := Run(context.Background(), whole, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Step != 9 || math.IsNaN(res.HeldOut) || !(res.Perplexity > 1) {
		t.Errorf("result %+v", res)
	}

	parts := whole
	parts.Out = filepath.Join(t.TempDir(), "parts")
	ctx, cancel := context.WithCancel(context.Background())
	_, err = Run(ctx, parts, Options{Events: func(e Event) {
		if e.Kind == EventProgress && e.Step == 5 {
			cancel()
		}
	}})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("interrupted run: %v", err)
	}
	if got := losses(t, parts.Out, KindTrain); len(got) != 5 {
		t.Fatalf("%d loss lines after the interruption; want 5", len(got))
	}
	if _, err := Run(context.Background(), parts, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{KindTrain, KindHeldOut} {
		a, b := losses(t, whole.Out, kind), losses(t, parts.Out, kind)
		if !slices.Equal(a, b) || len(a) == 0 {
			t.Errorf("%s losses\n%v uninterrupted\n%v interrupted and resumed", kind, a, b)
		}
	}
	wa, _, err := torch.ReadSafetensors(filepath.Join(whole.Out, ModelDir, torch.SafetensorsFile))
	if err != nil {
		t.Fatal(err)
	}
	wb, _, err := torch.ReadSafetensors(filepath.Join(parts.Out, ModelDir, torch.SafetensorsFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(wa) != len(wb) {
		t.Fatalf("%d tensors vs %d", len(wa), len(wb))
	}
	for name, x := range wa {
		a, _ := torch.Float32s(x)
		b, _ := torch.Float32s(wb[name])
		if !slices.Equal(a, b) {
			t.Errorf("tensor %s differs after the resume", name)
		}
	}
	for _, name := range []string{decoderWeight, "cls.predictions.bias", "cls.predictions.transform.dense.weight", "cls.predictions.transform.LayerNorm.weight", "bert.encoder.layer.0.output.dense.weight"} {
		if wa[name] == nil {
			t.Errorf("the output has no %s", name)
		}
	}

	// The output reads as a Hugging Face folder.
	b, found, err := embed.LoadBert(filepath.Join(whole.Out, ModelDir), gotch.CPU)
	if err != nil {
		t.Fatal(err)
	}
	if found.Prefix != "bert." || b.Config.VocabSize < 50 || !slices.Contains(found.Unused, decoderWeight) {
		t.Errorf("LoadBert found %+v, config %+v", found, b.Config)
	}
	var cfg map[string]any
	data, _ := os.ReadFile(filepath.Join(whole.Out, ModelDir, "config.json"))
	json.Unmarshal(data, &cfg)
	if fmt.Sprint(cfg["architectures"]) != "[BertForMaskedLM]" {
		t.Errorf("config.json architectures %v", cfg["architectures"])
	}
	for _, f := range []string{"vocab.txt", "tokenizer_config.json"} {
		if _, err := os.Stat(filepath.Join(whole.Out, ModelDir, f)); err != nil {
			t.Error(err)
		}
	}

	// Running the finished run again does nothing.
	again, err := Run(context.Background(), whole, Options{})
	if err != nil || again.Step != 9 || again.HeldOut != res.HeldOut {
		t.Errorf("rerun of a finished run: %+v, %v", again, err)
	}
	if got := losses(t, whole.Out, KindTrain); len(got) != 9 {
		t.Errorf("%d loss lines after a rerun; want 9", len(got))
	}
	// The format spelt "auto" instead of "" is the same config.
	auto := whole
	auto.Format = wiki.FormatAuto
	if again, err := Run(context.Background(), auto, Options{}); err != nil || again.Step != 9 {
		t.Errorf("rerun with format auto: %+v, %v", again, err)
	}
	// Another config is refused, unless fresh.
	other := whole
	other.Train.Steps = 10
	if _, err := Run(context.Background(), other, Options{}); err == nil || !strings.Contains(err.Error(), "another config") {
		t.Errorf("a changed config: %v", err)
	}
}

// TestContinueFrom: --from continues a BERT folder: a BertForMaskedLM
// folder brings its head, a BertModel folder (no head) gets a fresh one
// and keeps its encoder weights, a partial head is refused by name; a run
// continued from a pretrained encoder starts where it left off (a loss far
// below a fresh model's).
func TestContinueFrom(t *testing.T) {
	corpus := writeCorpus(t, 40)
	first := tinyConfig(corpus, filepath.Join(t.TempDir(), "first"))
	first.Train.Steps, first.Train.LR = 30, 5e-3
	if _, err := Run(context.Background(), first, Options{}); err != nil {
		t.Fatal(err)
	}
	model := filepath.Join(first.Out, ModelDir)
	m, head, err := LoadMaskedLM(model, gotch.CPU)
	if err != nil || !head {
		t.Fatalf("a BertForMaskedLM folder: head %v, %v", head, err)
	}

	// A BertModel folder: the encoder's tensors without the prefix.
	bare := t.TempDir()
	weights, _, err := torch.ReadSafetensors(filepath.Join(model, torch.SafetensorsFile))
	if err != nil {
		t.Fatal(err)
	}
	encoder := map[string]*ts.Tensor{}
	for name, w := range weights {
		if strings.HasPrefix(name, encoderPrefix) {
			encoder[strings.TrimPrefix(name, encoderPrefix)] = w
		}
	}
	data, _ := os.ReadFile(filepath.Join(model, "config.json"))
	os.WriteFile(filepath.Join(bare, "config.json"), data, 0o644)
	if err := torch.WriteSafetensors(filepath.Join(bare, torch.SafetensorsFile), encoder, nil); err != nil {
		t.Fatal(err)
	}
	torch.Seed(1)
	b, head, err := LoadMaskedLM(bare, gotch.CPU)
	if err != nil || head {
		t.Fatalf("a BertModel folder: head %v, %v", head, err)
	}
	for name, v := range b.Params() {
		want := m.Params()[name]
		x, _ := torch.Float32s(v)
		y, _ := torch.Float32s(want)
		switch {
		case strings.HasPrefix(name, encoderPrefix) && !slices.Equal(x, y):
			t.Errorf("%s was not loaded", name)
		case name == "cls.predictions.transform.LayerNorm.weight" && slices.ContainsFunc(x, func(f float32) bool { return f != 1 }):
			t.Errorf("%s is not initialised as BERT does (ones)", name)
		}
	}

	// A head with a tensor missing.
	partial := t.TempDir()
	os.WriteFile(filepath.Join(partial, "config.json"), data, 0o644)
	delete(weights, "cls.predictions.transform.dense.bias")
	if err := torch.WriteSafetensors(filepath.Join(partial, torch.SafetensorsFile), weights, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadMaskedLM(partial, gotch.CPU); err == nil || !strings.Contains(err.Error(), "cls.predictions.transform.dense.bias") {
		t.Errorf("a partial head: %v", err)
	}

	// Continue the first run's encoder, and compare the first logged loss
	// with a fresh model's.
	cont := tinyConfig(corpus, filepath.Join(t.TempDir(), "cont"))
	cont.From, cont.Train.Steps = model, 2
	if _, err := Run(context.Background(), cont, Options{}); err != nil {
		t.Fatal(err)
	}
	fresh := tinyConfig(corpus, filepath.Join(t.TempDir(), "fresh"))
	fresh.Train.Steps = 2
	if _, err := Run(context.Background(), fresh, Options{}); err != nil {
		t.Fatal(err)
	}
	c, f := losses(t, cont.Out, KindTrain), losses(t, fresh.Out, KindTrain)
	if !(c[0] < f[0]-0.5) {
		t.Errorf("first loss %.3f continued, %.3f fresh; want the continued run well below", c[0], f[0])
	}
	if _, err := os.Stat(filepath.Join(cont.Out, TokenizerDir)); !os.IsNotExist(err) {
		t.Errorf("a continued run trained a vocabulary of its own (%v)", err)
	}
}
