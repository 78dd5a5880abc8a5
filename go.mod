module github.com/nerlab/nerlab

go 1.26

require github.com/sugarme/gotch v0.8.0

// third_party/gotch is gotch v0.8.0 prepared for the libtorch on this machine
// by `make setup` (tools/gotchprep); it is generated and git-ignored.
replace github.com/sugarme/gotch => ./third_party/gotch
