// Package experiment is the registry of experiments and their runner: the
// paper's experiments (SPEC §5) and the zoo, each an embedded file of
// package configs, registered by name; RunAll, which trains runs with
// bounded parallelism and stops at a checkpoint when its context ends;
// Reproduce and Sweep, which place an experiment's or a file's runs in a
// directory and run them.
//
// An experiment is a list of runs, each a group label (what the report
// compares, such as "np c=1e-3") and a config.Config, plus a report. Runs
// go to DIR/runs/<group>-seed<k>/; a run whose summary.json exists is
// skipped and one with a checkpoint continues from it, so an interrupted
// reproduction continues where it stopped.
//
// The reports are not here: package analysis holds them (tables,
// figures, the common report of `credit report`) and, as it imports this
// package for Result and Lookup, it gives each experiment its report
// function from its init by RegisterReport, as image/png registers its
// decoder with package image. A program that reproduces experiments
// imports analysis (cmd/credit does); Reproduce refuses, before training
// anything, an experiment that has no report. Run directories are read
// back by Load and Gather (rundir.go).
package experiment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/rundir"
	"github.com/creditlab/credit/tensor"
	"github.com/creditlab/credit/train"
)

// Scale chooses an experiment's size: Quick (also called "small")
// finishes in minutes to an hour on 2 cores; Full follows the paper's
// schedule.
type Scale string

// The scales.
const (
	Quick Scale = "quick"
	Full  Scale = "full"
)

// Run is one training run of an experiment.
type Run struct {
	Group  string // what the report compares, e.g. "np c=1e-3"
	Config config.Config
}

// Experiment is a named reproduction.
type Experiment struct {
	Name  string
	Title string
	// Runs lists the runs at a scale; Config.Out is set by Reproduce.
	Runs func(Scale) []Run
	// Scales lists the scales Runs knows beyond Quick and Full (an
	// experiment file's own, such as E4's medium).
	Scales []Scale
	// Report writes tables and figures into dir from the finished runs
	// and returns the table to print. Package analysis sets it for the
	// experiments of configs/ (see RegisterReport); its reports also write
	// the common report of `credit report` into dir/report.
	Report func(dir string, rs []Result) (string, error)
}

var registry = map[string][]*Experiment{}

// Register adds e to the experiments under e.Name, replacing any of that
// name.
func Register(e *Experiment) { registry[e.Name] = []*Experiment{e} }

// RegisterReport makes report the Report of the experiment registered
// under name (an experiment, not an alias such as e2). Package analysis
// calls it from its init for each experiment of configs/. It panics when
// no such experiment exists: a program error, found at start.
func RegisterReport(name string, report func(dir string, rs []Result) (string, error)) {
	es := registry[name]
	if len(es) != 1 || es[0].Name != name {
		panic(fmt.Sprintf("experiment.RegisterReport: no experiment %q", name))
	}
	es[0].Report = report
}

// alias makes name run several experiments in turn.
func alias(name string, of ...string) {
	var es []*Experiment
	for _, o := range of {
		es = append(es, registry[o]...)
	}
	registry[name] = es
}

// Names returns the experiment names, sorted.
func Names() []string {
	return slices.Sorted(maps.Keys(registry))
}

// Lookup returns the experiments run under name.
func Lookup(name string) ([]*Experiment, error) {
	es, ok := registry[name]
	if !ok {
		return nil, fmt.Errorf("unknown experiment %q (want one of %v)", name, Names())
	}
	return es, nil
}

// Result is a run read back from its directory (see rundir.Load) with
// the label of its group (empty for a run not read as an experiment's).
type Result struct {
	Group string
	rundir.Run
}

// Gather is rundir.Gather with each run as a Result of no group.
func Gather(dirs ...string) ([]Result, error) {
	runs, err := rundir.Gather(dirs...)
	rs := make([]Result, len(runs))
	for i, r := range runs {
		rs[i].Run = r
	}
	return rs, err
}

// Options control a reproduction.
type Options struct {
	Scale Scale
	Dir   string    // output directory; its runs/ holds one directory per run
	Jobs  int       // runs trained at once, each with GOMAXPROCS/Jobs kernel threads (see RunAll)
	Log   io.Writer // progress lines; nil for silence
}

