// Package hint names nerlab commands inside messages: the errors and notes
// that tell a person what to run next ("resume it with `nerlab resume
// runs/x`"). The library packages that write such messages do not know
// which front-end will show them, and each front-end spells a command its
// own way: a shell needs `nerlab resume runs/x`, the REPL's prompt
// `resume runs/x`, a notebook cell `%resume runs/x`.
//
// Messages therefore name a command with Command, which writes the
// spelling of the shell, the one a program using the library directly
// also shows; a front-end that spells commands otherwise passes the whole
// message, however deeply the error was wrapped, through Respell before
// printing it. What marks a command is a backtick followed by "nerlab ",
// so messages must not use that for anything else.
package hint

import "strings"

// marker starts a command named by Command.
const marker = "`nerlab "

// Command returns line, a command and its arguments ("resume runs/x"),
// as a message names it: in backticks and spelt as in a shell,
// "`nerlab resume runs/x`".
func Command(line string) string {
	return marker + line + "`"
}

// Respell rewrites every command that Command wrote in msg with prefix in
// place of "nerlab ": "" gives the REPL's `resume runs/x`, "%" the
// notebook's `%resume runs/x`.
func Respell(msg, prefix string) string {
	return strings.ReplaceAll(msg, marker, "`"+prefix)
}
