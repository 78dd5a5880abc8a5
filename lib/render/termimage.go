package render

import (
	"encoding/base64"
	"fmt"
	"io"
	"strings"
)

// ImageProtocol is how a terminal shows images inline.
type ImageProtocol int

const (
	NoImages    ImageProtocol = iota
	KittyImages               // kitty graphics protocol (kitty, Ghostty, WezTerm)
	ITermImages               // iTerm2 inline images (iTerm2, WezTerm, VS Code)
)

func (p ImageProtocol) String() string {
	return [...]string{"none", "kitty", "iterm"}[p]
}

// DetectImageProtocol guesses the terminal's inline image protocol from its
// environment. NERLAB_IMAGES=none|kitty|iterm overrides the guess. Inside
// tmux or screen nothing is guessed: they drop the escapes unless
// configured to pass them through.
func DetectImageProtocol(getenv func(string) string) ImageProtocol {
	switch strings.ToLower(getenv("NERLAB_IMAGES")) {
	case "none":
		return NoImages
	case "kitty":
		return KittyImages
	case "iterm", "iterm2":
		return ITermImages
	}
	if getenv("TMUX") != "" || strings.HasPrefix(getenv("TERM"), "screen") || strings.HasPrefix(getenv("TERM"), "tmux") {
		return NoImages
	}
	switch {
	case getenv("KITTY_WINDOW_ID") != "" || getenv("TERM") == "xterm-kitty" || getenv("TERM_PROGRAM") == "ghostty":
		return KittyImages
	case getenv("TERM_PROGRAM") == "iTerm.app" || getenv("LC_TERMINAL") == "iTerm2" || getenv("TERM_PROGRAM") == "WezTerm":
		return ITermImages
	}
	return NoImages
}

// kittyChunk is the largest base64 payload of one kitty graphics escape.
const kittyChunk = 4096

// WriteInlineImage writes a PNG so that a terminal speaking p shows it at
// the cursor, followed by a newline.
func WriteInlineImage(w io.Writer, p ImageProtocol, png []byte) error {
	data := base64.StdEncoding.EncodeToString(png)
	var b strings.Builder
	switch p {
	case KittyImages:
		// a=T: transmit and display; f=100: PNG; m=1 on every chunk but the last.
		for first := true; first || data != ""; first = false {
			n := min(kittyChunk, len(data))
			chunk := data[:n]
			data = data[n:]
			more := 0
			if data != "" {
				more = 1
			}
			if first {
				fmt.Fprintf(&b, "\x1b_Ga=T,f=100,m=%d;%s\x1b\\", more, chunk)
			} else {
				fmt.Fprintf(&b, "\x1b_Gm=%d;%s\x1b\\", more, chunk)
			}
		}
	case ITermImages:
		fmt.Fprintf(&b, "\x1b]1337;File=inline=1;size=%d;preserveAspectRatio=1:%s\a", len(png), data)
	default:
		return nil
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}