// Reproduce runs the experiment named name (or each experiment of an
// alias) and writes its report. Each experiment goes in its own
// subdirectory of o.Dir when name is an alias. Everything is checked
// before anything is written: the name, the options, that each experiment
// has a report, and that no run's directory holds a finished run with
// other settings (see Finished). When ctx ends, the runs in progress stop
// at a checkpoint, no other run starts, and Reproduce returns a *Stopped
// error; calling it again continues.
func Reproduce(ctx context.Context, name string, o Options) error {
	es, err := Lookup(name)
	if err != nil {
		return err
	}
	if o.Scale == "small" {
		o.Scale = Quick // E4 calls its reduced scale "small"
	}
	for _, e := range es {
		if o.Scale != Quick && o.Scale != Full && !slices.Contains(e.Scales, o.Scale) {
			var names []string
			for _, s := range e.Scales {
				if s != Quick && s != Full && s != "small" {
					names = append(names, string(s))
				}
			}
			want := "quick, small or full"
			if len(names) > 0 {
				want = "quick, small, " + strings.Join(names, ", ") + " or full"
			}
			return fmt.Errorf("--scale: unknown scale %q for %s (want %s)", o.Scale, e.Name, want)
		}
	}
	if o.Jobs < 1 {
		return fmt.Errorf("--jobs: must be at least 1, got %d", o.Jobs)
	}
	type job struct {
		e    *Experiment
		dir  string
		runs []Run
		todo []int
	}
	var jobs []job
	for _, e := range es {
		if e.Report == nil {
			return fmt.Errorf("%s: no report registered (import github.com/creditlab/credit/analysis)", e.Name)
		}
		dir := o.Dir
		if len(es) > 1 {
			dir = filepath.Join(o.Dir, e.Name)
		}
		runs := place(e.Runs(o.Scale), dir)
		todo, err := unfinished(runs)
		if err != nil {
			return fmt.Errorf("%s: %v", e.Name, err)
		}
		jobs = append(jobs, job{e, dir, runs, todo})
	}
	for _, j := range jobs {
		if err := reproduce(ctx, j.e, j.dir, j.runs, j.todo, o); err != nil {
			var stop *Stopped
			if errors.As(err, &stop) {
				return err
			}
			return fmt.Errorf("%s: %v", j.e.Name, err)
		}
	}
	return nil
}

// reproduce trains e's runs placed in dir (todo: those not finished) and
// writes e's report.
func reproduce(ctx context.Context, e *Experiment, dir string, runs []Run, todo []int, o Options) error {
	if o.Log != nil {
		fmt.Fprintf(o.Log, "%s (%s): %d runs, %d at a time, in %s\n", e.Title, o.Scale, len(runs), o.Jobs, dir)
	}
	if err := runTodo(ctx, runs, todo, o.Jobs, o.Log); err != nil {
		return err
	}
	rs := make([]Result, len(runs))
	for i, r := range runs {
		res, err := rundir.Load(r.Config.Out)
		if err != nil {
			return err
		}
		if !res.Finished {
			return fmt.Errorf("run %s: no %s", r.Config.Out, rundir.SummaryFile)
		}
		rs[i] = Result{Group: r.Group, Run: res}
	}
	table, err := e.Report(dir, rs)
	if err != nil {
		return err
	}
	if o.Log != nil {
		fmt.Fprintf(o.Log, "\n%s\nTables and figures are in %s, the common report (credit report) in %s\n", table, dir, filepath.Join(dir, "report"))
	}
	return nil
}

// Stopped is the error of RunAll, Sweep and Reproduce when their context
// ended: the runs in progress finished their step and wrote their
// checkpoint, and no other run started. Running the same runs again
// continues: finished runs are skipped, stopped ones resume from their
// checkpoints.
type Stopped struct {
	Cause      error    // context.Cause of the context
	Runs       int      // runs asked for
	Done       int      // runs finished, those skipped included
	Stopped    []string // the directories of the runs stopped at a checkpoint
	NotStarted int      // runs not begun
}

func (e *Stopped) Error() string {
	return fmt.Sprintf("stopped (%v) with %d of %d runs finished, %d stopped at a checkpoint and %d not started", e.Cause, e.Done, e.Runs, len(e.Stopped), e.NotStarted)
}

func (e *Stopped) Unwrap() error { return e.Cause }

// RunAll trains runs, jobs at a time, each into its Config.Out, and
// returns the first error. A run whose directory already holds a finished
// run with the same settings is skipped (see Finished); one left by an
// interrupted run continues from its checkpoint if it has the same
// settings, and is cleared and trained again otherwise. A finished run
// with other settings is refused before anything is trained. Runs trained
// side by side share the cores: each run's kernels get GOMAXPROCS / (runs
// at once) threads, so goroutines are not stacked on busy cores. When ctx
// ends, the runs in progress finish their step and write their checkpoint
// (train.RunContext), no other run starts, and RunAll returns a *Stopped.
// Progress lines go to log (nil for silence); each run's own output to its
// train.log.
func RunAll(ctx context.Context, runs []Run, jobs int, log io.Writer) error {
	if jobs < 1 {
		return fmt.Errorf("--jobs: must be at least 1, got %d", jobs)
	}
	todo, err := unfinished(runs)
	if err != nil {
		return err
	}
	return runTodo(ctx, runs, todo, jobs, log)
}

// unfinished returns the indices of the runs not finished, or the error of
// Finished for the first run whose directory holds a finished run with
// other settings.
func unfinished(runs []Run) ([]int, error) {
	var todo []int
	for i, r := range runs {
		done, err := Finished(r)
		if err != nil {
			return nil, err
		}
		if !done {
			todo = append(todo, i)
		}
	}
	return todo, nil
}

