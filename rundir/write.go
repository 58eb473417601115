package rundir

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/internal/atomicfile"
)

// WriteAtomic lets write fill path atomically (see atomicfile.Write).
func WriteAtomic(path string, write func(io.Writer) error) error {
	return atomicfile.Write(path, write)
}

// writeJSON writes v to path atomically as indented JSON and a newline.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, append(b, '\n'))
}

// WriteConfig writes c as dir's config.json.
func WriteConfig(dir string, c config.Config) error { return writeJSON(Path(dir, ConfigFile), c) }

// WriteSummary writes s as dir's summary.json.
func WriteSummary(dir string, s *Summary) error { return writeJSON(Path(dir, SummaryFile), s) }

// WriteCodes writes b, CSV with a header line (z1,…,zk,label) and one row
// per test example, as dir's codes.csv.
func WriteCodes(dir string, b []byte) error { return atomicfile.WriteBytes(Path(dir, CodesFile), b) }

// WriteReconstructions writes r as dir's reconstructions.json (compact
// JSON and a newline).
func WriteReconstructions(dir string, r *Reconstructions) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(Path(dir, ReconstructionsFile), append(b, '\n'))
}

// WriteDivergence writes d as dir's diverged.json.
func WriteDivergence(dir string, d *Divergence) error { return writeJSON(Path(dir, DivergedFile), d) }

// RemoveDivergence removes dir's diverged.json, if any, for a run being
// resumed.
func RemoveDivergence(dir string) error {
	if err := os.Remove(Path(dir, DivergedFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// RemoveResults removes what a run writes when it finishes (summary.json,
// codes.csv, reconstructions.json), for a finished run being extended.
func RemoveResults(dir string) {
	for _, f := range []string{SummaryFile, CodesFile, ReconstructionsFile} {
		os.Remove(Path(dir, f))
	}
}

// JSONL appends one JSON value per line to metrics.jsonl or diag.jsonl.
// Each line goes out in one write call and is synced, so the lines written
// survive a crash or a diverging run and a reader never sees a line
// without its newline but the one being written. Size is the file's
// length, which a checkpoint records.
type JSONL struct {
	f    *os.File
	size int64
}

// CreateJSONL creates (or empties) the jsonl file name in dir.
func CreateJSONL(dir, name string) (*JSONL, error) {
	f, err := os.OpenFile(Path(dir, name), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	return &JSONL{f: f}, nil
}

// Covers checks that the file name in dir holds at least size bytes, as a
// checkpoint recorded.
func Covers(dir, name string, size int64) error {
	path := Path(dir, name)
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if st.Size() < size {
		return fmt.Errorf("%s holds %d bytes, fewer than the %d the checkpoint covers: it was changed after the checkpoint", path, st.Size(), size)
	}
	return nil
}

// OpenJSONL opens the jsonl file name in dir to append after its first
// size bytes, dropping any lines after them (written after the checkpoint
// that recorded size; see Covers).
func OpenJSONL(dir, name string, size int64) (*JSONL, error) {
	f, err := os.OpenFile(Path(dir, name), os.O_WRONLY, 0)
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
	return &JSONL{f: f, size: size}, nil
}

// Write appends v as one line and syncs the file.
func (j *JSONL) Write(v any) error {
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

// Size returns the file's length in bytes.
func (j *JSONL) Size() int64 { return j.size }

// Close closes the file.
func (j *JSONL) Close() error { return j.f.Close() }

// Prepare makes dir ready for a new run and locks it (see Lock): it
// creates dir if needed, takes the lock, refuses a directory that already
// holds a run's config.json (so a finished run is never overwritten) and
// checks that files can be written in it. A refusal leaves the disk as it
// was: the directories Prepare created are removed again. Errors begin
// with --out.
func Prepare(dir string) (*Lock, error) {
	created, err := mkdirAll(dir)
	if err != nil {
		return nil, fmt.Errorf("--out: cannot create %s: %v", dir, err)
	}
	l, err := lockDir(dir)
	if err != nil {
		removeCreated(dir, created)
		return nil, fmt.Errorf("--out: %w", err)
	}
	l.created = created
	refuse := func(err error) (*Lock, error) {
		l.Refuse()
		return nil, err
	}
	if HoldsRun(dir) {
		return refuse(fmt.Errorf("--out: %s already holds a run (%s); choose another directory, remove it, or continue it with --resume", dir, ConfigFile))
	}
	probe, err := os.CreateTemp(dir, ".probe*")
	if err != nil {
		return refuse(fmt.Errorf("--out: cannot write in %s: %v", dir, err))
	}
	probe.Close()
	os.Remove(probe.Name())
	return l, nil
}
