package serve

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The states of a run, as the page shows them.
const (
	Running     = "running"     // a process holds the directory's lock (it is writing the run)
	Finished    = "finished"    // summary.json exists
	Diverged    = "diverged"    // the run stopped on a non-finite loss
	Interrupted = "interrupted" // unfinished and nobody writes it: stopped, killed or crashed
	Corrupt     = "corrupt"     // a file of the run cannot be read (the error says which)
)

// lockFile is the PID file a writer keeps while it holds the lock (see
// rundir.Lock).
const lockFile = ".lock"

// remoteWindow is how recently a run with a .lock but no local holder must
// have written a file to count as running on another machine.
const remoteWindow = 2 * time.Minute

// holders is the set of locks held on this machine, read without taking
// any (see heldLocks).
type holders map[fileID]bool

// fileID names a directory by device and inode.
type fileID struct {
	dev uint64
	ino uint64
}

// lockState tells whether the run in dir is being written, without taking
// or probing its lock (a probe, even a shared one held for an instant,
// could make a writer starting at that instant fail with rundir.ErrLocked).
// The evidence, in order:
//
//  1. the kernel's table of locks (Linux's /proc/locks): an exclusive
//     flock on the directory's inode is a writer on this machine;
//  2. without such a table, DIR/.lock naming a live process here;
//  3. a DIR/.lock whose holder is not on this machine was left by a killed
//     process, or is a writer on another machine sharing the file system
//     (a Slurm task): running if the run wrote a file within the last
//     remoteWindow (or three of its epochs), else interrupted.
//
// It returns whether the run is running and a note on how that was
// decided when it is not plain.
func lockState(dir string, held holders, lastWrite time.Time, epochSeconds float64) (bool, string) {
	pid := readPID(dir)
	hasPIDFile := pid != 0 || exists(filepath.Join(dir, lockFile))
	if held != nil {
		if id, ok := idOf(dir); ok && held[id] {
			return true, ""
		}
	} else if pid > 0 && processAlive(pid) {
		return true, ""
	}
	if !hasPIDFile {
		return false, ""
	}
	window := max(remoteWindow, time.Duration(3*epochSeconds*float64(time.Second)))
	if time.Since(lastWrite) < window {
		return true, "no process here holds its lock, but " + lockFile + " remains and it wrote within " + window.Round(time.Second).String() + ": another machine's run"
	}
	return false, lockFile + " of PID " + strconv.Itoa(pid) + " remains, without a holder here: killed, or written from another machine"
}

// readPID returns the PID in dir's .lock, or 0.
func readPID(dir string) int {
	f, err := os.Open(filepath.Join(dir, lockFile))
	if err != nil {
		return 0
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, 64))
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// parseLocks reads a /proc/locks table and returns the files held by an
// exclusive (WRITE) FLOCK. A line reads
//
//	1: FLOCK  ADVISORY  WRITE 4242 08:01:1234567 0 EOF
//
// with the device's major and minor numbers in hexadecimal and the inode
// in decimal; a waiting lock ("1: -> FLOCK …") is not held.
func parseLocks(r io.Reader) holders {
	h := holders{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 6 || f[1] != "FLOCK" || f[3] != "WRITE" {
			continue
		}
		parts := strings.Split(f[5], ":")
		if len(parts) != 3 {
			continue
		}
		maj, err1 := strconv.ParseUint(parts[0], 16, 32)
		min, err2 := strconv.ParseUint(parts[1], 16, 32)
		ino, err3 := strconv.ParseUint(parts[2], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		h[fileID{dev: mkdev(uint32(maj), uint32(min)), ino: ino}] = true
	}
	return h
}
