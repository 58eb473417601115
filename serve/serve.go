// Package serve is credit's dashboard: a read-only web page over run
// directories and the directories holding them (the discovery of credit
// report, rundir.Gather), which follows runs as they train.
//
// A Server scans its directories every Options.Poll (a second by default):
// it stats each run's files and reads a run again (rundir.Load, which
// takes no lock and ignores a half-written last line) only when one
// changed, so a scan of a few hundred idle runs costs a few stats each. The
// page learns of changes from a server-sent event stream (GET /api/events,
// one "change" event per scan that changed something) and fetches what
// changed. Handlers answer from the scan's copy in memory; only
// GET /files/… reads the disk, through an os.Root per directory, so no
// path (with "..", or a symlink pointing out) reaches a file outside the
// directories given. A run directory deleted while it is read drops out of
// the table at the next scan; a run whose files cannot be read is shown
// as corrupt with the reader's one-line error.
//
// Endpoints (GET only):
//
//	/                     the page (assets embedded with go:embed)
//	/api/runs             the runs table: RunInfo per run, and the version
//	/api/run/{id}         one run's curves and settings
//	/api/bands?id=…&id=…  the selected runs grouped as credit report groups
//	                      them (analysis.ByConfig), curves as mean ± sd
//	/api/diff?id=…&id=…   the settings that differ between the selected runs
//	/api/events           server-sent events: "change" with the new version
//	/files/{i}/{path}     a file of directory i (as given, from 0), read-only
package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/creditlab/credit/analysis"
	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/metrics"
	"github.com/creditlab/credit/rundir"
)

// Options configure a Server.
type Options struct {
	Dirs []string      // run directories or directories holding them
	Poll time.Duration // time between scans; 0 means a second
	// Public lets the handler answer requests whose Host is not a loopback
	// name (by default they are refused, against DNS rebinding).
	Public bool
}

// RunInfo is a run's row of the runs table.
type RunInfo struct {
	ID        string        `json:"id"`   // "i/relative/path": directory i of Options.Dirs, the run's path below it
	Name      string        `json:"name"` // the run's path as given on the command line
	Rule      string        `json:"rule"`
	Data      string        `json:"data"`
	Net       string        `json:"net"`
	Seed      uint64        `json:"seed"`
	State     string        `json:"state"`  // Running, Finished, Diverged, Interrupted or Corrupt
	Detail    string        `json:"detail"` // how the state was decided, or the reader's error
	Epoch     int           `json:"epoch"`  // the last epoch in metrics.jsonl (-1: none yet)
	Epochs    int           `json:"epochs"` // the epochs the run was given
	Step      int           `json:"step"`   // optimiser steps: the last line of diag.jsonl or metrics.jsonl
	TestError metrics.Value `json:"test_error"`
	TestLoss  metrics.Value `json:"test_loss"`
	Diag      bool          `json:"diag"` // the run records diag.jsonl
	Version   int64         `json:"version"`
}

// entry is a run as the last scan saw it.
type entry struct {
	info   RunInfo
	dir    string // the run's directory (a path under one of Options.Dirs)
	sig    signature
	run    rundir.Run
	loaded bool   // run holds what the files said at sig
	body   []byte // /api/run's answer, made when the run changes
}

// signature is what a scan compares to decide whether to read a run again.
type signature [5]struct {
	size int64
	mod  int64
}

// Server scans run directories and answers the dashboard's requests.
type Server struct {
	opt   Options
	roots []*os.Root // one per Options.Dirs, for /files
	mu    sync.RWMutex
	runs  map[string]*entry // by ID
	ver   int64             // bumped by a scan that changed anything
	wake  chan struct{}     // closed and replaced when ver changes
	now   func() time.Time
}

