package train

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/creditlab/credit/internal/atomicfile"
)

// writeJSONAtomic writes v as indented JSON to path with writeFileAtomic.
func writeJSONAtomic(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(b, '\n'))
}

// writeFileAtomic writes b to path atomically (see atomicfile.Write).
func writeFileAtomic(path string, b []byte) error { return atomicfile.WriteBytes(path, b) }

// writeAtomic lets write fill path atomically (see atomicfile.Write).
func writeAtomic(path string, write func(io.Writer) error) error {
	return atomicfile.Write(path, write)
}

// jsonl appends one JSON object per line to a file and syncs after each, so
// the lines written survive a crash or a diverging run. size is the file's
// length, which a checkpoint records.
type jsonl struct {
	f    *os.File
	size int64
}

func createJSONL(path string) (*jsonl, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	return &jsonl{f: f}, nil
}

// covers checks that the file at path holds at least size bytes, as a
// checkpoint recorded.
func covers(path string, size int64) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if st.Size() < size {
		return fmt.Errorf("%s holds %d bytes, fewer than the %d the checkpoint covers: it was changed after the checkpoint", path, st.Size(), size)
	}
	return nil
}

// openJSONL opens path to append after its first size bytes, dropping any
// lines after them (written after the checkpoint that recorded size; see
// covers).
func openJSONL(path string, size int64) (*jsonl, error) {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	if err = f.Truncate(size); err == nil {
		_, err = f.Seek(size, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return &jsonl{f: f, size: size}, nil
}

func (j *jsonl) write(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	n, err := j.f.Write(append(b, '\n'))
	j.size += int64(n)
	if err != nil {
		return fmt.Errorf("%s: %v", j.f.Name(), err)
	}
	return j.f.Sync()
}

func (j *jsonl) close() error { return j.f.Close() }

// prepareOut creates the run directory. It refuses a directory that already
// holds a run's config.json, so a finished run is never overwritten.
func prepareOut(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "config.json")); err == nil {
		return fmt.Errorf("--out: %s already holds a run (config.json); choose another directory, remove it, or continue it with --resume", dir)
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
