// Package lab is nerlab's command layer: every user action is a Command
// with typed parameters, help text and examples, and the one-shot CLI, the
// REPL and the Jupyter kernel all dispatch into the same Lab. Front-ends
// only turn a line or an argv into a call of Lab.Exec and render output;
// no command logic lives in them.
package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/nerlab/nerlab/internal/textdist"
	"github.com/nerlab/nerlab/lib/hint"
)

// Kind is the type of a parameter's value; it drives parsing, help and
// (in the REPL) completion.
type Kind int

const (
	String Kind = iota
	Bool        // a flag without a value
	Int
	Float
	Path   // a file or directory
	Choice // one of Param.Choices
)

// Param describes a positional argument or a --flag.
type Param struct {
	Name     string // argument name (FILE) or flag name without dashes (json)
	Short    string // one-letter alias for a flag (o for -o), optional
	Kind     Kind
	Help     string
	Default  string   // flags only; "" means unset
	Choices  []string // for Choice
	Optional bool     // positional arguments only
	Repeat   bool     // flags only: may be given several times (read with Input.Flags)
	Rest     bool     // last positional only: takes every remaining word (read with Input.Args)
	Min      *int     // Int and Float: the least value accepted (--batch 0 or -1 was taken as given)
	// Values, when set, lists completion candidates beyond what Kind gives
	// (dataset names, runs, config keys), drawn from the session.
	Values func(s *Session) []Candidate
}

// Command is one user action.
type Command struct {
	Name     string
	Summary  string // one line, shown in the command list
	Help     string // paragraphs shown by `help NAME`
	Args     []Param
	Flags    []Param
	Examples []string
	Run      func(ctx context.Context, env *Env, in *Input) error
}

// Env is what a command may touch: its output streams and the session.
type Env struct {
	Stdin          io.Reader // nil when the front-end has no input stream
	Stdout, Stderr io.Writer
	Session        *Session
	// Display, when set, shows a MIME bundle (text/html, image/png as
	// base64, ...) the way the front-end can: the kernel puts it in the
	// notebook. Commands with a rich form (predict, eval, plot, runs) use
	// it instead of their text.
	Display func(data map[string]any) error
	// Frontend is where the commands are typed; messages name commands
	// the way it spells them. The zero value is the CLI.
	Frontend Frontend
}

// Lab is the registry of commands.
type Lab struct {
	commands map[string]*Command
}

// New returns a Lab with every built-in command registered.
func New() *Lab {
	l := &Lab{commands: map[string]*Command{}}
	for _, c := range append(append(append(append(builtins(), modelCommands()...), sessionCommands()...), retrieveCommands()...), pretrainCommand()) {
		l.Register(c)
	}
	l.Register(helpCommand(l))
	return l
}

// Register adds a command; it panics on a duplicate name (a programming error).
func (l *Lab) Register(c *Command) {
	if _, dup := l.commands[c.Name]; dup {
		panic("lab: command registered twice: " + c.Name)
	}
	l.commands[c.Name] = c
}

// Command returns the named command.
func (l *Lab) Command(name string) (*Command, bool) {
	c, ok := l.commands[name]
	return c, ok
}

