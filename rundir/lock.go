package rundir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Lock is an exclusive lock on a run directory, held by the one process
// that writes it for as long as it does (train takes it before writing
// anything and releases it when the run returns). It is a kernel lock
// (flock(2) on the directory itself), so it goes with the process: a
// holder killed by SIGKILL or a crash never leaves a stale lock behind.
// While it holds the lock the holder keeps its PID in DIR/.lock, for the
// message a second writer gets; that file is only a hint (the kernel lock
// is the truth) and is removed on Unlock. Readers take no lock. On
// systems without flock, Lock locks nothing.
type Lock struct {
	dir     string
	f       *os.File // the locked directory
	created string   // the topmost directory Prepare created, "" if none
}

// ErrLocked is wrapped by the error of a Lock on a directory that another
// process holds.
var ErrLocked = errors.New("locked")

// LockDir takes the Lock on the existing directory dir at once, without
// waiting: if another process (or another Lock in this one) holds it, the
// error is one line naming dir and, where it can, the holder's PID, and
// wraps ErrLocked.
func LockDir(dir string) (*Lock, error) { return lockDir(dir) }

func lockDir(dir string) (*Lock, error) {
	for try := 0; ; try++ {
		f, err := os.Open(dir)
		if err != nil {
			return nil, err
		}
		if err := flock(f); err != nil {
			f.Close()
			if !errors.Is(err, errWouldBlock) {
				return nil, fmt.Errorf("%s: cannot lock: %v", dir, err)
			}
			holder := "another process"
			if pid := readPID(dir); pid > 0 {
				holder = fmt.Sprintf("another process (PID %d)", pid)
			}
			return nil, fmt.Errorf("%s: %w: %s is writing this run directory; wait for it to end or stop it", dir, ErrLocked, holder)
		}
		// The directory may have been removed (by a refused writer that
		// had created it) between the open and the lock: lock the one
		// now at dir.
		st, err1 := f.Stat()
		now, err2 := os.Stat(dir)
		if err1 == nil && err2 == nil && os.SameFile(st, now) {
			l := &Lock{dir: dir, f: f}
			os.WriteFile(filepath.Join(dir, lockFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
			return l, nil
		}
		f.Close()
		if try == 2 {
			return nil, fmt.Errorf("%s: cannot lock: the directory keeps being replaced", dir)
		}
	}
}

// readPID returns the PID in dir's .lock, or 0.
func readPID(dir string) int {
	b, err := readCapped(filepath.Join(dir, lockFile), 64)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0
	}
	return pid
}

// Unlock removes the PID file and releases the lock. It may be called on
// a nil Lock and more than once.
func (l *Lock) Unlock() {
	if l == nil || l.f == nil {
		return
	}
	os.Remove(filepath.Join(l.dir, lockFile))
	l.f.Close() // closing the last descriptor releases the flock
	l.f = nil
}

// Refuse undoes a Prepare that is refused after taking the lock: it
// removes the PID file and the directories Prepare created (if they are
// still empty), then releases the lock.
func (l *Lock) Refuse() {
	if l == nil || l.f == nil {
		return
	}
	os.Remove(filepath.Join(l.dir, lockFile))
	removeCreated(l.dir, l.created)
	l.f.Close()
	l.f = nil
}

// mkdirAll creates dir and any missing parents and returns the topmost
// directory it created ("" if dir existed).
func mkdirAll(dir string) (string, error) {
	top := ""
	for p := filepath.Clean(dir); ; {
		if _, err := os.Stat(p); err == nil {
			break
		}
		top = p
		parent := filepath.Dir(p)
		if parent == p {
			break
		}
		p = parent
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		removeCreated(dir, top)
		return "", err
	}
	return top, nil
}

// removeCreated removes dir and its parents up to top (which mkdirAll
// created), stopping at the first that is not empty.
func removeCreated(dir, top string) {
	if top == "" {
		return
	}
	for p := filepath.Clean(dir); ; p = filepath.Dir(p) {
		if os.Remove(p) != nil || p == top || filepath.Dir(p) == p {
			return
		}
	}
}
