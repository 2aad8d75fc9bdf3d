package sandbox

import (
	"os"
	"syscall"
)

// sysProcAttr starts the init in a session of its own in both modes: no
// controlling terminal, so no repro can open /dev/tty and push input into
// the caller's shell (TIOCSTI), and a process group of its own to kill.
//
// hostNet keeps the host's network namespace (an installer reaching the
// package index); every other namespace is new all the same.
func sysProcAttr(iso Isolation, hostNet bool) *syscall.SysProcAttr {
	attr := &syscall.SysProcAttr{Setsid: true}
	if iso == ProcessGroup {
		// No Pdeathsig: when reprokit dies the init must live long enough
		// to kill what it adopted (its lifeline tells it).
		return attr
	}
	attr.Pdeathsig = syscall.SIGKILL
	attr.Cloneflags = syscall.CLONE_NEWPID | syscall.CLONE_NEWNS | syscall.CLONE_NEWIPC | syscall.CLONE_NEWUTS
	if !hostNet {
		attr.Cloneflags |= syscall.CLONE_NEWNET
	}
	if os.Geteuid() != 0 {
		// Unprivileged: a user namespace in which we are root, mapped to
		// ourselves outside. The engine drops every capability before the
		// script runs; the init keeps them, out of the repro's reach.
		attr.Cloneflags |= syscall.CLONE_NEWUSER
		attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Geteuid(), Size: 1}}
		attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getegid(), Size: 1}}
		attr.GidMappingsEnableSetgroups = false
	}
	return attr
}
