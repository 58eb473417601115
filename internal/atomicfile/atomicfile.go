// Package atomicfile writes files so that a reader never sees a partial
// one: every run directory, checkpoint, table and figure goes through it.
package atomicfile

import (
	"io"
	"os"
	"path/filepath"
)

// Write lets write fill a temporary file in path's directory (mode 0644),
// syncs it and renames it over path, then syncs the directory, so a reader
// never sees a half-written file and a crash or a failing write leaves the
// previous version intact. The temporary file is removed on failure.
func Write(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err = tmp.Chmod(0o644); err == nil {
		err = write(tmp)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// Make the rename itself durable; some file systems cannot sync a
	// directory, and the file is complete either way.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// WriteBytes writes b to path with Write.
func WriteBytes(path string, b []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}
