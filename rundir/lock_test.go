package rundir

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// lockHelperEnv makes the test binary a helper process that locks the
// directory it names, says so on stdout and waits to be killed.
const lockHelperEnv = "RUNDIR_TEST_LOCK_HELPER"

func TestMain(m *testing.M) {
	if dir := os.Getenv(lockHelperEnv); dir != "" {
		l, err := LockDir(dir)
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Println("locked")
		time.Sleep(time.Minute)
		l.Unlock()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// A second Lock on a directory fails at once with one line naming the
// directory and the holder's PID; Unlock releases it and removes the PID
// file.
func TestLockExclusive(t *testing.T) {
	dir := t.TempDir()
	l, err := LockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = LockDir(dir)
	want := fmt.Sprintf("%s: locked: another process (PID %d) is writing this run directory", dir, os.Getpid())
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Errorf("second lock: got %v, want %q", err, want)
	}
	l.Unlock()
	l.Unlock() // harmless
	if _, err := os.Stat(Path(dir, lockFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Unlock left the PID file: %v", err)
	}
	l2, err := LockDir(dir)
	if err != nil {
		t.Fatalf("lock after Unlock: %v", err)
	}
	l2.Unlock()
}

// A holder killed by SIGKILL leaves its PID file behind, but the kernel
// releases its lock: the next writer takes it at once.
func TestLockReleasedOnSIGKILL(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), lockHelperEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	if line, _ := bufio.NewReader(out).ReadString('\n'); line != "locked\n" {
		t.Fatalf("helper: %q", line)
	}
	_, err = LockDir(dir)
	if want := fmt.Sprintf("(PID %d)", cmd.Process.Pid); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), want) {
		t.Errorf("lock held by the helper: got %v, want one naming %s", err, want)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if _, err := os.Stat(Path(dir, lockFile)); err != nil {
		t.Errorf("the killed helper's PID file: %v (the test expects a stale one)", err)
	}
	l, err := LockDir(dir)
	if err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	l.Unlock()
}
