package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nerlab/nerlab/internal/shareddata"
)

// executedOutputs is the part of an executed notebook the test reads.
type executedOutputs struct {
	Cells []struct {
		CellType string `json:"cell_type"`
		Outputs  []struct {
			OutputType string         `json:"output_type"`
			Data       map[string]any `json:"data"`
			Ename      string         `json:"ename"`
		} `json:"outputs"`
	} `json:"cells"`
}

// TestNotebooksRunHeadless executes every notebook in notebooks/ with the
// kernel (nbclient, as `jupyter nbconvert --execute` would) and fails on
// any error output; the quickstart must show an entity rendering in HTML
// and a plot.
func TestNotebooksRunHeadless(t *testing.T) {
	if testing.Short() {
		t.Skip("executes the notebooks (trains briefly)")
	}
	if err := exec.Command("/usr/bin/python3", "-c", "import nbclient, nbformat").Run(); err != nil {
		shareddata.Missing(t, "Debian's python3-nbclient and python3-nbformat are needed (make setup installs them): %v", err)
	}
	env := jupyterEnv(t)
	notebooks, _ := filepath.Glob(filepath.Join("..", "notebooks", "*.ipynb"))
	if len(notebooks) == 0 {
		t.Fatal("no notebooks in notebooks/")
	}
	for _, nb := range notebooks {
		name := strings.TrimSuffix(filepath.Base(nb), ".ipynb")
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), name+".ipynb")
			cmd := exec.Command("/usr/bin/python3", "testdata/run_notebook.py", nb, out)
			cmd.Env = env
			if msg, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s failed: %v\n%s", nb, err, msg)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var ex executedOutputs
			if err := json.Unmarshal(data, &ex); err != nil {
				t.Fatalf("%s: %v", out, err)
			}
			var html, images []string
			for i, c := range ex.Cells {
				for _, o := range c.Outputs {
					if o.OutputType == "error" {
						t.Errorf("cell %d: error output %s", i, o.Ename)
					}
					if h := mimeText(o.Data["text/html"]); h != "" {
						html = append(html, h)
					}
					for _, mime := range []string{"image/png", "image/svg+xml"} {
						if mimeText(o.Data[mime]) != "" {
							images = append(images, mime)
						}
					}
				}
			}
			if name == "quickstart" {
				marked := false
				for _, h := range html {
					marked = marked || strings.Contains(h, "<mark")
				}
				if !marked {
					t.Error("the quickstart shows no entity rendering (<mark> in text/html)")
				}
				if len(images) == 0 {
					t.Error("the quickstart shows no PNG or SVG plot")
				}
			}
		})
	}
}

// mimeText reads a notebook output's MIME value, which nbformat stores as a
// string or as a list of lines.
func mimeText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		var b strings.Builder
		for _, l := range x {
			s, _ := l.(string)
			b.WriteString(s)
		}
		return b.String()
	}
	return ""
}
