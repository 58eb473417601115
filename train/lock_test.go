package train

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/creditlab/credit/rundir"
)

// snapshotDir returns every file of dir and its bytes.
func snapshotDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return files
}

func sameFiles(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !bytes.Equal(v, w) {
			return false
		}
	}
	return true
}

// While one writer holds a run directory, a second one (a resume or a new
// run into it) is refused at once with one line naming the directory and
// the holder's PID, and changes nothing; the first ends exactly as a
// single writer would.
func TestSecondWriterRefused(t *testing.T) {
	c := resumeConfigs(t)["linear-np-ridge-momentum"]
	ref := stoppedWithRef(t, c)

	first := resumed(t, c.Out, 0) // holds the lock
	before := snapshotDir(t, c.Out)
	want := fmt.Sprintf("%s: locked: another process (PID %d) is writing this run directory", c.Out, os.Getpid())
	_, err := Resume(context.Background(), c.Out, 0, nil)
	if !errors.Is(err, rundir.ErrLocked) || !strings.HasPrefix(err.Error(), "--resume: "+want) || strings.Contains(err.Error(), "\n") {
		t.Errorf("second resume: got %v, want --resume: %s…", err, want)
	}
	_, err = Run(c, nil)
	if !errors.Is(err, rundir.ErrLocked) || !strings.HasPrefix(err.Error(), "--out: "+want) {
		t.Errorf("a new run into the directory: got %v, want --out: %s…", err, want)
	}
	if !sameFiles(before, snapshotDir(t, c.Out)) {
		t.Error("the refused writers changed the run directory")
	}
	if _, err, _ := runUntil(t, first, 0, 0); err != nil {
		t.Fatal(err)
	}
	sameRun(t, ref.Out, c.Out)
	if _, err := os.Stat(rundir.Path(c.Out, ".lock")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the finished run left its lock file: %v", err)
	}
}

// Two goroutines resuming one run at once: one continues it, the other is
// refused (locked, or the run has finished by the time it looks), and the
// directory ends as a single writer's.
func TestConcurrentResumes(t *testing.T) {
	c := resumeConfigs(t)["linear-np-ridge-momentum"]
	ref := stoppedWithRef(t, c)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	gate := make(chan struct{})
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			_, errs[i] = Resume(context.Background(), c.Out, 0, nil)
		}()
	}
	close(gate)
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, rundir.ErrLocked), strings.Contains(err.Error(), "has finished its"):
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d resumes succeeded (%v), want 1", ok, errs)
	}
	sameRun(t, ref.Out, c.Out)
}
