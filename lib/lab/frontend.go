package lab

import "github.com/nerlab/nerlab/lib/hint"

// Frontend is the program a person types commands into. It decides how a
// message names a command: messages suggest what to run next, and the
// suggestion must be something the person can type where they are.
type Frontend int

const (
	// CLI is a shell running `nerlab COMMAND` or `nerlab -f SCRIPT`; its
	// spelling, `nerlab resume runs/x`, is the one messages carry (see
	// package hint), so it is the zero value.
	CLI Frontend = iota
	// REPL is nerlab's prompt: `resume runs/x`.
	REPL
	// Kernel is a Jupyter notebook cell, where commands are magics:
	// `%resume runs/x`.
	Kernel
)

// prefix is what comes before a command's name on this front-end.
func (f Frontend) prefix() string {
	switch f {
	case REPL:
		return ""
	case Kernel:
		return "%"
	}
	return "nerlab "
}

// Command names a command line ("resume runs/x") in a message for this
// front-end, in backticks: "`%resume runs/x`" in the kernel.
func (f Frontend) Command(line string) string {
	return f.Respell(hint.Command(line))
}

// Respell rewrites the commands named in msg (with hint.Command, by the
// library or by this package) the way this front-end spells them.
func (f Frontend) Respell(msg string) string {
	return hint.Respell(msg, f.prefix())
}

// Error is err's message as this front-end prints it: with its hints
// spelt for it.
func (f Frontend) Error(err error) string {
	return f.Respell(err.Error())
}
