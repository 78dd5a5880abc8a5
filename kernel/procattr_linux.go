package main

import "syscall"

// evaluatorAttr makes the evaluator die with the kernel, even when the
// kernel is killed (Pdeathsig), and gives it its own process group.
// Pdeathsig fires when the thread that started the child ends; the Go
// runtime ends threads only when a goroutine locked to one exits, and the
// kernel starts evaluators from goroutines that unlock before they exit.
func evaluatorAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}
