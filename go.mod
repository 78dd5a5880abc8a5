module github.com/nerlab/nerlab

go 1.26

require (
	github.com/c-bata/go-prompt v0.2.6
	github.com/cosmos72/gomacro v0.0.0-20260901205243-0df6c0cd20af
	github.com/go-zeromq/zmq4 v0.17.0
	github.com/sugarme/gotch v0.8.0
	golang.org/x/sys v0.35.0
	golang.org/x/tools v0.36.0
	gonum.org/v1/plot v0.17.0
	gopkg.in/yaml.v3 v3.0.1
)

require (
	codeberg.org/go-fonts/liberation v0.5.0 // indirect
	codeberg.org/go-latex/latex v0.2.0 // indirect
	codeberg.org/go-pdf/fpdf v0.11.1 // indirect
	git.sr.ht/~sbinet/gg v0.7.0 // indirect
	github.com/ajstarks/svgo v0.0.0-20211024235047-1546f124cd8b // indirect
	github.com/clipperhouse/uax29/v2 v2.2.0 // indirect
	github.com/go-zeromq/goczmq/v4 v4.2.2 // indirect
	github.com/golang/freetype v0.0.0-20170609003504-e2365dfdc4a0 // indirect
	github.com/mattn/go-colorable v0.1.7 // indirect
	github.com/mattn/go-isatty v0.0.12 // indirect
	github.com/mattn/go-runewidth v0.0.28 // indirect
	github.com/mattn/go-tty v0.0.3 // indirect
	github.com/peterh/liner v1.2.2 // indirect
	github.com/pkg/term v1.2.0-beta.2 // indirect
	golang.org/x/image v0.30.0 // indirect
	golang.org/x/mod v0.27.0 // indirect
	golang.org/x/sync v0.16.0 // indirect
	golang.org/x/text v0.28.0 // indirect
)

// third_party/gotch is gotch v0.8.0 prepared for the libtorch on this machine
// by `make setup` (tools/gotchprep); it is generated and git-ignored.
replace github.com/sugarme/gotch => ./third_party/gotch