// Commands returns every command, sorted by name.
func (l *Lab) Commands() []*Command {
	out := make([]*Command, 0, len(l.commands))
	for _, c := range l.commands {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// UsageError is a mistake in how a command was called; front-ends print it
// with a hint to the command's help.
type UsageError struct {
	Command string
	Msg     string
}

func (e *UsageError) Error() string {
	if e.Command == "" {
		return e.Msg
	}
	return fmt.Sprintf("%s: %s (see %s)", e.Command, e.Msg, hint.Command("help "+e.Command))
}

// Exec runs argv[0] with the remaining words as its arguments. `CMD --help`
// prints the command's help.
func (l *Lab) Exec(ctx context.Context, env *Env, argv []string) error {
	if len(argv) == 0 {
		return &UsageError{Msg: "no command; try " + hint.Command("help")}
	}
	if env.Session == nil {
		env.Session = NewSession()
	}
	c, ok := l.commands[argv[0]]
	if !ok {
		return &UsageError{Msg: fmt.Sprintf("unknown command %q%s; try %s", argv[0], l.suggest(argv[0]), hint.Command("help"))}
	}
	for _, a := range argv[1:] {
		if a == "--help" || a == "-h" {
			_, err := io.WriteString(env.Stdout, c.Usage())
			return err
		}
	}
	in, err := Parse(c, argv[1:])
	if err != nil {
		return err
	}
	return c.Run(ctx, env, in)
}

// suggest names the closest command when a typo is likely.
func (l *Lab) suggest(name string) string {
	best, bestD := "", 3
	for n := range l.commands {
		if d := textdist.Edit(name, n); d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// Input is a parsed command line: positional values by argument name and
// flag values by flag name (defaults filled in).
type Input struct {
	cmd   *Command
	args  map[string][]string
	flags map[string]string
	lists map[string][]string // values of Repeat flags, in order
}

// Args returns every word of a Rest argument (or the one word of another).
func (in *Input) Args(name string) []string { return in.args[name] }

// Flags returns every value of a repeatable flag, in the order given.
func (in *Input) Flags(name string) []string { return in.lists[name] }

// Arg returns the value of a positional argument ("" when an optional one
// was not given); a Rest argument's words are joined by spaces.
func (in *Input) Arg(name string) string {
	return strings.Join(in.args[name], " ")
}

// Flag returns a flag's value or its default.
func (in *Input) Flag(name string) string { return in.flags[name] }

// Bool reports whether a boolean flag was given.
func (in *Input) Bool(name string) bool { return in.flags[name] == "true" }

// Int returns an integer flag (already checked by Parse).
func (in *Input) Int(name string) int {
	n, _ := strconv.Atoi(in.flags[name])
	return n
}

// Float returns a float flag (already checked by Parse).
func (in *Input) Float(name string) float64 {
	f, _ := strconv.ParseFloat(in.flags[name], 64)
	return f
}

// Parse reads words as c's arguments: flags (--name value, --name=value,
// -x value, --bool) may appear anywhere; "--" ends flags.
func Parse(c *Command, words []string) (*Input, error) {
	in := &Input{cmd: c, args: map[string][]string{}, flags: map[string]string{}, lists: map[string][]string{}}
	for _, f := range c.Flags {
		if f.Default != "" {
			in.flags[f.Name] = f.Default
		}
	}
	var positional []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		if w == "--" {
			positional = append(positional, words[i+1:]...)
			break
		}
		if len(w) < 2 || w[0] != '-' || isNumber(w) {
			positional = append(positional, w)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(w, "-"), "=")
		f := c.flag(name)
		if f == nil {
			return nil, &UsageError{Command: c.Name, Msg: fmt.Sprintf("unknown flag %s", w)}
		}
		if f.Kind == Bool {
			if hasValue {
				b, err := strconv.ParseBool(value)
				if err != nil {
					return nil, &UsageError{Command: c.Name, Msg: fmt.Sprintf("--%s=%s: expected true or false", f.Name, value)}
				}
				value = strconv.FormatBool(b)
			} else {
				value = "true"
			}
		} else if !hasValue {
			if i+1 >= len(words) {
				return nil, &UsageError{Command: c.Name, Msg: fmt.Sprintf("--%s needs a value (%s)", f.Name, f.Help)}
			}
			i++
			value = words[i]
		}
		if err := f.check(value); err != nil {
			return nil, &UsageError{Command: c.Name, Msg: "--" + f.Name + ": " + err.Error()}
		}
		in.flags[f.Name] = value
		if f.Repeat {
			in.lists[f.Name] = append(in.lists[f.Name], value)
		}
	}
	k := 0
	for _, a := range c.Args {
		if k >= len(positional) {
			if !a.Optional {
				return nil, &UsageError{Command: c.Name, Msg: fmt.Sprintf("missing %s (%s)", a.Name, a.Help)}
			}
			continue
		}
		if a.Rest {
			in.args[a.Name] = positional[k:]
			k = len(positional)
			break
		}
		if err := a.check(positional[k]); err != nil {
			return nil, &UsageError{Command: c.Name, Msg: a.Name + ": " + err.Error()}
		}
		in.args[a.Name] = []string{positional[k]}
		k++
	}
	if k < len(positional) {
		return nil, &UsageError{Command: c.Name, Msg: fmt.Sprintf("unexpected argument %q", positional[k])}
	}
	return in, nil
}

func isNumber(w string) bool {
	_, err := strconv.ParseFloat(w, 64)
	return err == nil
}

func (c *Command) flag(name string) *Param {
	for i := range c.Flags {
		if f := &c.Flags[i]; f.Name == name || (f.Short != "" && f.Short == name) {
			return f
		}
	}
	return nil
}

func (p *Param) check(v string) error {
	switch p.Kind {
	case Int:
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("%q is not an integer", v)
		}
		if p.Min != nil && n < *p.Min {
			return fmt.Errorf("%d is less than %d; expected %d or more", n, *p.Min, *p.Min)
		}
	case Float:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", v)
		}
		if p.Min != nil && f < float64(*p.Min) {
			return fmt.Errorf("%s is less than %d; expected %d or more", v, *p.Min, *p.Min)
		}
	case Choice:
		for _, c := range p.Choices {
			if v == c {
				return nil
			}
		}
		return fmt.Errorf("%q is not one of %s", v, strings.Join(p.Choices, ", "))
	}
	return nil
}

// Usage renders the command's help: synopsis, description, parameters,
// examples.
func (c *Command) Usage() string {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: %s\n\n%s\n", c.Synopsis(), c.Summary)
	if c.Help != "" {
		fmt.Fprintf(&b, "\n%s\n", strings.TrimSpace(c.Help))
	}
	if len(c.Args) > 0 {
		b.WriteString("\narguments:\n")
		for _, a := range c.Args {
			fmt.Fprintf(&b, "  %-18s %s\n", a.Name, a.Help)
		}
	}
	if len(c.Flags) > 0 {
		b.WriteString("\nflags:\n")
		for _, f := range c.Flags {
			name := "--" + f.Name
			if f.Short != "" {
				name = "-" + f.Short + ", " + name
			}
			if f.Kind != Bool {
				name += " " + f.valueName()
			}
			help := f.Help
			if f.Default != "" {
				help += " (default " + f.Default + ")"
			}
			fmt.Fprintf(&b, "  %-18s %s\n", name, help)
		}
	}
	if len(c.Examples) > 0 {
		b.WriteString("\nexamples:\n")
		for _, e := range c.Examples {
			fmt.Fprintf(&b, "  %s\n", e)
		}
	}
	return b.String()
}

// Synopsis is the one-line form: "score FILE [--mode M] [--json]".
func (c *Command) Synopsis() string {
	parts := []string{c.Name}
	for _, a := range c.Args {
		name := a.Name
		if a.Rest {
			name += "…"
		}
		if a.Optional {
			parts = append(parts, "["+name+"]")
		} else if a.Rest {
			parts = append(parts, name)
		} else {
			parts = append(parts, name)
		}
	}
	for _, f := range c.Flags {
		if f.Kind == Bool {
			parts = append(parts, "[--"+f.Name+"]")
		} else {
			parts = append(parts, "[--"+f.Name+" "+f.valueName()+"]")
		}
	}
	return strings.Join(parts, " ")
}

func (p *Param) valueName() string {
	if p.Kind == Choice {
		return strings.Join(p.Choices, "|")
	}
	return strings.ToUpper(p.Name)
}

func helpCommand(l *Lab) *Command {
	return &Command{
		Name:    "help",
		Summary: "List the commands, or show one command's help.",
		Args: []Param{{Name: "COMMAND", Optional: true, Help: "the command to explain", Values: func(*Session) []Candidate {
			var out []Candidate
			for _, c := range l.Commands() {
				out = append(out, Candidate{Text: c.Name, Description: c.Summary})
			}
			return out
		}}},
		Run: func(ctx context.Context, env *Env, in *Input) error {
			if name := in.Arg("COMMAND"); name != "" {
				c, ok := l.Command(name)
				if !ok {
					return &UsageError{Msg: fmt.Sprintf("no command %q%s; try %s", name, l.suggest(name), hint.Command("help"))}
				}
				_, err := io.WriteString(env.Stdout, c.Usage())
				return err
			}
			fmt.Fprintln(env.Stdout, "commands:")
			for _, c := range l.Commands() {
				fmt.Fprintf(env.Stdout, "  %-10s %s\n", c.Name, c.Summary)
			}
			fmt.Fprintf(env.Stdout, "\n%s explains one command.\n", env.Frontend.Command("help COMMAND"))
			return nil
		},
	}
}

// IsUsage reports whether err is a usage mistake (as opposed to a failure
// while running).
func IsUsage(err error) bool {
	var u *UsageError
	return errors.As(err, &u)
}

// atLeast is Param.Min's value: the least integer a flag accepts.
func atLeast(n int) *int { return &n }
