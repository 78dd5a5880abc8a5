// Package wire is the protocol between the nerlab REPL front-end and its
// engine process: one JSON object per line in each direction, over a pair
// of pipes (the engine's file descriptors 3 and 4). The engine writes
// command output straight to the terminal it inherited; the pipes carry
// only requests, completions and each command's outcome.
package wire

// Ops of a Request.
const (
	OpExec     = "exec"     // run Line as a command
	OpComplete = "complete" // complete Line (the text before the cursor)
)

// Statuses of a Reply to OpExec.
const (
	StatusOK    = "ok"
	StatusError = "error" // the engine has printed the error
	StatusExit  = "exit"  // the exit command: the front-end leaves
)

// Request is one front-end → engine message.
type Request struct {
	ID   int    `json:"id"`
	Op   string `json:"op"`
	Line string `json:"line"`
}

// Reply answers a Request with the same ID; ID 0 is the engine's hello,
// sent once it has started (libtorch loaded, commands registered).
type Reply struct {
	ID         int         `json:"id"`
	Status     string      `json:"status,omitempty"`
	Prompt     string      `json:"prompt,omitempty"` // the prompt to show next (it names the current dataset)
	Candidates []Candidate `json:"candidates,omitempty"`
	// Common is the longest text that every candidate starts with, when
	// it is longer than the word being completed: a first Tab inserts it.
	Common string `json:"common,omitempty"`
}

// Candidate is one completion.
type Candidate struct {
	Text        string `json:"text"`
	Description string `json:"description,omitempty"`
}