// New returns a Server over o.Dirs after a first scan. A directory that
// does not exist or holds no run is an error naming it.
func New(o Options) (*Server, error) {
	if len(o.Dirs) == 0 {
		return nil, errors.New("serve: name one or more run directories, or directories holding them")
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	s := &Server{opt: o, runs: map[string]*entry{}, wake: make(chan struct{}), now: time.Now}
	for _, d := range o.Dirs {
		st, err := os.Stat(d)
		if err != nil {
			return nil, fmt.Errorf("serve: %v", err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("serve: %s: not a directory", d)
		}
		r, err := os.OpenRoot(d)
		if err != nil {
			return nil, fmt.Errorf("serve: %v", err)
		}
		s.roots = append(s.roots, r)
	}
	found := s.Scan()
	for i, d := range o.Dirs {
		if found[i] == 0 {
			s.Close()
			return nil, fmt.Errorf("serve: %s: no run directories in it (none holds a %s)", d, rundir.ConfigFile)
		}
	}
	return s, nil
}

// Close releases the Server's directories.
func (s *Server) Close() {
	for _, r := range s.roots {
		r.Close()
	}
}

// Version returns the number of scans that changed something.
func (s *Server) Version() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.ver
}

// Runs returns the runs table, sorted by ID.
func (s *Server) Runs() []RunInfo {
	s.mu.RLock()
	rs := make([]RunInfo, 0, len(s.runs))
	for _, e := range s.runs {
		rs = append(rs, e.info)
	}
	s.mu.RUnlock()
	slices.SortFunc(rs, func(a, b RunInfo) int { return strings.Compare(a.ID, b.ID) })
	return rs
}

// changed returns a channel closed at the next change.
func (s *Server) changed() <-chan struct{} {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.wake
}

// Watch scans every Options.Poll until stop is closed.
func (s *Server) Watch(stop <-chan struct{}) {
	t := time.NewTicker(s.opt.Poll)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			s.Scan()
		}
	}
}

// Scan looks for runs in the Server's directories, reads the runs whose
// files changed, drops the runs that are gone, and returns how many runs
// each directory holds. It never fails: a run that cannot be read is kept
// as Corrupt with the error.
func (s *Server) Scan() []int {
	held := heldLocks()
	found := make([]int, len(s.opt.Dirs))
	seen := map[string]bool{}
	var updates []*entry
	for i, root := range s.opt.Dirs {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if p == root {
					return err
				}
				return nil // gone or unreadable while we walk: skip it
			}
			if !d.IsDir() { // a symlink to a directory is not followed
				return nil
			}
			if p != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if !rundir.HoldsRun(p) {
				return nil
			}
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return nil
			}
			id := strconv.Itoa(i) + "/" + filepath.ToSlash(rel)
			if rel == "." {
				id = strconv.Itoa(i)
			}
			if seen[id] {
				return filepath.SkipDir
			}
			seen[id] = true
			found[i]++
			s.mu.RLock()
			old := s.runs[id]
			s.mu.RUnlock()
			if e := s.look(id, p, old, held); e != nil {
				updates = append(updates, e)
			}
			return filepath.SkipDir
		})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := len(updates) > 0
	for id := range s.runs {
		if !seen[id] {
			delete(s.runs, id)
			changed = true
		}
	}
	if changed {
		s.ver++
		for _, e := range updates {
			e.info.Version = s.ver
			e.body = e.render()
			s.runs[e.info.ID] = e
		}
		close(s.wake)
		s.wake = make(chan struct{})
	}
	return found
}

// look examines the run in dir and returns its new entry, or nil if
// nothing the page shows has changed since old.
func (s *Server) look(id, dir string, old *entry, held holders) *entry {
	sig, last := stat(dir)
	e := &entry{dir: dir, sig: sig}
	if old != nil && old.sig == sig {
		e.run, e.loaded = old.run, old.loaded
		e.info = old.info
	} else {
		r, err := rundir.Load(dir)
		if err != nil && !rundir.HoldsRun(dir) {
			return nil // deleted while we read it; the next scan drops it
		}
		e.run, e.loaded = r, err == nil
		e.info = info(id, dir, r)
		if err != nil {
			e.info.State, e.info.Detail = Corrupt, err.Error()
		}
	}
	if e.info.State != Corrupt {
		e.info.State, e.info.Detail = s.state(dir, &e.run, held, last)
	}
	if old != nil && old.sig == sig && old.info.State == e.info.State && old.info.Detail == e.info.Detail {
		return nil
	}
	return e
}

