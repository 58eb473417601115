package train

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// writeJSONAtomic writes v as indented JSON to path with writeFileAtomic.
func writeJSONAtomic(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(b, '\n'))
}

// WriteFileAtomic writes b to path through a temporary file in the same
// directory, synced and renamed over path, so a reader never sees a
// half-written file and a crash leaves the previous version intact.
func WriteFileAtomic(path string, b []byte) error { return writeFileAtomic(path, b) }

func writeFileAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err = tmp.Write(b); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// jsonl appends one JSON object per line to a file and syncs after each, so
// the lines written survive a crash or a diverging run.
type jsonl struct{ f *os.File }

func createJSONL(path string) (*jsonl, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	return &jsonl{f}, nil
}

func (j *jsonl) write(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := j.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("%s: %v", j.f.Name(), err)
	}
	return j.f.Sync()
}

func (j *jsonl) close() error { return j.f.Close() }

// prepareOut creates the run directory. It refuses a directory that already
// holds a run's config.json, so a finished run is never overwritten.
func prepareOut(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "config.json")); err == nil {
		return fmt.Errorf("--out: %s already holds a run (config.json); choose another directory or remove it", dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out: cannot create %s: %v", dir, err)
	}
	probe, err := os.CreateTemp(dir, ".probe*")
	if err != nil {
		return fmt.Errorf("--out: cannot write in %s: %v", dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}
