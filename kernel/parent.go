package main

import (
	"bytes"
	"errors"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// Jupyter names the process that started a kernel in JPY_PARENT_PID. A
// kernel whose client was killed is not shut down by anyone, so it watches
// that process and exits once it is gone.

// parentPID reads JPY_PARENT_PID; ok is false when it is unset or not a
// process id.
func parentPID(getenv func(string) string) (pid int, ok bool) {
	pid, err := strconv.Atoi(getenv("JPY_PARENT_PID"))
	return pid, err == nil && pid > 1
}

// watchParent polls every interval and calls gone once the process pid
// has ended: it no longer exists, or it was this process's parent and this
// process has been handed to another one (so a recycled pid does not
// keep the kernel alive).
func watchParent(pid int, every time.Duration, gone func()) {
	wasParent := os.Getppid() == pid
	for {
		time.Sleep(every)
		if wasParent && os.Getppid() != pid || !processExists(pid) {
			gone()
			return
		}
	}
}

// processExists reports whether pid names a live process (EPERM: it
// does, and belongs to another user). A zombie, dead but not yet reaped by
// its own parent, counts as gone where /proc tells.
func processExists(pid int) bool {
	if err := unix.Kill(pid, 0); err != nil && !errors.Is(err, unix.EPERM) {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true // no /proc: the signal test is all there is
	}
	// pid (comm) state ...: comm may hold spaces and parentheses.
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z'
	}
	return true
}
