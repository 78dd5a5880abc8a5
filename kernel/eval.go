package main

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/scanner"
	"go/token"
	"io"
	"os"
	pathpkg "path"
	"reflect"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/cosmos72/gomacro/ast2"
	"github.com/cosmos72/gomacro/base"
	interp "github.com/cosmos72/gomacro/fast"
	"github.com/cosmos72/gomacro/imports"

	"github.com/nerlab/nerlab/kernel/bindings"
	"github.com/nerlab/nerlab/kernel/display"
	"github.com/nerlab/nerlab/kernel/jupyter"
	"github.com/nerlab/nerlab/kernel/notebook"
	"github.com/nerlab/nerlab/lib/lab"
)

// goHandler evaluates cells as Go with gomacro's fast interpreter, in the
// evaluator process. Cells share one interpreter: declarations and
// imports persist.
type goHandler struct {
	ir      *interp.Interp
	lab     *lab.Lab
	session *lab.Session
}

func newGoHandler() *goHandler {
	ir := interp.New()
	g := &ir.Comp.Globals
	// Panics come back to Execute as errors; no REPL prompt or echo.
	g.Options &^= base.OptTrapPanic | base.OptShowPrompt | base.OptShowEval | base.OptShowEvalType
	g.Output.Stdout = os.Stdout
	g.Output.Stderr = warningFilter{os.Stderr}
	// As in gophernotes: the display package is imported, and Display is
	// a global function. The notebook package (the session, Predict) is
	// imported too.
	ir.ImportPackage("display", "github.com/nerlab/nerlab/kernel/display")
	ir.ImportPackage("notebook", "github.com/nerlab/nerlab/kernel/notebook")
	ir.DeclFunc("Display", display.Display)
	h := &goHandler{ir: ir, lab: lab.New(), session: lab.NewSession()}
	return h
}

// dropImportWarnings removes the lines gomacro prints (to stdout, from
// its type converter) when an imported package has generic functions it
// cannot bind.
func dropImportWarnings(text string) string {
	if !strings.Contains(text, "// warning: skipping import of") {
		return text
	}
	lines := strings.SplitAfter(text, "\n")
	kept := lines[:0]
	for _, l := range lines {
		if !strings.HasPrefix(l, "// warning: skipping import of") {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "")
}

// warningFilter drops gomacro's warnings that are noise in a notebook: a
// skipped generic function of an imported package, and a redefined
// identifier (running a cell twice redefines its variables). Other
// warnings reach the cell's stderr.
type warningFilter struct{ w io.Writer }

func (f warningFilter) Write(p []byte) (int, error) {
	s := string(p)
	if strings.Contains(s, "importing generic functions or types is not supported") || strings.Contains(s, "redefined identifier") {
		return len(p), nil
	}
	return f.w.Write(p)
}

// kernelInfo is the kernel_info_reply content beyond status and protocol.
func kernelInfo() map[string]any {
	return map[string]any{
		"implementation":         "nerlab",
		"implementation_version": version,
		"banner":                 "nerlab — Go cells (gomacro) for named-entity recognition",
		"language_info": map[string]any{
			"name": "go", "version": strings.TrimPrefix(runtimeVersion(), "go"), "mimetype": "text/x-go",
			"file_extension": ".go", "pygments_lexer": "go", "codemirror_mode": "go",
		},
		"help_links": []map[string]string{{"text": "Go", "url": "https://go.dev/doc/"}},
	}
}

// Execute evaluates a cell. The value of a final expression is returned as
// text/plain; a panic (including a compile error, which gomacro raises as
// one) becomes an error with the message.
func (h *goHandler) Execute(ctx context.Context, code string, out *jupyter.Output) (data map[string]any, err error) {
	display.SetSink(cellSink{out})
	defer display.SetSink(nil)
	notebook.SetContext(ctx)
	defer notebook.SetContext(context.Background())
	notebook.Attach(h.lab, h.session, func(ctx context.Context, line string) error { return h.runCommand(ctx, line, out) })
	magics, rest := splitMagics(code)
	for _, line := range magics {
		if err := h.runCommand(ctx, line, out); err != nil {
			return nil, err
		}
	}
	if strings.TrimSpace(rest) == "" {
		return nil, nil
	}
	code = rest
	stop := context.AfterFunc(ctx, func() { h.ir.Interrupt(os.Interrupt) })
	defer stop()
	values, err := h.eval(code)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &jupyter.ExecError{Name: "Interrupted", Value: "the cell was interrupted", Traceback: []string{"Interrupted: the cell was interrupted"}}
		}
		return nil, err
	}
	return resultBundle(values)
}

