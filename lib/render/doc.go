// Package render turns nerlab's results into what a person reads: plain
// text, text with ANSI colours for a terminal, and HTML for a notebook.
// It shows predictions with their entities marked, score reports, context
// views with their passages, retrieved passages, the runs table, small
// tables of facts, and charts inline in terminals that can show images.
//
// The packages that compute results stay free of presentation; the
// command layer (lab), analysis, the REPL and the kernel all show results
// through this package, so one result looks the same everywhere. A
// notebook shows any value that has an HTML method (HTMLer); Of adapts
// the result types of the pure packages, which have none.
//
// Messages here that name a command spell it as a shell does (package
// hint); each front-end respells them.
package render
