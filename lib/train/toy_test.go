package train_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/nerlab/nerlab/lib/runs"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/nn"
	"github.com/sugarme/gotch/ts"

	"github.com/nerlab/nerlab/internal/safefile"
	"github.com/nerlab/nerlab/lib/config"
	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/torch"
	. "github.com/nerlab/nerlab/lib/train"
)

// The toy model is deliberately unlike the tagger: no vocabulary, no RNN,
// no CRF. Each token is hashed into one of a few buckets; a bucket's
// vector goes through dropout and a linear layer to tag scores, trained
// with token-level cross-entropy and decoded by argmax. It exists to show
// that lib/train trains, checkpoints, interrupts and resumes any Model.

// toyConfig is what the toy saves beside its weights.
type toyConfig struct {
	Buckets int      `json:"buckets"`
	Dim     int      `json:"dim"`
	Tags    []string `json:"tags"` // BIO tags, O first
}

type toyModel struct {
	cfg    toyConfig
	vs     *nn.VarStore
	table  *ts.Tensor // [buckets, dim]
	weight *ts.Tensor // [dim, tags]
	bias   *ts.Tensor // [tags]
	device gotch.Device
}

type toyExample struct {
	tokens []string
	gold   []string // BIO
}

func (e *toyExample) Len() int       { return len(e.tokens) }
func (e *toyExample) Gold() []string { return e.gold }

type toyOutput struct{ scores *ts.Tensor } // [B, T, N]

func (o *toyOutput) Drop() { o.scores.MustDrop() }

func newToy(cfg toyConfig, device gotch.Device) *toyModel {
	vs := nn.NewVarStore(device)
	root := vs.Root()
	m := &toyModel{cfg: cfg, vs: vs, device: device}
	m.table = root.MustRandn("table", []int64{int64(cfg.Buckets), int64(cfg.Dim)}, 0, 0.1)
	m.weight = root.MustRandn("weight", []int64{int64(cfg.Dim), int64(len(cfg.Tags))}, 0, 0.1)
	m.bias = root.MustZeros("bias", []int64{int64(len(cfg.Tags))})
	return m
}

func (m *toyModel) bucket(tok string) int64 {
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(tok)))
	return int64(h.Sum32() % uint32(m.cfg.Buckets))
}

func (m *toyModel) tagID(tag string) (int64, error) {
	for i, t := range m.cfg.Tags {
		if t == tag {
			return int64(i), nil
		}
	}
	return 0, fmt.Errorf("toy: unknown tag %s", tag)
}

func (m *toyModel) Examples(c *corpus.Corpus) ([]Example, error) {
	tagCol, err := c.TagColumn()
	if err != nil {
		return nil, err
	}
	text := c.Column(corpus.TextColumn)
	out := make([]Example, len(c.Sentences))
	for i, s := range c.Sentences {
		tags := s.Columns[tagCol]
		out[i] = &toyExample{tokens: s.Columns[text], gold: corpus.Encode(corpus.Spans(tags), len(tags), corpus.BIO)}
	}
	return out, nil
}

func (m *toyModel) Forward(batch []Example, train bool) (Output, error) {
	longest := 0
	for _, e := range batch {
		longest = max(longest, e.Len())
	}
	ids := make([]int64, len(batch)*longest)
	for b, e := range batch {
		for j, tok := range e.(*toyExample).tokens {
			ids[b*longest+j] = m.bucket(tok)
		}
	}
	idx, err := torch.FromInt64s(ids, []int64{int64(len(batch)), int64(longest)}, m.device)
	if err != nil {
		return nil, err
	}
	x := ts.MustEmbedding(m.table, idx, -1, false, false)
	idx.MustDrop()
	if train {
		x = ts.MustDropout(x, 0.2, true)
	}
	scores := x.MustMatmul(m.weight, true).MustAdd(m.bias, true)
	return &toyOutput{scores: scores}, nil
}

func (m *toyModel) Loss(out Output, batch []Example) (*ts.Tensor, error) {
	scores := out.(*toyOutput).scores
	size := scores.MustSize()
	targets := make([]int64, size[0]*size[1])
	for i := range targets {
		targets[i] = -100 // padding: ignored
	}
	for b, e := range batch {
		for j, tag := range e.Gold() {
			id, err := m.tagID(tag)
			if err != nil {
				return nil, err
			}
			targets[int64(b)*size[1]+int64(j)] = id
		}
	}
	t, err := torch.FromInt64s(targets, []int64{size[0] * size[1]}, m.device)
	if err != nil {
		return nil, err
	}
	defer t.MustDrop()
	// The mean over the scored tokens (reduction 1; -100 marks padding).
	logp := scores.MustView([]int64{size[0] * size[1], size[2]}, false).MustLogSoftmax(1, gotch.Float, true)
	defer logp.MustDrop()
	return logp.MustNllLoss(t, ts.NewTensor(), 1, -100, false), nil
}

