// Package layers holds the test that keeps nerlab's packages in their
// layers: the pure-Go packages stay free of libtorch, nothing in the
// library reaches up into the command layer or the front-ends, and the
// trainer knows models only through its interface. It has no code of its
// own.
package layers
