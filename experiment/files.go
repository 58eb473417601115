package experiment

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/configs"
	"github.com/creditlab/credit/internal/atomicfile"
	"github.com/creditlab/credit/rundir"
	"github.com/creditlab/credit/sweep"
)

// The experiments of configs/: E1 (the linear theory check), E2 (a:
// feedback learned with W frozen; b: W and B learned together; e2 runs
// both), E3 (the MNIST autoencoder), E4 (the CIFAR-10 CNN) and the zoo
// (every rule on three networks), and BioTorch's CIFAR-10 benchmark
// (ResNet-20 and LeNet). Their reports are package analysis's.
func init() {
	for _, name := range []string{"e1", "e2a", "e2b", "e3", "e4", "zoo", "biotorch"} {
		fromFile(name)
	}
	alias("e2", "e2a", "e2b")
}

// fromFile registers the experiment of the embedded file
// configs/<name>.yaml, without a report (see RegisterReport). A broken file
// stops the program at start rather than an hour into a run.
func fromFile(name string) {
	path := name + ".yaml"
	src, err := configs.FS.ReadFile(path)
	if err != nil {
		panic(err)
	}
	f, err := sweep.Parse(filepath.Join("configs", path), src)
	if err != nil {
		panic(err)
	}
	e, err := FileExperiment(f, nil)
	if err != nil {
		panic(err)
	}
	Register(e)
}

// E4Small returns the first run of E4's quick scale as configs/e4.yaml
// gives it (bp, seed 1, no run directory): the E4-small network and its
// training setup, for the benchmarks (configs/zoo.yaml repeats it).
func E4Small() config.Config {
	es, _ := Lookup("e4")
	return es[0].Runs(Quick)[0].Config
}

// FileExperiment is the experiment of a file: its runs at each scale are
// the file's at the scale of that name, all checked here. report may be
// nil, to be set later (RegisterReport).
func FileExperiment(f *sweep.File, report func(dir string, rs []Result) (string, error)) (*Experiment, error) {
	runs := map[Scale][]Run{}
	scales := []Scale{Quick, Full}
	for _, s := range f.Scales() {
		if !slices.Contains(scales, Scale(s)) {
			scales = append(scales, Scale(s))
		}
	}
	for _, s := range scales {
		pts, err := f.Expand(string(s))
		if err != nil {
			return nil, err
		}
		runs[s] = fileRuns(pts)
	}
	return &Experiment{
		Name: f.Name, Title: f.Title, Report: report, Scales: scales,
		Runs: func(s Scale) []Run { return append([]Run(nil), runs[s]...) },
	}, nil
}

// fileRuns turns a file's runs into runs, not yet placed (Config.Out
// empty).
func fileRuns(pts []sweep.Point) []Run {
	runs := make([]Run, len(pts))
	for i, p := range pts {
		runs[i] = Run{Group: p.Group, Config: p.Config}
	}
	return runs
}

// place puts each run in dir/runs/<name>, name being sweep.RunName of its
// group and seed.
func place(runs []Run, dir string) []Run {
	for i, r := range runs {
		runs[i].Config.Out = filepath.Join(dir, "runs", sweep.RunName(r.Group, r.Config.Seed))
	}
	return runs
}

// SweepOptions control a sweep.
type SweepOptions struct {
	Scale string    // the file's scale ("" for its top-level settings)
	Dir   string    // the sweep's directory: runs go to Dir/runs/<name>
	Jobs  int       // runs trained at once
	Index int       // run only the run of this index (a job array's task id); -1 for all
	Log   io.Writer // progress lines; nil for silence
}

// SweepRuns returns the runs of f at scale, placed in dir/runs/<name>.
func SweepRuns(f *sweep.File, scale, dir string) ([]Run, error) {
	pts, err := f.Expand(scale)
	if err != nil {
		return nil, err
	}
	return place(fileRuns(pts), dir), nil
}

// Sweep runs the runs of f (all, or the one of o.Index) with RunAll,
// after keeping a copy of the file as o.Dir/sweep.yaml. Everything is
// checked before anything is written: a wrong file or option, or a run
// directory holding a finished run with other settings (see Finished),
// leaves o.Dir as it was. ctx stops the sweep as it stops RunAll.
func Sweep(ctx context.Context, f *sweep.File, o SweepOptions) error {
	runs, err := SweepRuns(f, o.Scale, o.Dir)
	if err != nil {
		return err
	}
	if o.Index >= len(runs) || o.Index < -1 {
		return fmt.Errorf("--index: %d is out of range (the sweep has %d runs, 0 to %d)", o.Index, len(runs), len(runs)-1)
	}
	if o.Index >= 0 {
		runs, o.Jobs = runs[o.Index:o.Index+1], 1
	}
	if o.Jobs < 1 {
		return fmt.Errorf("--jobs: must be at least 1, got %d", o.Jobs)
	}
	todo, err := unfinished(runs)
	if err != nil {
		return err
	}
	if err := writeSource(f, o.Dir); err != nil {
		return err
	}
	if o.Log != nil && o.Index < 0 {
		fmt.Fprintf(o.Log, "%s: %d runs, %d at a time, in %s\n", f.Path, len(runs), min(o.Jobs, len(runs)), o.Dir)
	}
	return runTodo(ctx, runs, todo, o.Jobs, o.Log)
}

// State describes r's directory: "finished", "unfinished" (an interrupted
// run, to be continued or trained again by RunAll), "to run", or "other settings" (a finished run
// that Finished refuses).
func State(r Run) string {
	done, err := Finished(r)
	switch {
	case err != nil:
		return "other settings"
	case done:
		return "finished"
	}
	if _, err := os.Stat(rundir.Path(r.Config.Out, rundir.DivergedFile)); err == nil {
		return "diverged"
	}
	if _, err := os.Stat(r.Config.Out); err == nil {
		return "unfinished"
	}
	return "to run"
}

// writeSource keeps a copy of f's text as dir/sweep.yaml.
func writeSource(f *sweep.File, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out: %v", err)
	}
	return atomicfile.WriteBytes(filepath.Join(dir, "sweep.yaml"), f.Source())
}

// EmitSlurm writes dir/sweep.sbatch, an sbatch script that runs the runs of
// f at scale as a Slurm job array (see sweep.Slurm), with a copy of f as
// dir/sweep.yaml for the tasks to read, and creates dir/slurm/ for their
// logs. credit is the binary the tasks run; dir and credit are made
// absolute. It returns the script's path. As Sweep, it writes nothing when
// a run directory holds a finished run with other settings.
func EmitSlurm(f *sweep.File, scale, dir, credit string, cpusPerTask int) (string, error) {
	if cpusPerTask < 1 {
		return "", fmt.Errorf("--cpus-per-task: must be at least 1, got %d", cpusPerTask)
	}
	runs, err := SweepRuns(f, scale, dir)
	if err != nil {
		return "", err
	}
	if _, err := unfinished(runs); err != nil {
		return "", err
	}
	if dir, err = filepath.Abs(dir); err == nil {
		credit, err = filepath.Abs(credit)
	}
	if err != nil {
		return "", err
	}
	if err := writeSource(f, dir); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Join(dir, "slurm"), 0o755); err != nil {
		return "", fmt.Errorf("--out: %v", err)
	}
	s := sweep.Slurm{Name: f.Name, Runs: len(runs), CPUsPerTask: cpusPerTask, Credit: credit,
		File: filepath.Join(dir, "sweep.yaml"), Scale: scale, Dir: dir}
	path := filepath.Join(dir, "sweep.sbatch")
	return path, atomicfile.WriteBytes(path, []byte(s.Script()))
}