// stat returns the signature of dir's files and the time of the latest
// write to any of them.
func stat(dir string) (signature, time.Time) {
	var sig signature
	var last time.Time
	for i, name := range []string{rundir.ConfigFile, rundir.MetricsFile, rundir.DiagFile, rundir.SummaryFile, rundir.CheckpointFile} {
		if st, err := os.Stat(rundir.Path(dir, name)); err == nil {
			sig[i].size, sig[i].mod = st.Size(), st.ModTime().UnixNano()
			if st.ModTime().After(last) {
				last = st.ModTime()
			}
		}
	}
	if st, err := os.Stat(rundir.Path(dir, rundir.LogFile)); err == nil && st.ModTime().After(last) {
		last = st.ModTime()
	}
	return sig, last
}

// info makes a run's row from what Load read.
func info(id, name string, r rundir.Run) RunInfo {
	c := r.Config
	in := RunInfo{ID: id, Name: name, Rule: c.Rule, Data: c.Data, Net: c.Net, Seed: c.Seed, Epochs: c.Epochs,
		Epoch: -1, TestError: metrics.Value(math.NaN()), TestLoss: metrics.Value(math.NaN()), Diag: len(r.Diags) > 0}
	if n := len(r.Epochs); n > 0 {
		e := r.Epochs[n-1]
		in.Epoch, in.Step, in.TestError, in.TestLoss = e.Epoch, e.Steps, e.TestError, e.TestLoss
	}
	if n := len(r.Diags); n > 0 && r.Diags[n-1].Step > in.Step {
		in.Step = r.Diags[n-1].Step
	}
	if r.Finished {
		in.TestError, in.TestLoss = r.Summary.TestError, r.Summary.TestLoss
	}
	return in
}

// state decides a readable run's state (see lockState for running).
func (s *Server) state(dir string, r *rundir.Run, held holders, last time.Time) (string, string) {
	if r.Finished {
		return Finished, ""
	}
	secs := 0.0
	if n := len(r.Epochs); n > 0 {
		secs = r.Epochs[n-1].Seconds
	}
	running, note := lockState(dir, held, last, secs)
	if running {
		return Running, note
	}
	if d := r.Diverged; d != nil {
		return Diverged, fmt.Sprintf("loss became %s at epoch %d, step %d", d.Loss, d.Epoch, d.Step)
	}
	if note == "" {
		note = "unfinished, and no process writes it"
	}
	return Interrupted, note
}

// layerKeys are the per-layer diagnostics the page draws, by their
// metrics.jsonl names.
var layerKeys = []string{"delta_angle_deg", "update_angle_deg", "weight_angle_deg", "sign_congruence", "lambda_snr"}

// layerValue returns diagnostic key of l (NaN if the rule has none).
func layerValue(l metrics.Layer, key string) metrics.Value {
	p := func(v *metrics.Value) metrics.Value {
		if v == nil {
			return metrics.Value(math.NaN())
		}
		return *v
	}
	switch key {
	case "delta_angle_deg":
		return l.DeltaAngle
	case "update_angle_deg":
		return l.UpdateAngle
	case "weight_angle_deg":
		return p(l.WeightAngle)
	case "sign_congruence":
		return p(l.SignCongruence)
	case "lambda_snr":
		return p(l.LambdaSNR)
	}
	return metrics.Value(math.NaN())
}