// runTodo is RunAll for the runs of index todo, the others being finished.
func runTodo(ctx context.Context, runs []Run, todo []int, jobs int, log io.Writer) error {
	if len(runs) > len(todo) && log != nil {
		fmt.Fprintf(log, "  %d of %d runs already finished\n", len(runs)-len(todo), len(runs))
	}
	jobs = min(jobs, len(todo))
	if jobs > 1 {
		defer tensor.SetThreads(tensor.SetThreads(max(1, runtime.GOMAXPROCS(0)/jobs)))
	}
	var (
		mu      sync.Mutex
		first   error
		stopped []string
		wg      sync.WaitGroup
		next    = make(chan int)
		done    int // runs ended, however
		ok      int // runs finished
		started int
		start   = time.Now()
	)
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				mu.Lock()
				if ctx.Err() != nil {
					mu.Unlock()
					continue // not begun: no new run starts once ctx ends
				}
				started++
				mu.Unlock()
				sum, err := runOne(ctx, runs[i])
				mu.Lock()
				var stop *train.Stopped
				switch {
				case errors.As(err, &stop):
					stopped = append(stopped, runs[i].Config.Out)
				case err != nil && first == nil:
					first = fmt.Errorf("run %s: %v", runs[i].Config.Out, err)
				}
				done++
				if err == nil {
					ok++
				}
				if log != nil {
					fmt.Fprintf(log, "  [%d/%d %s] %s seed %d: %s\n", done, len(todo), time.Since(start).Round(time.Second), runs[i].Group, runs[i].Config.Seed, status(sum, err))
				}
				mu.Unlock()
			}
		}()
	}
	for _, i := range todo {
		mu.Lock()
		stop := first != nil || ctx.Err() != nil
		mu.Unlock()
		if stop {
			break
		}
		select {
		case next <- i:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
	if first != nil {
		return first
	}
	if ctx.Err() != nil && ok < len(todo) {
		return &Stopped{Cause: context.Cause(ctx), Runs: len(runs), Done: len(runs) - len(todo) + ok, Stopped: stopped, NotStarted: len(todo) - started}
	}
	return nil
}

// Finished reports whether r.Config.Out holds a finished run
// (summary.json). It is an error when that run's config.json differs from
// r.Config in anything but the directory: the directory belongs to other
// settings, and skipping it would mix them into r's results.
func Finished(r Run) (bool, error) {
	if !rundir.IsFinished(r.Config.Out) {
		return false, nil
	}
	diff, err := otherSettings(r)
	if err != nil {
		return false, err
	}
	if diff != "" {
		return false, fmt.Errorf("%s holds a finished run with other settings (%s); remove it or choose another directory", r.Config.Out, diff)
	}
	return true, nil
}

// otherSettings reads the config.json in r's directory and names the first
// setting (in key order) in which it differs from r.Config, the directory
// aside ("lr 0.001 there, 0.002 here"); "" when it holds r's settings.
func otherSettings(r Run) (string, error) {
	had, err := rundir.ReadConfig(r.Config.Out)
	if err != nil {
		return "", err
	}
	had.Out = r.Config.Out
	if had == r.Config {
		return "", nil
	}
	if d := config.Diff(had, r.Config, "out"); d != nil {
		return fmt.Sprintf("%s %s there, %s here", d[0].Key, d[0].A, d[0].B), nil
	}
	return rundir.ConfigFile + " differs", nil
}

// status describes how a run ended: its final test error, or its test
// loss when it has none (regression), or the error that stopped it.
func status(s *rundir.Summary, err error) string {
	var stop *train.Stopped
	if errors.As(err, &stop) {
		at := fmt.Sprintf("after step %d of %d in epoch %d", stop.Step, stop.PerEpoch, stop.Epoch)
		if stop.Step == 0 {
			at = fmt.Sprintf("at the end of epoch %d", stop.Epoch-1)
		}
		return fmt.Sprintf("stopped (%v) %s, checkpoint written", stop.Cause, at)
	}
	if err != nil {
		return "failed: " + err.Error()
	}
	if e := float64(s.TestError); e == e {
		return fmt.Sprintf("test error %.2f%%", 100*e)
	}
	return fmt.Sprintf("test loss %.4g", float64(s.TestLoss))
}

// runOne trains r, which has not finished. A run interrupted earlier
// continues from its checkpoint if its config.json holds r's settings; any
// other directory is cleared first. The run's own progress goes to its
// train.log. It returns the run's summary.
func runOne(ctx context.Context, r Run) (*rundir.Summary, error) {
	if resumable(r) {
		f, err := os.OpenFile(rundir.Path(r.Config.Out, rundir.LogFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return train.Resume(ctx, r.Config.Out, 0, f)
	}
	if err := empty(r.Config.Out); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(r.Config.Out, 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(rundir.Path(r.Config.Out, rundir.LogFile))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return train.RunContext(ctx, r.Config, f)
}

// empty empties dir, holding its lock meanwhile, so that a directory
// another process is writing is refused rather than wiped. A missing dir
// is fine.
func empty(dir string) error {
	l, err := rundir.LockDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer l.Unlock()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// resumable reports whether r's directory holds a checkpoint of a run with
// r's settings.
func resumable(r Run) bool {
	if !rundir.HasCheckpoint(r.Config.Out) {
		return false
	}
	diff, err := otherSettings(r)
	return err == nil && diff == ""
}
