// Package display shows rich output in a nerlab notebook cell, with the
// names gophernotes users know: display.HTML("<b>hi</b>"),
// display.Markdown, display.PNG, display.SVG, display.JSON,
// display.Image(img), or any MIME bundle with display.Any. A Data value
// returned as a cell's last value is rendered too.
//
// The kernel installs the sink that publishes to the running cell; outside
// a kernel the functions return ErrNoKernel.
package display

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image"
	"image/png"
	"sync"
)

// Data is a MIME bundle: MIME type → content (strings; base64 text for
// images; any JSON value for application/json).
type Data struct {
	Data     map[string]any
	Metadata map[string]any
	// ID, when set, names the output so that Update can replace it.
	ID string
}

// Sink is where displays go: the running cell, when a kernel runs one.
type Sink interface {
	// Show displays d; with update it replaces the output with d.ID.
	Show(d Data, update bool) error
	// Clear clears the cell's output (when the next output arrives, with wait).
	Clear(wait bool) error
}

var (
	mu   sync.Mutex
	sink Sink
)

// ErrNoKernel is returned when no kernel cell is running.
var ErrNoKernel = errors.New("display: not running in a nerlab kernel cell")

// SetSink installs (or, with nil, removes) the kernel's sink.
func SetSink(s Sink) {
	mu.Lock()
	sink = s
	mu.Unlock()
}

// Show displays d in the running cell.
func Show(d Data) error { return send(d, false) }

// Update replaces the output shown earlier under d.ID.
func Update(d Data) error {
	if d.ID == "" {
		return errors.New("display: Update needs Data.ID")
	}
	return send(d, true)
}

func send(d Data, update bool) error {
	mu.Lock()
	s := sink
	mu.Unlock()
	if s == nil {
		return ErrNoKernel
	}
	return s.Show(d, update)
}

// Clear clears the cell's output; with wait, only when new output arrives
// (for animations: clear, then show the next frame).
func Clear(wait bool) error {
	mu.Lock()
	s := sink
	mu.Unlock()
	if s == nil {
		return ErrNoKernel
	}
	return s.Clear(wait)
}

// Any displays content under one MIME type.
func Any(mime string, content any) error { return Show(MakeData(mime, content)) }

// MakeData builds a one-type bundle, with a text/plain fallback for
// non-text types.
func MakeData(mime string, content any) Data {
	d := Data{Data: map[string]any{mime: content}}
	if mime != "text/plain" {
		d.Data["text/plain"] = "<" + mime + ">"
	}
	return d
}

// HTML displays an HTML fragment.
func HTML(html string) error { return Any("text/html", html) }

// Markdown displays Markdown text.
func Markdown(md string) error { return Any("text/markdown", md) }

// SVG displays an SVG image.
func SVG(svg string) error { return Any("image/svg+xml", svg) }

// PNG displays PNG bytes.
func PNG(data []byte) error { return Any("image/png", base64.StdEncoding.EncodeToString(data)) }

// JPEG displays JPEG bytes.
func JPEG(data []byte) error { return Any("image/jpeg", base64.StdEncoding.EncodeToString(data)) }

// Text displays plain text.
func Text(s string) error { return Any("text/plain", s) }

// JSON displays a value as application/json (with its indented text as the
// plain fallback).
func JSON(v any) error {
	text, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	var generic any
	json.Unmarshal(text, &generic)
	return Show(Data{Data: map[string]any{"application/json": generic, "text/plain": string(text)}})
}

// Image displays an image as PNG.
func Image(img image.Image) error {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return err
	}
	return PNG(b.Bytes())
}