// Curves are a run's (or a group's mean ± sd) curves as the page draws
// them: values against the epoch, and against optimiser steps. A
// missing value is null.
type Curves struct {
	Epoch  []float64                    `json:"epoch"`  // x of the epoch curves
	Steps  []float64                    `json:"steps"`  // optimiser steps at each epoch's end
	Values map[string][]metrics.Value   `json:"values"` // test_error, test_loss, train_loss against Epoch
	Layers []map[string][]metrics.Value `json:"layers"` // per hidden layer, layerKeys against Epoch
	// DiagSteps and DiagLayers are diag.jsonl's, when the run has one.
	DiagSteps  []float64                    `json:"diag_steps,omitempty"`
	DiagLayers []map[string][]metrics.Value `json:"diag_layers,omitempty"`
}

// curvesOf extracts r's curves.
func curvesOf(r *rundir.Run) Curves {
	c := Curves{Values: map[string][]metrics.Value{}}
	layers := 0
	for _, e := range r.Epochs {
		layers = max(layers, len(e.Layers))
	}
	c.Layers = make([]map[string][]metrics.Value, layers)
	for i := range c.Layers {
		c.Layers[i] = map[string][]metrics.Value{}
	}
	nan := metrics.Value(math.NaN())
	for _, e := range r.Epochs {
		c.Epoch = append(c.Epoch, float64(e.Epoch))
		c.Steps = append(c.Steps, float64(e.Steps))
		train := e.TrainLoss
		if e.Epoch == 0 {
			train = nan
		}
		c.Values["test_error"] = append(c.Values["test_error"], e.TestError)
		c.Values["test_loss"] = append(c.Values["test_loss"], e.TestLoss)
		c.Values["train_loss"] = append(c.Values["train_loss"], train)
		for i := range c.Layers {
			for _, k := range layerKeys {
				v := nan
				if i < len(e.Layers) {
					v = layerValue(e.Layers[i], k)
				}
				c.Layers[i][k] = append(c.Layers[i][k], v)
			}
		}
	}
	if len(r.Diags) > 0 {
		c.DiagLayers = make([]map[string][]metrics.Value, layers)
		for i := range c.DiagLayers {
			c.DiagLayers[i] = map[string][]metrics.Value{}
		}
		for _, d := range r.Diags {
			c.DiagSteps = append(c.DiagSteps, float64(d.Step))
			for i := range c.DiagLayers {
				for _, k := range layerKeys {
					v := nan
					if i < len(d.Layers) {
						v = layerValue(d.Layers[i], k)
					}
					c.DiagLayers[i][k] = append(c.DiagLayers[i][k], v)
				}
			}
		}
	}
	return c
}

// runBody is /api/run's answer.
type runBody struct {
	Info   RunInfo         `json:"info"`
	Config json.RawMessage `json:"config"`
	Curves Curves          `json:"curves"`
}

// render makes e's /api/run answer.
func (e *entry) render() []byte {
	cfg, _ := json.Marshal(e.run.Config)
	b, err := json.Marshal(runBody{Info: e.info, Config: cfg, Curves: curvesOf(&e.run)})
	if err != nil {
		return []byte(`{"error":` + strconv.Quote(err.Error()) + `}`)
	}
	return b
}

// Diff is /api/diff's answer: the settings whose values differ between
// the runs, and each run's values of them (as text).
type Diff struct {
	Keys []string   `json:"keys"`
	IDs  []string   `json:"ids"`
	Vals [][]string `json:"values"` // per run, per key
}

// diff compares the settings of the runs es (every config.json key but
// out, the run's place, shown as its name).
func diff(es []*entry) Diff {
	d := Diff{Keys: []string{}}
	cs := make([]config.Config, len(es))
	for i, e := range es {
		cs[i] = e.run.Config
		d.IDs = append(d.IDs, e.info.ID)
	}
	keys, vals := analysis.Differing(cs, "out")
	if keys != nil {
		d.Keys = keys
	}
	d.Vals = vals
	return d
}
