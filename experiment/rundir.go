package experiment

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/creditlab/credit/config"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Load reads the run directory dir (see train.Run): config.json, then
// summary.json if the run finished, metrics.jsonl and diag.jsonl if it
// exists. The result's Config.Out is dir, where the run is now (it may have
// been moved since training); its Group is empty. An unfinished run may
// lack metrics.jsonl (it stopped before its first line). A missing
// config.json, a malformed file or a finished run without metrics.jsonl is
// an error naming the file and, for bad JSON, the line.
func Load(dir string) (Result, error) {
	res := Result{Run: Run{Config: config.Default()}} // keys an older credit did not write keep their defaults (train.ReadConfig)
	if err := readJSON(filepath.Join(dir, "config.json"), &res.Config); err != nil {
		return res, err
	}
	res.Config.Out = dir
	switch err := readJSON(filepath.Join(dir, "summary.json"), &res.Summary); {
	case err == nil:
		res.Finished = true
	case !errors.Is(err, fs.ErrNotExist):
		return res, err
	}
	err := readJSONL(filepath.Join(dir, "metrics.jsonl"), &res.Epochs)
	if err != nil && (res.Finished || !errors.Is(err, fs.ErrNotExist)) {
		return res, err
	}
	if err := readJSONL(filepath.Join(dir, "diag.jsonl"), &res.Diags); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return res, err
	}
	return res, nil
}

// Gather loads every run directory (a directory holding config.json) that
// is one of dirs or lies below one, each once, in lexical order of path
// within each of dirs. Run directories do not nest: Gather does not look
// inside one. Directories whose names begin with "." are skipped. A dir
// that holds no run is an error, as is any run Load refuses.
func Gather(dirs ...string) ([]Result, error) {
	var rs []Result
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
			if _, err := os.Stat(filepath.Join(p, "config.json")); err != nil {
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
			return nil, fmt.Errorf("%s: no run directories in it (none holds a config.json)", d)
		}
	}
	return rs, nil
}

// readJSON decodes the JSON file path into v; a decoding error names the
// file and the line.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
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
// lines are skipped. A malformed line is an error naming the file and line.
func readJSONL[T any](path string, dst *[]T) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for line := 1; ; line++ {
		b, err := r.ReadBytes('\n')
		if err != nil && err != io.EOF {
			return fmt.Errorf("%s: line %d: %v", path, line, err)
		}
		if len(bytes.TrimSpace(b)) > 0 {
			var v T
			if err := json.Unmarshal(b, &v); err != nil {
				return fmt.Errorf("%s: line %d: %v", path, line, err)
			}
			*dst = append(*dst, v)
		}
		if err == io.EOF {
			return nil
		}
	}
}
