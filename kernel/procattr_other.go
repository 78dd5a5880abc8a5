//go:build unix && !linux

package main

import "syscall"

// evaluatorAttr gives the evaluator its own process group. Without
// Pdeathsig, the evaluator notices a killed kernel when its request pipe
// ends.
func evaluatorAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
