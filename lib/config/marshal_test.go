package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// roundTrip marshals e, parses the YAML back and fails unless the two
// experiments configure the same run and the copy reads without warnings.
func roundTrip(t *testing.T, e *Experiment) []byte {
	t.Helper()
	out, err := e.Marshal()
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	back, err := Parse(out, "copy.yaml")
	if err != nil {
		t.Fatalf("Parse(Marshal()): %v\n%s", err, out)
	}
	if !sameSettings(e, back) {
		t.Errorf("round trip changed the experiment\n before %+v\n after  %+v\n%s", e, back, out)
	}
	if len(back.Warnings) != 0 {
		t.Errorf("the marshalled copy reads with warnings %q", back.Warnings)
	}
	return out
}

func TestRoundTripDefault(t *testing.T) {
	e := Default()
	out := roundTrip(t, &e)
	// Every key is written, so the copy does not depend on Default staying
	// the same.
	for _, k := range Keys() {
		if strings.HasPrefix(k, "data.context") || strings.HasPrefix(k, "embeddings.transformer.") {
			continue // sections the default lacks
		}
		last := k[strings.LastIndex(k, ".")+1:]
		if !strings.Contains(string(out), last+":") {
			t.Errorf("Marshal left out %s:\n%s", k, out)
		}
	}
}

// TestRoundTripTransformer: a transformer section and its options survive
// the run folder's copy.
func TestRoundTripTransformer(t *testing.T) {
	e := Default()
	e.Embeddings.Word, e.Embeddings.Char = nil, nil
	e.Embeddings.Transformer = &TransformerEmbeddings{Model: "models/tiny", Layers: "-1,-2", LayerMean: true,
		Pooling: "mean", MaxLength: 128, Stride: 32}
	out := roundTrip(t, &e)
	for _, want := range []string{"transformer:", "model: models/tiny", "layers: -1,-2", "pooling: mean", "fine_tune: false", "stride: 32"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the copy lacks %q:\n%s", want, out)
		}
	}
}

func TestRoundTripNative(t *testing.T) {
	e, err := Load("testdata/native.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := roundTrip(t, e)
	if !strings.Contains(string(out), "char: none") {
		t.Errorf("a removed section is not written as none:\n%s", out)
	}
}

func TestRoundTripCLNER(t *testing.T) {
	e, _ := parseFromRoot(t, "lib/config/testdata/clner-wnut17.yaml")
	roundTrip(t, e)
}

func TestRoundTripAwkwardValues(t *testing.T) {
	e := Default()
	for _, a := range []string{
		"name=run: with colon # and hash",
		"data.train=  ", // empty
		"data.dev=none", // the word none is text in a text field
		"data.test=123",
		"data.columns=true",
		"target_dir=línea\tcon tab",
		"embeddings.word=none",
		"data.context.train=ctx/'quoted' \"both\".txt",
		"train.learning_rate=1e-300",
		"train.weight_decay=0.1",
		"train.momentum=0.3333333333333333",
		"train.clip_norm=1e21",
		"train.seed=-9223372036854775808",
		"train.max_epochs=9223372036854775807",
	} {
		if err := e.set(a, false); err != nil { // values Validate refuses round-trip too
			t.Fatal(err)
		}
	}
	e.Data.Test = "multi\nline\n"
	roundTrip(t, &e)
}

func TestWriteFile(t *testing.T) {
	e := Default()
	e.Data.Train = "x.txt"
	path := filepath.Join(t.TempDir(), "experiment.yaml")
	if err := e.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !sameSettings(&e, back) {
		t.Errorf("WriteFile then Load changed the experiment")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("WriteFile left %d files; want only the experiment", len(entries))
	}
}

func TestMarshalRejectsWhatYAMLCannotHold(t *testing.T) {
	e := Default()
	e.Data.Train = "bad\xffbyte"
	if _, err := e.Marshal(); err == nil || !strings.Contains(err.Error(), "data.train") {
		t.Errorf("Marshal of invalid UTF-8 = %v; want an error naming data.train", err)
	}
}
