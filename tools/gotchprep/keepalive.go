package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// keepAliveTypes are gotch's types whose C memory a finalizer frees (see
// newTensor and the Scalar constructors in package ts).
var keepAliveTypes = map[string]bool{"Tensor": true, "Scalar": true}

// keepAliveDirs are the packages whose functions pass tensors' C pointers to
// C; only package ts reads ctensor and cscalar.
var keepAliveDirs = []string{"ts"}

// keepArgumentsAlive makes every function of gotch's ts package keep its
// tensor and scalar arguments (receiver included) reachable until it
// returns, if it reads a C pointer (ctensor, cscalar), by inserting `defer runtime.KeepAlive(x)` at the top of its body.
//
// Why: a wrapper such as
//
//	func (ts *Tensor) Matmul(other *Tensor, del bool) (*Tensor, error) {
//		...
//		lib.AtgMatmul(ptr, ts.ctensor, other.ctensor)
//
// hands only the C pointers to C and never touches ts or other again when
// del is false. If the caller holds no other reference (a chained
// temporary, Float64Values' converted copy), the garbage collector may run
// the tensor's finalizer, which frees the C tensor, while libtorch is still
// reading it: an intermittent SIGSEGV that depends on GC timing. nerlab hit
// it in CopyData, reading a training loss through Float64Values' converted
// copy. A defer per wrapper costs nanoseconds next to the cgo call.
//
// It returns how many functions it changed.
func keepArgumentsAlive(root string) (int, error) {
	total := 0
	for _, dir := range keepAliveDirs {
		files, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
		if err != nil {
			return 0, err
		}
		sort.Strings(files)
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return 0, err
			}
			out, n, err := insertKeepAlives(path, src)
			if err != nil {
				return 0, err
			}
			if n == 0 {
				continue
			}
			if err := os.WriteFile(path, out, 0o644); err != nil {
				return 0, err
			}
			total += n
		}
	}
	return total, nil
}

// insertKeepAlives rewrites one Go source file as keepArgumentsAlive
// describes. It edits the text at the parsed positions instead of printing
// a modified syntax tree, so gotch's comments and cgo preambles stay exactly
// where they were.
func insertKeepAlives(name string, src []byte) ([]byte, int, error) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, name, src, parser.ParseComments)
	if err != nil {
		return nil, 0, err
	}
	type insertion struct {
		offset int
		text   string
	}
	var edits []insertion
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Body == nil || !readsCPointer(fn.Body) {
			continue // a function that only calls others is covered by them
		}
		var names []string
		if fn.Recv != nil {
			names = append(names, keptNames(fn.Recv)...)
		}
		names = append(names, keptNames(fn.Type.Params)...)
		if len(names) == 0 {
			continue
		}
		var b strings.Builder
		for _, n := range names {
			fmt.Fprintf(&b, "\n\tdefer runtime.KeepAlive(%s) // added by nerlab's gotchprep (keepalive.go)", n)
		}
		at := fset.Position(fn.Body.Lbrace).Offset + 1
		if at < len(src) && src[at] != '\n' {
			b.WriteByte('\n') // a body on the brace's line must not end up in the comment
		}
		edits = append(edits, insertion{at, b.String()})
	}
	changed := len(edits)
	if changed == 0 {
		return src, 0, nil
	}
	if !importsRuntime(file) {
		// A separate import declaration after the last one leaves the
		// existing ones (and the cgo preamble before import "C") untouched.
		last := 0
		for _, decl := range file.Decls {
			if gd, ok := decl.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
				last = fset.Position(gd.End()).Offset
			}
		}
		if last == 0 {
			last = fset.Position(file.Name.End()).Offset
		}
		edits = append(edits, insertion{last, "\n\nimport \"runtime\""})
	}
	// One pass in source order (the import comes after every earlier body).
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].offset < edits[j].offset })
	var out bytes.Buffer
	prev := 0
	for _, e := range edits {
		out.Write(src[prev:e.offset])
		out.WriteString(e.text)
		prev = e.offset
	}
	out.Write(src[prev:])
	formatted, err := format.Source(out.Bytes())
	if err != nil {
		return nil, 0, fmt.Errorf("%s: the file with keep-alives does not parse: %w", name, err)
	}
	return formatted, changed, nil
}

// keptNames returns the named fields of fl whose type is *T, []*T or ...*T
// for T in keepAliveTypes.
func keptNames(fl *ast.FieldList) []string {
	var names []string
	for _, field := range fl.List {
		if !holdsFinalized(field.Type) {
			continue
		}
		for _, n := range field.Names {
			if n.Name != "_" {
				names = append(names, n.Name)
			}
		}
	}
	return names
}

func holdsFinalized(t ast.Expr) bool {
	switch t := t.(type) {
	case *ast.StarExpr:
		id, ok := t.X.(*ast.Ident)
		return ok && keepAliveTypes[id.Name]
	case *ast.ArrayType:
		return holdsFinalized(t.Elt)
	case *ast.Ellipsis:
		return holdsFinalized(t.Elt)
	}
	return false
}

// readsCPointer reports whether body reads a tensor's or scalar's C pointer
// (x.ctensor, x.cscalar): the functions that hand C memory to C.
func readsCPointer(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok && (sel.Sel.Name == "ctensor" || sel.Sel.Name == "cscalar") {
			found = true
		}
		return !found
	})
	return found
}

func importsRuntime(file *ast.File) bool {
	for _, imp := range file.Imports {
		if imp.Path.Value == `"runtime"` {
			return imp.Name == nil
		}
	}
	return false
}