func (m *toyModel) Decode(out Output, batch []Example) ([]*corpus.Prediction, error) {
	scores := out.(*toyOutput).scores
	probs := scores.MustSoftmax(2, gotch.Float, false)
	vals, err := torch.Float32s(probs)
	probs.MustDrop()
	if err != nil {
		return nil, err
	}
	size := scores.MustSize()
	T, N := int(size[1]), int(size[2])
	preds := make([]*corpus.Prediction, len(batch))
	for b, e := range batch {
		ex := e.(*toyExample)
		p := &corpus.Prediction{Tokens: ex.tokens, Tags: make([]string, len(ex.tokens)), Probs: make([]float64, len(ex.tokens)), Entities: []corpus.Entity{}}
		for j := range ex.tokens {
			row := vals[(b*T+j)*N : (b*T+j+1)*N]
			best := 0
			for k := range row {
				if row[k] > row[best] {
					best = k
				}
			}
			p.Tags[j], p.Probs[j] = m.cfg.Tags[best], float64(row[best])
		}
		for _, s := range corpus.Spans(p.Tags) {
			p.Entities = append(p.Entities, corpus.Entity{Start: s.Start, End: s.End, Type: s.Type, Text: strings.Join(ex.tokens[s.Start:s.End], " ")})
		}
		preds[b] = p
	}
	return preds, nil
}

func (m *toyModel) Scheme() corpus.Scheme { return corpus.BIO }

func (m *toyModel) Parameters() map[string]*ts.Tensor {
	return map[string]*ts.Tensor{"table": m.table, "weight": m.weight, "bias": m.bias}
}

func (m *toyModel) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	data, err := json.Marshal(m.cfg)
	if err != nil {
		return err
	}
	if err := torch.SaveVarStore(filepath.Join(dir, "toy.safetensors"), m.vs, nil); err != nil {
		return err
	}
	return safefile.WriteBytes(filepath.Join(dir, "toy.json"), data)
}

func (m *toyModel) Device() gotch.Device { return m.device }

// toyBuilder makes toy models: the tags from the training data.
type toyBuilder struct{}

func (toyBuilder) New(exp *config.Experiment, train, dev []*corpus.Corpus, device gotch.Device) (Model, string, error) {
	cfg := toyConfig{Buckets: 512, Dim: 24, Tags: []string{corpus.Outside}}
	seen := map[string]bool{corpus.Outside: true}
	for _, c := range append(append([]*corpus.Corpus(nil), train...), dev...) {
		tagCol, err := c.TagColumn()
		if err != nil {
			return nil, "", err
		}
		for _, s := range c.Sentences {
			tags := s.Columns[tagCol]
			for _, tag := range corpus.Encode(corpus.Spans(tags), len(tags), corpus.BIO) {
				if !seen[tag] {
					seen[tag] = true
					cfg.Tags = append(cfg.Tags, tag)
				}
			}
		}
	}
	return newToy(cfg, device), fmt.Sprintf("toy: %d buckets, %d tags", cfg.Buckets, len(cfg.Tags)), nil
}

func (toyBuilder) Load(dir string, device gotch.Device) (Model, error) {
	data, err := os.ReadFile(filepath.Join(dir, "toy.json"))
	if err != nil {
		return nil, err
	}
	var cfg toyConfig
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "toy.json"), err)
	}
	m := newToy(cfg, device)
	if _, err := torch.LoadVarStore(filepath.Join(dir, "toy.safetensors"), m.vs); err != nil {
		return nil, err
	}
	return m, nil
}

func (toyBuilder) Saved(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "toy.json"))
	return err == nil
}

func toyRecipe(*config.Experiment) (Recipe, error) { return Recipe{Model: toyBuilder{}}, nil }

// TestToyModelTrainsAndResumes trains the toy through train.Train, the
// trainer no different from the tagger's: the run folder, the best model,
// the test predictions; then an interrupted run resumed from its
// mid-epoch checkpoint gives the uninterrupted curve, cell for cell.
func TestToyModelTrainsAndResumes(t *testing.T) {
	exp := tinyExperiment(t, 3)
	exp.Train.Optimizer, exp.Train.LearningRate = "adamw", 0.01
	ref := filepath.Join(t.TempDir(), "ref")
	res, err := Train(context.Background(), exp, toyRecipe, Options{RunDir: ref})
	if err != nil {
		t.Fatal(err)
	}
	rows := readLossRows(t, ref)
	first, _ := parseLoss(rows[1][4])
	last, _ := parseLoss(rows[3][4])
	if !(last < first) || res.Test() == nil || res.Test().Report.Micro.F1 <= 0 {
		t.Errorf("the toy did not learn: train loss %v → %v, test %+v", first, last, res.Test())
	}
	for _, name := range []string{filepath.Join(runs.BestModelDir, "toy.json"), filepath.Join(runs.CheckpointsDir, "epoch-003", "toy.safetensors"), runs.TestPredFile, runs.ResultsFile} {
		if _, err := os.Stat(filepath.Join(ref, name)); err != nil {
			t.Errorf("the toy's run folder lacks %s", name)
		}
	}

	dir := filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err = Train(ctx, exp, toyRecipe, Options{RunDir: dir, Events: func(e Event) {
		if e.Kind == EventProgress && e.Epoch == 2 {
			cancel()
		}
	}})
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("expected an interruption, got %v", err)
	}
	if _, err := Resume(context.Background(), dir, toyRecipe, Options{}); err != nil {
		t.Fatal(err)
	}
	sameCurve(t, "toy resumed", dir, rows)
	want, _ := os.ReadFile(filepath.Join(ref, runs.TestPredFile))
	got, _ := os.ReadFile(filepath.Join(dir, runs.TestPredFile))
	if len(want) == 0 || string(got) != string(want) {
		t.Error("the resumed toy's test predictions differ from the uninterrupted run's")
	}
}

func parseLoss(s string) (float64, error) {
	var f float64
	_, err := fmt.Sscan(s, &f)
	return f, err
}
