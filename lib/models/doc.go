// Package models maps an experiment onto what trains it: the model its
// sections describe (today the sequence tagger of lib/tagger) and the
// objective of its training section (NLL, or cooperative learning). It is
// the one place where the experiment's YAML meets the models, so that
// lib/train knows only its Model interface and lib/tagger never reads
// the experiment schema.
package models
