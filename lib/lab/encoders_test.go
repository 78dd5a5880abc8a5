package lab

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/lib/embed/berttest"
)

// TestLoadAnEncoderAndTokenize: load recognises a Hugging Face folder as
// an encoder, show datasets lists it, completion offers it, and tokenize
// shows its pieces with their offsets, as text and JSON.
func TestLoadAnEncoderAndTokenize(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tiny")
	if _, err := berttest.Write(dir, "bert", 1); err != nil {
		t.Fatal(err)
	}
	s := newSession(t)
	out := s.run("load tiny " + dir)
	if !strings.Contains(out, "encoder tiny: "+dir+" (bert, 3 layers of 16, 4 heads, vocabulary") || !strings.Contains(out, "set embeddings.transformer.model="+dir) {
		t.Errorf("load output:\n%s", out)
	}
	if out := s.run("show datasets"); !strings.Contains(out, "encoder tiny") {
		t.Errorf("show datasets:\n%s", out)
	}
	cands, _ := s.lab.Complete(s.env.Session, "tokenize t")
	if len(cands) != 1 || cands[0].Text != "tiny" {
		t.Errorf("completion of tokenize t: %+v", cands)
	}
	out = s.run("tokenize tiny John walked to Paris")
	for _, want := range []string{"5 pieces", "john               0:4   \"John\"", "##ed               9:11  \"ed\"", "paris             15:20  \"Paris\""} {
		if !strings.Contains(out, want) {
			t.Errorf("tokenize output lacks %q:\n%s", want, out)
		}
	}
	var pieces []tokenizedPiece
	if err := json.Unmarshal([]byte(s.run("tokenize --json "+dir+" Walking")), &pieces); err != nil || len(pieces) != 2 ||
		pieces[0].Piece != "walk" || pieces[1].Text != "ing" || pieces[1].Start != 4 {
		t.Errorf("tokenize --json of a folder: %v %+v", err, pieces)
	}
	if _, err := s.try("tokenize nothing-here x"); err == nil || !strings.Contains(err.Error(), "neither a loaded encoder nor a model folder") {
		t.Errorf("an unknown encoder: %v", err)
	}
}
