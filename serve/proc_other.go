//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package serve

// heldLocks knows no lock table here.
func heldLocks() holders { return nil }

// idOf knows no inodes here.
func idOf(string) (fileID, bool) { return fileID{}, false }

func mkdev(major, minor uint32) uint64 { return uint64(major)<<32 | uint64(minor) }

// processAlive cannot tell here; rundir.Lock locks nothing on such
// systems either.
func processAlive(int) bool { return false }
