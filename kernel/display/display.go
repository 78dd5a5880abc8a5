// Package display shows rich output in a nerlab notebook cell, with the
// names and behaviour gophernotes users know. The constructors
// (display.HTML, Markdown, SVG, PNG, JPEG, JSON, Latex, Math, Image, Any,
// MIME, File, ...) return a Data; a Data that is a cell's last value is
// rendered as the cell's result, and Display(d) shows one at once from
// anywhere in a cell (the kernel also declares Display globally, as
// gophernotes does). Update replaces an output shown with a display id,
// and Clear clears the cell's output.
//
// Outside a kernel cell, Display, Update and Clear return ErrNoKernel.
package display

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"sync"
)

// MIMEMap maps MIME types to content: strings (base64 for binary types)
// or, for application/json, any JSON value.
type MIMEMap = map[string]any

// Data is a MIME bundle with its metadata; Transient["display_id"] names
// an output that Update can replace.
type Data = struct {
	Data      MIMEMap
	Metadata  MIMEMap
	Transient MIMEMap
}

// Sink is where displays go: the running cell, when a kernel runs one.
type Sink interface {
	// Show displays d; with update it replaces the output with d's display id.
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

func current() (Sink, error) {
	mu.Lock()
	defer mu.Unlock()
	if sink == nil {
		return nil, ErrNoKernel
	}
	return sink, nil
}

// Display shows d in the running cell now.
func Display(d Data) error {
	s, err := current()
	if err != nil {
		return err
	}
	return s.Show(d, false)
}

// Update replaces the output shown earlier with d's display id (see WithID).
func Update(d Data) error {
	if _, ok := d.Transient["display_id"].(string); !ok {
		return errors.New("display: Update needs a display id (display.WithID)")
	}
	s, err := current()
	if err != nil {
		return err
	}
	return s.Show(d, true)
}

// WithID returns d with a display id, so that Display shows it and Update
// replaces it later.
func WithID(d Data, id string) Data {
	t := MIMEMap{}
	for k, v := range d.Transient {
		t[k] = v
	}
	t["display_id"] = id
	d.Transient = t
	return d
}

// Clear clears the cell's output; with wait, only when new output arrives
// (for animations: clear, then show the next frame).
func Clear(wait bool) error {
	s, err := current()
	if err != nil {
		return err
	}
	return s.Clear(wait)
}

// MakeData builds a one-type bundle with a text/plain fallback.
func MakeData(mimeType string, data any) Data {
	d := Data{Data: MIMEMap{mimeType: data}}
	if mimeType != "text/plain" {
		d.Data["text/plain"] = fmt.Sprint(data)
		if _, isText := data.(string); !isText || len(fmt.Sprint(data)) > 200 {
			d.Data["text/plain"] = "<" + mimeType + ">"
		}
	}
	return d
}

// MakeData3 builds a one-type bundle with the given plain-text fallback.
func MakeData3(mimeType, plaintext string, data any) Data {
	return Data{Data: MIMEMap{mimeType: data, "text/plain": plaintext}}
}

// Any builds a one-type bundle; []byte content is base64-encoded.
func Any(mimeType string, data any) Data {
	if b, ok := data.([]byte); ok {
		return MakeData(mimeType, base64.StdEncoding.EncodeToString(b))
	}
	return MakeData(mimeType, data)
}

// MIME builds a bundle from its parts.
func MIME(data, metadata MIMEMap) Data { return Data{Data: data, Metadata: metadata} }

// HTML is an HTML fragment.
func HTML(html string) Data { return MakeData("text/html", html) }

// Markdown is Markdown text.
func Markdown(markdown string) Data { return MakeData("text/markdown", markdown) }

// Latex is a LaTeX fragment.
func Latex(latex string) Data { return MakeData3("text/latex", latex, latex) }

// Math is a LaTeX formula, shown in display math.
func Math(latex string) Data { return MakeData3("text/latex", latex, "$$"+latex+"$$") }

// JavaScript is a script for the frontend to run.
func JavaScript(javascript string) Data { return MakeData("application/javascript", javascript) }

// SVG is an SVG image.
func SVG(svg string) Data { return MakeData("image/svg+xml", svg) }

// PNG is an image in PNG bytes.
func PNG(png []byte) Data { return Any("image/png", png) }

// JPEG is an image in JPEG bytes.
func JPEG(jpeg []byte) Data { return Any("image/jpeg", jpeg) }

// PDF is a document in PDF bytes.
func PDF(pdf []byte) Data { return Any("application/pdf", pdf) }

// JSON is a JSON object.
func JSON(json map[string]any) Data {
	return Data{Data: MIMEMap{"application/json": json, "text/plain": fmt.Sprint(json)}}
}

// Image is an image, encoded as PNG.
func Image(img image.Image) Data {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return MakeData("text/plain", "image: "+err.Error())
	}
	return PNG(b.Bytes())
}

// File reads a file as content of mimeType (an error becomes text).
func File(mimeType, path string) Data {
	b, err := os.ReadFile(path)
	if err != nil {
		return MakeData("text/plain", err.Error())
	}
	if len(mimeType) > 5 && mimeType[:5] == "text/" {
		return MakeData(mimeType, string(b))
	}
	return Any(mimeType, b)
}
