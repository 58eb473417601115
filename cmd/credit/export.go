package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/creditlab/credit/export"
	"github.com/creditlab/credit/internal/atomicfile"
	"github.com/creditlab/credit/rundir"
)

// exportCmd writes a run's tensors as a NumPy .npz and its metrics as CSV
// (credit export DIR [--npz FILE] [--csv FILE]). It only reads DIR.
func exportCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("credit export", flag.ContinueOnError)
	npz := fs.String("npz", "", "write the weights, biases, feedback matrices and learner state to `FILE` (default: DIR's name.npz here)")
	csvOut := fs.String("csv", "", "write the metrics, one row per epoch and hidden layer, to `FILE` (default: DIR's name.csv here)")
	dir, err := parseOne(fs, args, stdout, "usage: credit export DIR [--npz FILE] [--csv FILE]", "a run directory")
	if err != nil {
		return err
	}
	if !rundir.HoldsRun(dir) {
		return fmt.Errorf("export: %s: not a run directory (it holds no %s)", dir, rundir.ConfigFile)
	}
	name := filepath.Base(filepath.Clean(dir))
	if *npz == "" {
		*npz = name + ".npz"
	}
	if *csvOut == "" {
		*csvOut = name + ".csv"
	}
	for flagName, p := range map[string]string{"--npz": *npz, "--csv": *csvOut} {
		if inside(dir, p) {
			return fmt.Errorf("%s: %s is inside the run directory %s; export never writes there", flagName, p, dir)
		}
	}
	m, err := export.Read(dir)
	if err != nil {
		return fmt.Errorf("export: %v", err)
	}
	r, err := rundir.Load(dir)
	if err != nil {
		return fmt.Errorf("export: %v", err)
	}
	if err := atomicfile.Write(*npz, func(w io.Writer) error { return export.WriteNPZ(w, m) }); err != nil {
		return fmt.Errorf("--npz: %v", err)
	}
	if err := atomicfile.Write(*csvOut, func(w io.Writer) error { return export.WriteCSV(w, r) }); err != nil {
		return fmt.Errorf("--csv: %v", err)
	}
	at := fmt.Sprintf("after epoch %d", m.Epoch)
	if m.Step > 0 {
		at += fmt.Sprintf(" and %d steps of epoch %d", m.Step, m.Epoch+1)
	}
	fmt.Fprintf(stdout, "wrote %s (%d tensors, the checkpoint %s) and %s (%d epochs)\n",
		*npz, len(m.Tensors), at, *csvOut, len(r.Epochs))
	return nil
}

// inside reports whether path lies in dir (or is dir).
func inside(dir, path string) bool {
	d, err1 := filepath.Abs(dir)
	p, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return false
	}
	if e, err := filepath.EvalSymlinks(d); err == nil {
		d = e
	}
	if e, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
		p = filepath.Join(e, filepath.Base(p))
	}
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
