package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse. Whatever it reads must never
// panic, must fail only with a *config.Error, and must survive Validate,
// Marshal and a second Parse unchanged:
//
//	go test -run '^$' -fuzz FuzzParse -fuzztime 60s ./lib/config
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		"train:\n  max_epochs: 3\n",
		"train: {max_epochs: ten}\n",
		"a: 1\na: 2\n",
		"x: &a {hidden_size: 3}\nmodel:\n  <<: [*a, *a]\n",
		"embeddings:\n  word: none\n  char: {encoder: cnn, kernel: 5}\n",
		"data:\n  train: t\n  context: {train: c, columns: \"0:text,1:ner\"}\n",
		"---\n",
		"a: 1\n---\nb: 2\n",
		"name: \"\\x01\\u2028\"\n",
		// A CLNER file whose corpus folder exists beside the test.
		"targets: ner\nner:\n  Corpus: ColumnCorpus-1:ColumnCorpus-DOC\n" +
			"  ColumnCorpus-1: {data_folder: testdata/wnut17_eos_doc_full, column_format: {0: text, 1: ner}}\n" +
			"  ColumnCorpus-DOC: {data_folder: testdata/wnut17_eos_doc_full, column_format: {0: text, 2: ner}, tag_to_bioes: ner}\n" +
			"model: {FastSequenceTagger: {hidden_size: 8, multi_view_training: true}}\n" +
			"embeddings: {WordEmbeddings-0: {embeddings: glove}, CharacterEmbeddings: ~}\n" +
			"trainer: ModelFinetuner\ntrain: {use_warmup: true, max_epochs: 4, min_freq: 2}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Parse(data, "fuzz.yaml")
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || err.Error() == "" {
				t.Fatalf("Parse failed with %T %q; want a *config.Error", err, err)
			}
			return
		}
		_ = e.Validate()
		out, err := e.Marshal()
		if err != nil {
			t.Fatalf("Marshal of a parsed experiment: %v", err)
		}
		back, err := Parse(out, "copy.yaml")
		if err != nil {
			t.Fatalf("Parse(Marshal()): %v\n%s", err, out)
		}
		if !sameSettings(e, back) {
			t.Fatalf("round trip changed the experiment\n before %+v\n after  %+v\n%s", e, back, out)
		}
		if len(back.Warnings) != 0 {
			t.Fatalf("the marshalled copy reads with warnings %q\n%s", back.Warnings, out)
		}
	})
}
