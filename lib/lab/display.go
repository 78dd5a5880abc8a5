package lab

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/nerlab/nerlab/lib/render"
	"github.com/nerlab/nerlab/lib/tagger"
)

// A session's datasets and models show themselves as small tables in a
// notebook (render.HTMLer) and when printed.

// table shows the dataset's splits side by side.
func (d *Dataset) table() render.Table {
	t := render.Table{Caption: "dataset " + d.Name + " (" + d.Path + ")", Header: []string{"split", "sentences", "tokens", "entities", "file"}}
	for _, sp := range d.Splits {
		st := sp.Corpus.Stats()
		ents := 0
		for _, c := range st.Entities {
			ents += c
		}
		t.Rows = append(t.Rows, []string{sp.Name, fmt.Sprint(st.Sentences), fmt.Sprint(st.Tokens), fmt.Sprint(ents), sp.Path})
	}
	return t
}

// HTML shows the dataset's splits as a table.
func (d *Dataset) HTML() string { return d.table().HTML() }

// String shows the dataset's splits as aligned text.
func (d *Dataset) String() string { return d.table().String() }

// table shows the model's name, where it lives and its saved weights.
func (m *Model) table() render.Table {
	t := render.Table{Caption: "model " + m.Name, Rows: [][]string{{"path", m.Path}, {"model folder", m.Dir()}}}
	weights := filepath.Join(m.Dir(), tagger.WeightsFile)
	if st, err := os.Stat(weights); err == nil {
		t.Rows = append(t.Rows, []string{"weights", fmt.Sprintf("%.1f MB, saved %s", float64(st.Size())/1e6, st.ModTime().Format("2006-01-02 15:04:05"))})
	} else {
		t.Rows = append(t.Rows, []string{"weights", "none saved yet"})
	}
	return t
}

// HTML shows the model as a table.
func (m *Model) HTML() string { return m.table().HTML() }

// String shows the model as aligned text.
func (m *Model) String() string { return m.table().String() }
