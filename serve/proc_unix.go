//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package serve

import (
	"os"

	"golang.org/x/sys/unix"
)

// heldLocks returns the locks held on this machine from Linux's
// /proc/locks, or nil where there is no such table (then lockState falls
// back on the PID file).
func heldLocks() holders {
	f, err := os.Open("/proc/locks")
	if err != nil {
		return nil
	}
	defer f.Close()
	return parseLocks(f)
}

// idOf returns the device and inode of path.
func idOf(path string) (fileID, bool) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return fileID{}, false
	}
	return fileID{dev: uint64(st.Dev), ino: uint64(st.Ino)}, true
}

// mkdev composes a device number as stat(2) reports it.
func mkdev(major, minor uint32) uint64 { return uint64(unix.Mkdev(major, minor)) }

// processAlive reports whether a process pid exists here (signal 0 checks
// without sending anything).
func processAlive(pid int) bool {
	err := unix.Kill(pid, 0)
	return err == nil || err == unix.EPERM
}
