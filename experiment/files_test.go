package experiment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/creditlab/credit/config"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/creditlab/credit/rundir"
	"github.com/creditlab/credit/sweep"
	"github.com/creditlab/credit/train"
)

// goldenRuns reads a testdata file of the runs the deleted Go
// definitions produced (experiment → scale → runs, each configuration as
// its differences from config.Default) as runs.
func goldenRuns(t *testing.T, file string) map[string]map[Scale][]Run {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]map[Scale][]struct {
		Group  string          `json:"group"`
		Config json.RawMessage `json:"config"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	golden := map[string]map[Scale][]Run{}
	for name, scales := range raw {
		golden[name] = map[Scale][]Run{}
		for scale, runs := range scales {
			golden[name][scale] = make([]Run, 0, len(runs))
			for _, r := range runs {
				c := config.Default()
				if err := json.Unmarshal(r.Config, &c); err != nil {
					t.Fatal(err)
				}
				golden[name][scale] = append(golden[name][scale], Run{Group: r.Group, Config: c})
			}
		}
	}
	return golden
}

// The paper's experiments, now files in configs/, describe exactly the
// runs that their Go definitions did: testdata/paper_runs.json holds those
// runs as the Go code produced them before it was deleted (each
// configuration as its differences from train.Default, so keys added
// since take their defaults on both sides). The files list runs variant
// by variant with the seeds innermost where some Go lists looped over
// seeds outermost, so the runs are compared as sets, and the groups, which
// the reports show in order of first appearance, in order.
func TestPaperFilesEqualGoRuns(t *testing.T) {
	golden := goldenRuns(t, "testdata/paper_runs.json")
	key := func(r Run) string {
		b, _ := json.Marshal(r.Config)
		return r.Group + " " + string(b)
	}
	for name, scales := range golden {
		es, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		for scale, want := range scales {
			var wantKeys, gotKeys []string
			var wantGroups, gotGroups []string
			for _, w := range want {
				wantKeys = append(wantKeys, key(w))
				if !slices.Contains(wantGroups, w.Group) {
					wantGroups = append(wantGroups, w.Group)
				}
			}
			for _, r := range es[0].Runs(scale) {
				gotKeys = append(gotKeys, key(r))
				if !slices.Contains(gotGroups, r.Group) {
					gotGroups = append(gotGroups, r.Group)
				}
			}
			slices.Sort(wantKeys)
			slices.Sort(gotKeys)
			id := fmt.Sprintf("%s %s", name, scale)
			if len(gotKeys) != len(wantKeys) {
				t.Errorf("%s: %d runs, want %d", id, len(gotKeys), len(wantKeys))
				continue
			}
			for i := range wantKeys {
				if gotKeys[i] != wantKeys[i] {
					t.Errorf("%s: run\n%s\nwant\n%s", id, gotKeys[i], wantKeys[i])
				}
			}
			if !slices.Equal(gotGroups, wantGroups) {
				t.Errorf("%s: groups %q, want %q", id, gotGroups, wantGroups)
			}
		}
	}
	if len(golden) != 5 {
		t.Errorf("golden file holds %d experiments, want 5", len(golden))
	}
}

// configs/zoo.yaml describes, run by run, the runs that zoo.go's Go code
// built before it was deleted: testdata/zoo_runs.json holds those (as
// differences from config.Default). Runs are matched by their directory
// (group and seed) and their settings compared whole; the groups, which
// the reports show in order of first appearance, come in the same order.
// (The file lists the seeds innermost, the Go code outermost: only the
// order of training differs.) Groups added since (rules added to the zoo,
// such as issue 14's, and np on the CNN) may come between them; a run of
// a group the Go code had must be one of its runs.
func TestZooFileEqualsGoRuns(t *testing.T) {
	golden := goldenRuns(t, "testdata/zoo_runs.json")
	es, err := Lookup("zoo")
	if err != nil {
		t.Fatal(err)
	}
	for _, scale := range []Scale{Quick, Full} {
		want := golden["zoo"][scale]
		if len(want) == 0 {
			t.Fatalf("%s: no golden runs", scale)
		}
		wantBy := map[string]config.Config{}
		var wantGroups, gotGroups []string
		for _, w := range want {
			wantBy[sweep.RunName(w.Group, w.Config.Seed)] = w.Config
			if !slices.Contains(wantGroups, w.Group) {
				wantGroups = append(wantGroups, w.Group)
			}
		}
		got := place(es[0].Runs(scale), "d")
		found := 0
		for _, r := range got {
			if !slices.Contains(wantGroups, r.Group) {
				continue // a group added since
			}
			name := filepath.Base(r.Config.Out)
			w, ok := wantBy[name]
			r.Config.Out = ""
			switch {
			case !ok:
				t.Errorf("%s: run %s is not one of the Go code's", scale, name)
			case r.Config != w:
				gb, _ := json.Marshal(r.Config)
				wb, _ := json.Marshal(w)
				t.Errorf("%s %s:\n%s\nwant\n%s", scale, name, gb, wb)
			default:
				found++
			}
			if !slices.Contains(gotGroups, r.Group) {
				gotGroups = append(gotGroups, r.Group)
			}
		}
		if found != len(want) {
			t.Errorf("%s: %d of the Go code's %d runs", scale, found, len(want))
		}
		if !slices.Equal(gotGroups, wantGroups) {
			t.Errorf("%s: groups %q, want %q", scale, gotGroups, wantGroups)
		}
	}
}

// tinySweep is a sweep of 2 rules × 2 seeds on the linear teacher, about
// 0.1 s a run.
const tinySweep = `name: tiny
data: linear
net: 30-10-10
train_size: 300
diag_batch: 50
epochs: 1
rule: [bp, np]
seeds: 2
`

func parseTiny(t *testing.T, src string) *sweep.File {
	t.Helper()
	f, err := sweep.Parse("tiny.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// --index runs one run of the grid; a full sweep then trains only the
// others; a finished run with other settings is refused, not reused.
func TestSweepIndexAndSkip(t *testing.T) {
	dir := t.TempDir()
	f := parseTiny(t, tinySweep)
	runs, err := SweepRuns(f, "", dir)
	if err != nil || len(runs) != 4 {
		t.Fatalf("%v, %d runs", err, len(runs))
	}
	if err := Sweep(context.Background(), f, SweepOptions{Dir: dir, Jobs: 2, Index: 2}); err != nil {
		t.Fatal(err)
	}
	for i, r := range runs {
		done, err := Finished(r)
		if err != nil || done != (i == 2) {
			t.Errorf("run %d (%s): finished %v, %v", i, r.Config.Out, done, err)
		}
	}
	if got := filepath.Base(runs[2].Config.Out); got != "rule_np-seed1" {
		t.Errorf("run 2 is %s, want rule_np-seed1", got)
	}
	summary := filepath.Join(runs[2].Config.Out, "summary.json")
	old := time.Now().Add(-time.Hour)
	os.Chtimes(summary, old, old)
	var log strings.Builder
	if err := Sweep(context.Background(), f, SweepOptions{Dir: dir, Jobs: 2, Index: -1, Log: &log}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "1 of 4 runs already finished") {
		t.Errorf("log:\n%s", log.String())
	}
	if st, _ := os.Stat(summary); !st.ModTime().Equal(old) {
		t.Error("a finished run was trained again")
	}
	for _, r := range runs {
		if done, err := Finished(r); !done || err != nil {
			t.Errorf("%s: finished %v, %v", r.Config.Out, done, err)
		}
	}
	if src, _ := os.ReadFile(filepath.Join(dir, "sweep.yaml")); string(src) != tinySweep {
		t.Errorf("sweep.yaml holds %q", src)
	}
	// The same directory for a file whose runs differ.
	g := parseTiny(t, strings.Replace(tinySweep, "epochs: 1", "epochs: 1\nlr: 0.002", 1))
	err = Sweep(context.Background(), g, SweepOptions{Dir: dir, Jobs: 1, Index: 0})
	if err == nil || !strings.Contains(err.Error(), "other settings (lr 0.001 there, 0.002 here)") {
		t.Errorf("other settings: %v", err)
	}
	if err := Sweep(context.Background(), f, SweepOptions{Dir: dir, Jobs: 1, Index: 4}); err == nil || !strings.HasPrefix(err.Error(), "--index: 4 is out of range") {
		t.Errorf("index 4: %v", err)
	}
}

// A file's runs swept at a scale, as a cluster would, are the runs that
// credit reproduce finds finished: it trains nothing and writes the report.
func TestSweepThenReproduce(t *testing.T) {
	f := parseTiny(t, tinySweep+"scales:\n  quick: {}\n  full: {train_size: 200}\n")
	e, err := FileExperiment(f, func(dir string, rs []Result) (string, error) {
		if len(rs) != 4 || rs[3].Summary.Samples != 200 {
			t.Errorf("report got %d runs", len(rs))
		}
		return "table", nil
	})
	if err != nil {
		t.Fatal(err)
	}
	Register(e)
	defer delete(registry, "tiny")
	dir := t.TempDir()
	if err := Sweep(context.Background(), f, SweepOptions{Scale: "full", Dir: dir, Jobs: 2, Index: -1}); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	if err := Reproduce(context.Background(), "tiny", Options{Scale: Full, Dir: dir, Jobs: 2, Log: &log}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "4 of 4 runs already finished") {
		t.Errorf("reproduce after the sweep:\n%s", log.String())
	}
}

// The Slurm script is a job array over the runs that calls the binary with
// the copy of the file, absolute paths and the task's index.
func TestEmitSlurm(t *testing.T) {
	dir := t.TempDir()
	f := parseTiny(t, tinySweep)
	path, err := EmitSlurm(f, "", dir, "/opt/bin/credit", 2)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{
		"#!/bin/bash\n",
		"\n#SBATCH --array=0-3\n",
		"\n#SBATCH --cpus-per-task=2\n",
		"\n#SBATCH --job-name=tiny\n",
		"\n#SBATCH --output=" + dir + "/slurm/%A_%a.out\n",
		`export GOMAXPROCS="${SLURM_CPUS_PER_TASK:-2}"`,
		"\nexec /opt/bin/credit sweep " + dir + "/sweep.yaml --out " + dir + ` --index "$SLURM_ARRAY_TASK_ID"` + "\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q:\n%s", want, s)
		}
	}
	if st, err := os.Stat(filepath.Join(dir, "slurm")); err != nil || !st.IsDir() {
		t.Errorf("no slurm/ for the logs: %v", err)
	}
	if _, err := EmitSlurm(f, "full", dir, "/opt/bin/credit", 1); err == nil || !strings.HasPrefix(err.Error(), "--scale") {
		t.Errorf("unknown scale: %v", err)
	}
}

// snapshot returns every file under dir with its mode and contents, and
// every directory, to compare a directory before and after a refusal.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		v := info.Mode().String()
		if !e.IsDir() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			v += " " + string(b)
		}
		m[p] = v
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// sameTree fails t unless dir holds what was holds.
func sameTree(t *testing.T, what, dir string, was map[string]string) {
	t.Helper()
	now := snapshot(t, dir)
	for p, v := range was {
		if now[p] != v {
			t.Errorf("%s changed %s", what, p)
		}
	}
	for p := range now {
		if _, ok := was[p]; !ok {
			t.Errorf("%s wrote %s", what, p)
		}
	}
}

// A sweep, a Slurm script or a reproduction refused because a run's
// directory holds a finished run with other settings leaves the directory
// byte for byte as it was: sweep.yaml included (issue 16).
func TestRefusalChangesNothing(t *testing.T) {
	dir := t.TempDir()
	f := parseTiny(t, tinySweep)
	if err := Sweep(context.Background(), f, SweepOptions{Dir: dir, Jobs: 2, Index: -1}); err != nil {
		t.Fatal(err)
	}
	was := snapshot(t, dir)
	other := strings.Replace(tinySweep, "epochs: 1", "epochs: 1\nlr: 0.002", 1)
	g := parseTiny(t, other)
	for _, index := range []int{-1, 0} {
		err := Sweep(context.Background(), g, SweepOptions{Dir: dir, Jobs: 2, Index: index})
		if err == nil || !strings.Contains(err.Error(), "other settings (lr 0.001 there, 0.002 here)") {
			t.Errorf("sweep --index %d over other settings: %v", index, err)
		}
		sameTree(t, fmt.Sprintf("a refused sweep (--index %d)", index), dir, was)
	}
	if _, err := EmitSlurm(g, "", dir, "/opt/bin/credit", 1); err == nil || !strings.Contains(err.Error(), "other settings") {
		t.Errorf("--emit slurm over other settings: %v", err)
	}
	sameTree(t, "a refused --emit slurm", dir, was)

	e, err := FileExperiment(parseTiny(t, other+"scales:\n  quick: {}\n  full: {}\n"), func(string, []Result) (string, error) {
		t.Error("a refused reproduction reported")
		return "", nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Name = "tiny-other"
	Register(e)
	defer delete(registry, e.Name)
	if err := Reproduce(context.Background(), e.Name, Options{Scale: Quick, Dir: dir, Jobs: 1}); err == nil || !strings.Contains(err.Error(), "other settings") {
		t.Errorf("reproduce over other settings: %v", err)
	}
	sameTree(t, "a refused reproduction", dir, was)
	// An experiment without a report is refused before anything runs.
	e.Report = nil
	empty := filepath.Join(t.TempDir(), "none")
	if err := Reproduce(context.Background(), e.Name, Options{Scale: Quick, Dir: empty, Jobs: 1}); err == nil || !strings.Contains(err.Error(), "no report registered") {
		t.Errorf("reproduce without a report: %v", err)
	}
	if _, err := os.Stat(empty); err == nil {
		t.Error("a reproduction without a report wrote its directory")
	}
}

// longSweep is two runs of a few seconds each, long enough to be stopped
// in the middle.
const longSweep = `name: long
data: linear
net: 30-20-10
act: tanh
opt: momentum
train_size: 1000
batch: 4
epochs: 4
diag_batch: 100
diag_every: 100
rule: [np, fa]
`

// When RunAll's context ends, the run in progress finishes its step and
// writes its checkpoint, no other run starts, and the error is a *Stopped
// that unwraps to the context's cause; running again skips what finished,
// resumes the stopped run from its checkpoint, and every run ends as it
// would have uninterrupted.
func TestRunAllStopsAtCheckpoint(t *testing.T) {
	f := parseTiny(t, longSweep)
	dir := t.TempDir()
	runs, err := SweepRuns(f, "", dir)
	if err != nil || len(runs) != 2 {
		t.Fatal(err, len(runs))
	}
	// A context already done starts nothing.
	done, cancel := context.WithCancelCause(context.Background())
	cause := errors.New("told to stop")
	cancel(cause)
	var stop *Stopped
	if err := RunAll(done, runs, 1, nil); !errors.As(err, &stop) || !errors.Is(err, cause) || stop.NotStarted != 2 || len(stop.Stopped) != 0 {
		t.Fatalf("RunAll with a done context: %v", err)
	}
	if _, err := os.Stat(dir + "/runs"); err == nil {
		t.Fatal("a run started after the context ended")
	}

	ctx, cancel := context.WithCancelCause(context.Background())
	go func() {
		for {
			if _, err := os.Stat(filepath.Join(runs[0].Config.Out, rundir.CheckpointFile)); err == nil {
				cancel(cause)
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	var log strings.Builder
	err = RunAll(ctx, runs, 1, &log)
	if !errors.As(err, &stop) || !errors.Is(err, cause) {
		t.Fatalf("want a *Stopped by the cause, got %v", err)
	}
	if stop.Done != 0 || stop.NotStarted != 1 || len(stop.Stopped) != 1 || stop.Stopped[0] != runs[0].Config.Out {
		t.Errorf("stopped %+v", stop)
	}
	if !strings.Contains(log.String(), "stopped (told to stop)") || !strings.Contains(log.String(), "checkpoint written") {
		t.Errorf("log:\n%s", log.String())
	}
	if _, err := os.Stat(filepath.Join(runs[0].Config.Out, "summary.json")); err == nil {
		t.Error("the stopped run finished")
	}
	if _, err := os.Stat(runs[1].Config.Out); err == nil {
		t.Error("the second run started after the context ended")
	}
	if got := State(runs[0]); got != "unfinished" {
		t.Errorf("the stopped run's state is %q", got)
	}
	if err := RunAll(context.Background(), runs, 2, nil); err != nil {
		t.Fatal(err)
	}
	if l, _ := os.ReadFile(filepath.Join(runs[0].Config.Out, "train.log")); !strings.Contains(string(l), "resuming") {
		t.Errorf("the stopped run was not resumed:\n%s", l)
	}
	c := runs[0].Config
	c.Out = filepath.Join(t.TempDir(), "ref")
	if _, err := train.Run(c, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"summary.json", "diag.jsonl"} {
		want, _ := os.ReadFile(filepath.Join(c.Out, name))
		got, _ := os.ReadFile(filepath.Join(runs[0].Config.Out, name))
		if len(want) == 0 || string(got) != string(want) {
			t.Errorf("the resumed run's %s differs from an uninterrupted run's", name)
		}
	}
}
