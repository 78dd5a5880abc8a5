// Package bindings pre-binds nerlab's packages into the kernel's gomacro
// interpreter: importing it registers them, so notebook cells can import
// them without plugins or a Go toolchain. The files are written by
// kernel/bindgen; regenerate them with `go generate ./kernel/bindings`
// after changing a bound package's API.
package bindings

//go:generate go run ../bindgen -out . github.com/nerlab/nerlab/kernel/display github.com/nerlab/nerlab/kernel/notebook github.com/nerlab/nerlab/lib/analysis github.com/nerlab/nerlab/lib/config github.com/nerlab/nerlab/lib/corpus github.com/nerlab/nerlab/lib/crf github.com/nerlab/nerlab/lib/embed github.com/nerlab/nerlab/lib/lab github.com/nerlab/nerlab/lib/metrics github.com/nerlab/nerlab/lib/models github.com/nerlab/nerlab/lib/optim github.com/nerlab/nerlab/lib/render github.com/nerlab/nerlab/lib/retrieve github.com/nerlab/nerlab/lib/retrieve/bertscore github.com/nerlab/nerlab/lib/retrieve/weaviate github.com/nerlab/nerlab/lib/runs github.com/nerlab/nerlab/lib/tagger github.com/nerlab/nerlab/lib/tokenize github.com/nerlab/nerlab/lib/torch github.com/nerlab/nerlab/lib/train github.com/nerlab/nerlab/lib/wiki github.com/nerlab/nerlab/lib/wordvec github.com/nerlab/nerlab/plots

// docs holds the doc comments of the bound packages' exported names (and
// methods as Type.Method), by package path; the generated files fill it.
var docs = map[string]map[string]string{}

// Doc returns the doc comment of name (an identifier, or Type.Method) in
// the package at path, or "".
func Doc(path, name string) string { return docs[path][name] }
