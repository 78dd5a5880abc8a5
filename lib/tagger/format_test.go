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
		{`{"format": 2, "tag_scheme": "bio", "tags": ["O"], "model": {}, "embeddings": [{"kind": "elmo"}]}`, `embedding kind "elmo"; this nerlab knows char, transformer, word`},
		{`{"format": 2, "tag_scheme": "bio", "tags": ["O"], "model": {}, "embeddings": [{"kind": "char", "hiden": 3}]}`, `char embedding: json: unknown field "hiden"`},
		{`{"format": 1, "tag_scheme": "bio", "tags": ["O"], "model": {}, "embeddings": []}`, `unknown field "embeddings"`},
	} {
		_, err := decodeConfig("model.json", []byte(tc.json))
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

// TestConfigErrorLines checks that a malformed format-2 model.json is
// reported at the line of the file that is wrong, with the embedding's
// index, and that a file of a newer format is refused as one, before its
// unknown fields are looked at.
func TestConfigErrorLines(t *testing.T) {
	const head = "{\n \"format\": 2,\n \"tag_scheme\": \"bio\",\n \"tags\": [\"O\"],\n \"model\": {},\n \"embeddings\": [\n  {\"kind\": \"word\", \"dim\": 4},\n  {\n" // lines 1-8
	for _, tc := range []struct{ name, json, want string }{
		{"type", head + "   \"kind\": \"char\",\n   \"dim\": \"eight\"\n  }\n ]\n}",
			`model.json:10: embeddings[1]: char embedding: json: cannot unmarshal string into Go struct field CharConfig.dim of type int`},
		{"unknown field", head + "   \"kind\": \"char\",\n\n   \"hiden\": 3\n  }\n ]\n}",
			`model.json:11: embeddings[1]: char embedding: json: unknown field "hiden"`},
		{"unknown field before kind", head + "   \"hiden\": 3,\n   \"kind\": \"char\"\n  }\n ]\n}",
			`model.json:9: embeddings[1]: char embedding: json: unknown field "hiden"`},
		{"unknown kind", head + "   \"dim\": 3,\n   \"kind\": \"elmo\"\n  }\n ]\n}",
			`model.json:10: embeddings[1]: embedding kind "elmo"; this nerlab knows char, transformer, word`},
		{"no kind", head + "   \"dim\": 3\n  }\n ]\n}",
			`model.json:8: embeddings[1]: embedding without a "kind" string`},
		{"top-level unknown field", strings.Replace(head, `"model": {},`, "\"model\": {\n  \"use_crf\": true,\n  \"use_cfr\": true},", 1) + "  \"kind\": \"char\"}\n ]\n}",
			`model.json:7: json: unknown field "use_cfr"`},
		{"newer format", "{\n \"format\": 3,\n \"decoder\": \"beam\"\n}",
			`model.json: format 3 was written by a newer nerlab; this nerlab reads formats 1 and 2`},
		{"no format", "{\n \"tag_scheme\": \"bio\"\n}",
			`model.json: no "format"; this nerlab reads formats 1 and 2`},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, ConfigFile), []byte(tc.json), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(dir, gotch.CPU)
		want := filepath.Join(dir, tc.want)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: error\n %v\nexpected one starting\n %s", tc.name, err, want)
		}
	}
	// A well-formed format-2 file, with "kind" anywhere among an
	// embedding's fields, still decodes.
	good := "{\"format\": 2, \"tag_scheme\": \"bio\", \"tags\": [\"O\"], \"model\": {}, \"embeddings\": [{\"dim\": 4, \"kind\": \"word\", \"frozen\": true}, {\"encoder\": \"cnn\", \"kind\": \"char\"}]}"
	cfg, err := decodeConfig("model.json", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if w, ok := cfg.Embeddings[0].Config.(*embed.WordConfig); !ok || w.Dim != 4 || !w.Frozen {
		t.Errorf("embeddings[0] read as %+v", cfg.Embeddings[0].Config)
	}
	if c, ok := cfg.Embeddings[1].Config.(*embed.CharConfig); !ok || c.Encoder != "cnn" {
		t.Errorf("embeddings[1] read as %+v", cfg.Embeddings[1].Config)
	}
}

// FuzzDecodeConfig checks that no model.json, however malformed, makes
// decoding panic (it finds each embedding's place in the file by itself).
func FuzzDecodeConfig(f *testing.F) {
	f.Add([]byte(`{"format": 2, "tag_scheme": "bio", "tags": ["O"], "model": {}, "embeddings": [{"dim": 4, "kind": "word"}, {"kind": "char", "hidden": 2}]}`))
	f.Add([]byte(`{"format": 2, "Embeddings": [{"kind": "char"}], "embeddings": [{"kind": "word", "kind": "char"}]}`))
	f.Add([]byte(`{"format": 1, "word": {"dim": 3}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		decodeConfig("model.json", data)
	})
}
