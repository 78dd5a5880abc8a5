package config

import (
	"fmt"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// Load reads the experiment file at path; see Parse.
func Load(path string) (*Experiment, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load experiment: %w", err)
	}
	return Parse(data, path)
}

// Parse reads an experiment from YAML in either dialect (see the package
// doc). path names the file in messages and sets Path and Dir. The result
// is Default overlaid with what the file says; it is not validated (call
// Validate), but CLNER corpus folders are already searched for their files.
func Parse(data []byte, path string) (*Experiment, error) {
	name := path
	if name == "" {
		name = "experiment"
	}
	root, err := readDocument(data, name)
	if err != nil {
		return nil, err
	}
	e := Default()
	e.Path = path
	if path != "" {
		e.Dir = filepath.Dir(path)
	}
	e.Lines = map[string]int{}
	r := &reader{path: name, exp: &e, budget: 100000}
	if err := r.checkDuplicates(root, ""); err != nil {
		return nil, err
	}
	top, err := r.pairs(root, "")
	if err != nil {
		return nil, err
	}
	if marker := clnerMarker(top); marker != nil {
		err = r.readCLNER(top, marker)
	} else {
		err = r.readNative(root)
	}
	if err != nil {
		return nil, err
	}
	e.Warnings = formatWarnings(name, r.warnings)
	return &e, nil
}

// clnerMarkers are top-level keys only CLNER files have.
var clnerMarkers = []string{"targets", "model_name", "trainer"}

// clnerMarker returns the first top-level key that makes a file CLNER's.
func clnerMarker(top []pair) *yaml.Node {
	for _, p := range top {
		for _, m := range clnerMarkers {
			if p.name() == m {
				return p.key
			}
		}
	}
	return nil
}

// readNative overlays a native file on the experiment.
func (r *reader) readNative(root *yaml.Node) error {
	if err := r.decodeStruct(reflectExperiment(r.exp), root, ""); err != nil {
		return err
	}
	r.inheritContextLayout()
	return nil
}

// inheritContextLayout gives a context view the data's columns and tag
// scheme unless the file set its own: both views are normally written
// alike.
func (r *reader) inheritContextLayout() {
	e := r.exp
	if e.Data.Context == nil {
		return
	}
	if _, set := e.Lines["data.context.columns"]; !set {
		e.Data.Context.Columns = e.Data.Columns
	}
	if _, set := e.Lines["data.context.tag_scheme"]; !set {
		e.Data.Context.TagScheme = e.Data.TagScheme
	}
}
