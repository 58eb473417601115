package rundir

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/creditlab/credit/config"
)

// Run is a run read back from its directory (see Load).
type Run struct {
	Config   config.Config // config.json, with Out set to where the run is now
	Finished bool          // summary.json exists
	Summary  Summary       // summary.json; zero if !Finished
	Diverged *Divergence   // diverged.json; nil unless the run stopped on a non-finite loss
	Epochs   []Epoch       // metrics.jsonl
	Diags    []Diag        // diag.jsonl, if the run recorded one
}

// Load reads the run directory dir: config.json, then summary.json if the
// run finished, diverged.json if it diverged, metrics.jsonl and diag.jsonl if it exists. The result's
// Config.Out is dir, where the run is now (it may have been moved since
// training). An unfinished run may lack metrics.jsonl (it stopped before
// its first line). A missing config.json, a malformed file, a file beyond
// its size cap or a finished run without metrics.jsonl is an error naming
// the file and, for bad JSON, the line. Load takes no lock: it reads the
// lines a writer has completed.
func Load(dir string) (Run, error) {
	var r Run
	var err error
	if r.Config, err = ReadConfig(dir); err != nil {
		return r, err
	}
	r.Config.Out = dir
	switch err := readJSON(Path(dir, SummaryFile), &r.Summary, MaxSummaryBytes); {
	case err == nil:
		r.Finished = true
	case !errors.Is(err, fs.ErrNotExist):
		return r, err
	}
	var d Divergence
	switch err := readJSON(Path(dir, DivergedFile), &d, MaxDivergedBytes); {
	case err == nil:
		r.Diverged = &d
	case !errors.Is(err, fs.ErrNotExist):
		return r, err
	}
	err = readJSONL(Path(dir, MetricsFile), &r.Epochs)
	if err != nil && (r.Finished || !errors.Is(err, fs.ErrNotExist)) {
		return r, err
	}
	if err := readJSONL(Path(dir, DiagFile), &r.Diags); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return r, err
	}
	return r, nil
}

// Gather loads every run directory (a directory holding config.json) that
// is one of dirs or lies below one, each once, in lexical order of path
// within each of dirs. Run directories do not nest: Gather does not look
// inside one. Directories whose names begin with "." are skipped. A dir
// that holds no run is an error, as is any run Load refuses.
func Gather(dirs ...string) ([]Run, error) {
	var rs []Run
	seen := map[string]bool{}
	for _, d := range dirs {
		found := 0
		err := filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !e.IsDir() {
				return nil
			}
			if p != d && strings.HasPrefix(e.Name(), ".") {
				return filepath.SkipDir
			}
			if !HoldsRun(p) {
				return nil
			}
			found++
			abs, err := filepath.Abs(p)
			if err != nil {
				return err
			}
			if !seen[abs] {
				seen[abs] = true
				r, err := Load(p)
				if err != nil {
					return err
				}
				rs = append(rs, r)
			}
			return filepath.SkipDir
		})
		if err != nil {
			return nil, err
		}
		if found == 0 {
			return nil, fmt.Errorf("%s: no run directories in it (none holds a %s)", d, ConfigFile)
		}
	}
	return rs, nil
}

// ReadConfig reads dir's config.json (at most MaxConfigBytes). Keys it
// lacks (a run written by an older credit, before the key existed) keep
// their config.Default values, so the run means what it meant when it was
// written. A decoding error names the file and the line.
func ReadConfig(dir string) (config.Config, error) {
	c := config.Default()
	err := readJSON(Path(dir, ConfigFile), &c, MaxConfigBytes)
	return c, err
}

// parseConfig decodes a config.json's bytes as ReadConfig does (the fuzz
// target's entry).
func parseConfig(path string, b []byte) (config.Config, error) {
	c := config.Default()
	err := decodeJSON(path, b, &c)
	return c, err
}

// ReadReconstructions reads dir's reconstructions.json.
func ReadReconstructions(dir string) (*Reconstructions, error) {
	var r Reconstructions
	if err := readJSON(Path(dir, ReconstructionsFile), &r, MaxReconstructionsBytes); err != nil {
		return nil, err
	}
	return &r, nil
}

// ReadCodes reads dir's codes.csv: its header (z1,…,zk,label) and rows.
// Errors name the file.
func ReadCodes(dir string) (header []string, rows [][]string, err error) {
	path := Path(dir, CodesFile)
	b, err := readCapped(path, MaxCodesBytes)
	if err != nil {
		return nil, nil, err
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", path, err)
	}
	if len(recs) == 0 {
		return nil, nil, fmt.Errorf("%s: empty", path)
	}
	return recs[0], recs[1:], nil
}

// readCapped reads the file path, refusing one of more than max bytes
// (by its size if it is a regular file, else after reading max+1) with an
// error naming it.
func readCapped(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	tooBig := func(n int64) error {
		return fmt.Errorf("%s: %d bytes or more, beyond the %d such a file can hold", path, n, max)
	}
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > max {
		return nil, tooBig(st.Size())
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if int64(len(b)) > max {
		return nil, tooBig(int64(len(b)))
	}
	return b, nil
}

// readJSON decodes the JSON file path (at most max bytes) into v; a
// decoding error names the file and the line.
func readJSON(path string, v any, max int64) error {
	b, err := readCapped(path, max)
	if err != nil {
		return err
	}
	return decodeJSON(path, b, v)
}

func decodeJSON(path string, b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: line %d: %v", path, lineOf(b, err), err)
	}
	return nil
}

// lineOf returns the 1-based line of b where the JSON error err occurred
// (line 1 if err carries no offset).
func lineOf(b []byte, err error) int {
	var off int64
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	}
	off = min(max(off, 0), int64(len(b)))
	return 1 + bytes.Count(b[:off], []byte("\n"))
}

// readJSONL appends one value per line of the file path to dst; blank
// lines are skipped, and so is a last line without its newline (a writer
// may be writing it). A line longer than MaxLineBytes, a file longer than
// MaxJSONLBytes or a malformed line is an error naming the file and line.
func readJSONL[T any](path string, dst *[]T) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > MaxJSONLBytes {
		return fmt.Errorf("%s: %d bytes, beyond the %d such a file can hold", path, st.Size(), int64(MaxJSONLBytes))
	}
	r := bufio.NewReaderSize(f, 64<<10)
	var total int64
	var line []byte
	for n := 1; ; n++ {
		line = line[:0]
		var err error
		for {
			var frag []byte
			frag, err = r.ReadSlice('\n')
			line = append(line, frag...)
			if len(line) > MaxLineBytes {
				return fmt.Errorf("%s: line %d: longer than %d bytes, more than such a line holds", path, n, MaxLineBytes)
			}
			if err != bufio.ErrBufferFull {
				break
			}
		}
		total += int64(len(line))
		if total > MaxJSONLBytes {
			return fmt.Errorf("%s: more than %d bytes, beyond what such a file can hold", path, int64(MaxJSONLBytes))
		}
		if err == io.EOF {
			return nil // a last line without its newline is still being written
		}
		if err != nil {
			return fmt.Errorf("%s: line %d: %v", path, n, err)
		}
		if len(bytes.TrimSpace(line)) > 0 {
			var v T
			if err := json.Unmarshal(line, &v); err != nil {
				return fmt.Errorf("%s: line %d: %v", path, n, err)
			}
			*dst = append(*dst, v)
		}
	}
}