// resultBundle shows the values of a cell's final expression. A call in
// Go's (value, error) form shows its value when the error is nil and fails
// the cell with the error otherwise, so notebook.Predict("...") renders
// its prediction or says why there is none.
func resultBundle(values []reflect.Value) (map[string]any, error) {
	var shown []any
	for i, v := range values {
		if !v.IsValid() || !v.CanInterface() || isNil(v) {
			continue
		}
		x := v.Interface()
		if e, ok := x.(error); ok && len(values) > 1 && i == len(values)-1 {
			msg := e.Error()
			return nil, &jupyter.ExecError{Name: "error", Value: msg, Traceback: strings.Split("error: "+msg, "\n")}
		}
		shown = append(shown, x)
	}
	if len(shown) == 1 {
		if d, ok := mimeBundle(shown[0]); ok {
			return d, nil
		}
	}
	if len(shown) == 0 {
		return nil, nil
	}
	parts := make([]string, len(shown))
	for i, x := range shown {
		parts[i] = fmt.Sprint(x)
	}
	return map[string]any{"text/plain": strings.Join(parts, "\n")}, nil
}

// isNil reports a nil pointer, interface, map, slice, func or channel: a
// cell ending in a call that returned a nil error shows nothing.
func isNil(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan:
		return v.IsNil()
	}
	return false
}

// eval compiles the whole cell and, if that succeeds, runs it; it returns
// the values of a final expression. A cell that fails to compile declares
// nothing: the names it declared before the error are removed again (else
// they would stay declared with no value, and the next cell using them
// would fail inside reflect). A cell that fails while running keeps what
// it assigned, as Go would, but not the names it never reached.
func (h *goHandler) eval(code string) (values []reflect.Value, err error) {
	c := h.ir.Comp
	before := snapshotDecls(c)
	ran := false
	defer func() {
		if r := recover(); r != nil {
			err = panicError(r)
			if ran {
				before.dropUnassigned(c, h.ir.PrepareEnv())
			} else {
				before.restore(c)
			}
		}
	}()
	c.Line = 0
	nodes := c.ParseBytes([]byte(code))
	form := ast2.AnyToAst(nodes, "cell")
	if form == nil {
		return nil, nil
	}
	_, endsWithExpr := nodes[len(nodes)-1].(ast.Expr)
	expr := h.ir.CompileAst(form)
	ran = true
	vals, _ := h.ir.RunExpr(expr)
	if !endsWithExpr {
		return nil, nil
	}
	for _, v := range vals {
		values = append(values, v.ReflectValue())
	}
	return values, nil
}

// panicError turns a recovered panic into the error a notebook shows.
func panicError(r any) error {
	msg := fmt.Sprint(r)
	name := "panic"
	if e, ok := r.(error); ok {
		msg = e.Error()
		var rt interface{ RuntimeError() }
		if errors.As(e, &rt) {
			name = "runtime error"
		} else {
			name = "error"
		}
	}
	msg = strings.TrimSpace(msg)
	return &jupyter.ExecError{Name: name, Value: msg, Traceback: strings.Split(name+": "+msg, "\n")}
}

// Complete offers gomacro's completions of the identifier path before the
// cursor (fmt.Pri → fmt.Print, fmt.Printf, fmt.Println).
func (h *goHandler) Complete(code string, cursor int) ([]string, int, int) {
	pos := byteOffset(code, cursor)
	// A magic line completes like the REPL: commands, flags, paths, names.
	lineStart := strings.LastIndexByte(code[:pos], '\n') + 1
	if line := code[lineStart:pos]; strings.HasPrefix(strings.TrimLeft(line, " \t"), "%") {
		indent := len(line) - len(strings.TrimLeft(line, " \t"))
		cands, start := h.lab.Complete(h.session, line[indent+1:])
		matches := make([]string, len(cands))
		for i, c := range cands {
			matches[i] = c.Text
		}
		return matches, utf8.RuneCountInString(code[:lineStart+indent+1+start]), cursor
	}
	head, matches, _ := h.ir.CompleteWords(code[:pos], pos)
	if len(matches) == 0 {
		// pkg.Prefix of a package the cells have not imported yet: offer
		// its names from the import table, so completion works before the
		// import line is run.
		if pkg, prefix, ok := qualifiedBefore(code[:pos]); ok {
			if _, p, found := lookupPackage(pkg); found {
				for _, name := range packageNames(p) {
					if strings.HasPrefix(name, prefix) {
						matches = append(matches, pkg+"."+name)
					}
				}
				return matches, utf8.RuneCountInString(code[:pos-len(pkg)-1-len(prefix)]), cursor
			}
		}
		return nil, cursor, cursor
	}
	word := interp.TailIdentifier(head)
	// Matches replace the whole dotted path before the cursor.
	start := len(head) - len(word)
	for start > 0 && (head[start-1] == '.' || isIdentByte(head[start-1])) {
		start--
	}
	for i, m := range matches {
		matches[i] = strings.TrimSpace(head[start:len(head)-len(word)]) + strings.TrimPrefix(m, head[:start])
	}
	return matches, utf8.RuneCountInString(code[:start]), cursor
}

func isIdentByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// byteOffset converts a cursor in characters (what Jupyter sends) into a
// byte offset.
func byteOffset(s string, chars int) int {
	i := 0
	for n := 0; n < chars && i < len(s); n++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

// Inspect shows the type of the identifier (or pkg.Name) at the cursor
// and, for nerlab's packages, its documentation.
func (h *goHandler) Inspect(code string, cursor, detail int) (map[string]any, bool) {
	pos := byteOffset(code, cursor)
	start, end := pos, pos
	for start > 0 && (isIdentByte(code[start-1]) || code[start-1] == '.') {
		start--
	}
	for end < len(code) && isIdentByte(code[end]) {
		end++
	}
	name := strings.Trim(code[start:end], ".")
	if name == "" {
		return nil, false
	}
	pkg, member, qualified := strings.Cut(name, ".")
	var path string
	var bound imports.Package
	found := false
	if qualified {
		path, bound, found = lookupPackage(pkg)
	}
	typ, err := h.typeOf(name)
	if err != nil {
		// An identifier of a package the cells have not imported yet.
		if !found {
			return nil, false
		}
		if v, ok := bound.Binds[member]; ok {
			typ = v.Type().String()
		} else if t, ok := bound.Types[member]; ok {
			typ = "type " + t.String() + " " + t.Kind().String()
		} else {
			return nil, false
		}
	}
	text := name + " " + typ
	if found {
		text += fmt.Sprintf("\n(package %q)", path)
		if d := bindings.Doc(path, member); d != "" {
			text += "\n\n" + d
		}
	}
	return map[string]any{"text/plain": text}, true
}

// qualifiedBefore splits a trailing "pkg.Prefix" off text.
func qualifiedBefore(text string) (pkg, prefix string, ok bool) {
	i := len(text)
	for i > 0 && isIdentByte(text[i-1]) {
		i--
	}
	prefix = text[i:]
	if i == 0 || text[i-1] != '.' {
		return "", "", false
	}
	j := i - 1
	for j > 0 && isIdentByte(text[j-1]) {
		j--
	}
	pkg = text[j : i-1]
	return pkg, prefix, pkg != "" && (j == 0 || text[j-1] != '.')
}

// lookupPackage finds a bound package by the name code uses for it: the
// package whose import path is that name (strings), else one whose
// package name is (display, lab).
func lookupPackage(name string) (string, imports.Package, bool) {
	if p, ok := imports.Packages[name]; ok {
		return name, p, true
	}
	var paths []string
	for path, p := range imports.Packages {
		if p.Name == name || pathpkg.Base(path) == name {
			paths = append(paths, path)
		}
	}
	if len(paths) == 0 {
		return "", imports.Package{}, false
	}
	sort.Strings(paths)
	return paths[0], imports.Packages[paths[0]], true
}

// packageNames lists a bound package's exported names, sorted.
func packageNames(p imports.Package) []string {
	seen := map[string]bool{}
	for n := range p.Binds {
		seen[n] = true
	}
	for n := range p.Types {
		seen[n] = true
	}
	for n := range p.Untypeds {
		seen[n] = true
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// typeOf compiles name as an expression, without running it, and returns
// its type.
func (h *goHandler) typeOf(name string) (typ string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	e := h.ir.Compile(name)
	if e == nil || e.Type == nil {
		return "", errors.New("no type")
	}
	return e.Type.String(), nil
}

// isComplete tells whether a cell can run as typed: brackets balanced,
// strings and comments closed.
func isComplete(code string) (string, string) {
	var s scanner.Scanner
	fset := token.NewFileSet()
	file := fset.AddFile("cell", -1, len(code))
	unterminated := false
	s.Init(file, []byte(code), func(_ token.Position, msg string) {
		if strings.Contains(msg, "not terminated") {
			unterminated = true
		}
	}, scanner.ScanComments)
	depth := 0
	for {
		_, tok, _ := s.Scan()
		if tok == token.EOF {
			break
		}
		switch tok {
		case token.LBRACE, token.LPAREN, token.LBRACK:
			depth++
		case token.RBRACE, token.RPAREN, token.RBRACK:
			depth--
			if depth < 0 {
				return "invalid", ""
			}
		}
	}
	if unterminated || depth > 0 {
		return "incomplete", strings.Repeat("\t", max(depth, 1))
	}
	return "complete", ""
}

// cellSink sends the display package's output to the running cell.
type cellSink struct{ out *jupyter.Output }

func (c cellSink) Show(d display.Data, update bool) error {
	id, _ := d.Transient["display_id"].(string)
	if update {
		c.out.Update(d.Data, d.Metadata, id)
	} else {
		c.out.Display(d.Data, d.Metadata, id)
	}
	return nil
}

func (c cellSink) Clear(wait bool) error {
	c.out.Clear(wait)
	return nil
}
