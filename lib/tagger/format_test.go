package tagger

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sugarme/gotch"

	"github.com/nerlab/nerlab/lib/corpus"
	"github.com/nerlab/nerlab/lib/embed"
)

// TestFormat1ModelsPredictAsBefore loads the models 808fd96 saved in
// format 1 (testdata/format1-*, trained briefly on the sample's first 60
// sentences) and checks that they tag the next 12 exactly as they did
// then, tags and probabilities; saved again, in the current format, they
// still do.
func TestFormat1ModelsPredictAsBefore(t *testing.T) {
	c := sampleCorpus(t)
	held := &corpus.Corpus{Path: c.Path, Columns: c.Columns, Sentences: c.Sentences[60:72]}
	for _, name := range []string{"crf", "softmax"} {
		dir := filepath.Join("testdata", "format1-"+name)
		want, err := os.ReadFile(dir + "-predictions.json")
		if err != nil {
			t.Fatal(err)
		}
		tg, err := Load(dir, gotch.CPU)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if tg.Config.Format != FormatVersion {
			t.Errorf("%s: loaded as format %d; expected it upgraded to %d", name, tg.Config.Format, FormatVersion)
		}
		predict := func(tg *Tagger) []byte {
			ex, err := tg.Examples(held)
			if err != nil {
				t.Fatal(err)
			}
			preds, err := tg.Predict(ex, 5, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.MarshalIndent(preds, "", " ")
			return append(got, '\n')
		}
		if got := predict(tg); !bytes.Equal(got, want) {
			t.Errorf("%s: predictions differ from format 1's:\n%s\nwant\n%s", name, got, want)
		}

		again := t.TempDir()
		if err := tg.Save(again); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(filepath.Join(again, ConfigFile))
		if !bytes.Contains(data, []byte(`"kind": "word"`)) || bytes.Contains(data, []byte(`"word": {`)) {
			t.Errorf("%s: saved again, %s is not in format %d:\n%.400s", name, ConfigFile, FormatVersion, data)
		}
		tg2, err := Load(again, gotch.CPU)
		if err != nil {
			t.Fatal(err)
		}
		if got := predict(tg2); !bytes.Equal(got, want) {
			t.Errorf("%s: saved in format %d, the predictions changed", name, FormatVersion)
		}
	}
}

// TestParameterNamesAreEncoderPrefixes checks that every parameter lives
// under its encoder's kind or a layer's name: trainers group them by the
// first segment, and saved weights are matched by name.
func TestParameterNamesAreEncoderPrefixes(t *testing.T) {
	tg, err := Load(filepath.Join("testdata", "format1-crf"), gotch.CPU)
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]bool{}
	for name := range tg.Params() {
		first, _, _ := strings.Cut(name, ".")
		groups[first] = true
	}
	for _, g := range []string{embed.WordKind, embed.CharKind, "reproject", "rnn", "out", "crf"} {
		if !groups[g] {
			t.Errorf("no parameter under %s.; groups %v", g, groups)
		}
		delete(groups, g)
	}
	if len(groups) > 0 {
		t.Errorf("parameters under unexpected prefixes %v", groups)
	}
	if _, ok := tg.Params()[TransitionsName]; !ok {
		t.Errorf("no %s", TransitionsName)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct{ json, want string }{
		{`{"format": 2, "tag_scheme": "bio", "tags": ["O"], "model": {}, "embeddings": [{"kind": "elmo"}]}`, `embedding kind "elmo"; this nerlab knows char, word`},
		{`{"format": 2, "tag_scheme": "bio", "tags": ["O"], "model": {}, "embeddings": [{"kind": "char", "hiden": 3}]}`, `char embedding: json: unknown field "hiden"`},
		{`{"format": 1, "tag_scheme": "bio", "tags": ["O"], "model": {}, "embeddings": []}`, `unknown field "embeddings"`},
	} {
		_, err := decodeConfig([]byte(tc.json))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v; expected one containing %q", tc.json, err, tc.want)
		}
	}
	cfg := smallConfig()
	cfg.Embeddings = append(cfg.Embeddings, embed.Spec{Config: &embed.CharConfig{Encoder: embed.CharCNN, Dim: 4, Hidden: 4, Kernel: 3}})
	if _, _, err := Build(cfg, []*corpus.Corpus{sampleCorpus(t)}, nil, gotch.CPU); err == nil || !strings.Contains(err.Error(), "two char embeddings") {
		t.Errorf("two char encoders: error %v", err)
	}
	cfg.Embeddings = nil
	if _, _, err := Build(cfg, []*corpus.Corpus{sampleCorpus(t)}, nil, gotch.CPU); err == nil || !strings.Contains(err.Error(), "no embeddings") {
		t.Errorf("no encoders: error %v", err)
	}
}
