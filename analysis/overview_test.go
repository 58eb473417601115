package analysis

import (
	"encoding/csv"
	"encoding/json"
	"github.com/creditlab/credit/config"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/creditlab/credit/experiment"
	"github.com/creditlab/credit/metrics"
	"github.com/creditlab/credit/report"
	"github.com/creditlab/credit/rundir"
)

// fakeEpoch is one line of a hand-made metrics.jsonl: test error, test
// loss, train loss, then per hidden layer the delta angle and, where not
// NaN, the weight angle.
func fakeEpoch(epoch int, testErr, testLoss, trainLoss float64, delta, weight []float64) rundir.Epoch {
	e := rundir.Epoch{Epoch: epoch, Steps: 10 * epoch, Samples: 80 * epoch,
		TestError: metrics.Value(testErr), TestLoss: metrics.Value(testLoss), TrainLoss: metrics.Value(trainLoss)}
	for i, d := range delta {
		l := metrics.Layer{DeltaAngle: metrics.Value(d), UpdateAngle: metrics.Value(d)}
		if i < len(weight) && !math.IsNaN(weight[i]) {
			w := metrics.Value(weight[i])
			l.WeightAngle = &w
		}
		e.Layers = append(e.Layers, l)
	}
	return e
}

// writeRun writes a hand-made run directory: config.json, metrics.jsonl
// and, if finished, summary.json from the last epoch.
func writeRun(t *testing.T, dir string, c config.Config, eps []rundir.Epoch, finished bool) {
	t.Helper()
	c.Out = dir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name string, vs ...any) {
		var b []byte
		for _, v := range vs {
			j, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			b = append(append(b, j...), '\n')
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(rundir.ConfigFile, c)
	var lines []any
	for _, e := range eps {
		lines = append(lines, e)
	}
	if len(lines) > 0 {
		write(rundir.MetricsFile, lines...)
	}
	if finished {
		last := eps[len(eps)-1]
		write(rundir.SummaryFile, rundir.Summary{Rule: c.Rule, Seed: c.Seed, Epochs: last.Epoch, Steps: last.Steps, Samples: last.Samples,
			TestError: last.TestError, TestLoss: last.TestLoss, TrainLoss: last.TrainLoss, Layers: last.Layers})
	}
}

func fakeConfig(rule string, batch int, seed uint64) config.Config {
	c := config.Default()
	c.Data, c.Net, c.Rule, c.Batch, c.Epochs, c.Seed = "linear", "6-4-4-3", rule, batch, 2, seed
	return c
}

var nan = math.NaN()

// fakeSweep writes four configurations (rule × batch) under root, in two
// subdirectories, with numbers chosen so that means and sds are exact:
//   - np batch 8, seeds 1–3 (seed 3 with another data_dir): final test
//     errors 25/50/75 %, test losses 1/2/3 after epoch 1 and 1.5/2.5/3.5
//     at the end, delta angles 10s/5s, weight angle of layer 1 40+8s;
//   - np batch 16, seeds 1–2 finished (test errors 12.5, 37.5 %) and
//     seed 3 unfinished after epoch 1 (test error 99 %);
//   - fa batch 8, seed 1, no weight angles;
//   - fa batch 16, seed 1 diverged at epoch 2, step 3.
//
// A hidden directory holding a broken run must be skipped.
func fakeSweep(t *testing.T, root string) {
	for s := 1; s <= 3; s++ {
		c := fakeConfig("np", 8, uint64(s))
		if s == 3 {
			c.DataDir = "/elsewhere"
		}
		f := float64(s)
		writeRun(t, filepath.Join(root, "a", "np8-seed"+strconv.Itoa(s)), c, []rundir.Epoch{
			fakeEpoch(0, 0.875, 8, nan, []float64{90, 90}, []float64{90, nan}),
			fakeEpoch(1, 0.5, f, 4, []float64{30, 30}, []float64{70, nan}),
			fakeEpoch(2, 0.25*f, f+0.5, 2, []float64{10 * f, 5 * f}, []float64{40 + 8*f, nan}),
		}, true)
	}
	for s := 1; s <= 3; s++ {
		eps := []rundir.Epoch{
			fakeEpoch(0, 0.875, 8, nan, []float64{90, 90}, nil),
			fakeEpoch(1, 0.5, 4, 4, []float64{30, 30}, nil),
			fakeEpoch(2, 0.25*float64(s)-0.125, 2, 2, []float64{20, 20}, nil),
		}
		if s == 3 {
			eps = []rundir.Epoch{eps[0], fakeEpoch(1, 0.99, 99, 99, []float64{1, 1}, nil)}
		}
		writeRun(t, filepath.Join(root, "b", "np16-seed"+strconv.Itoa(s)), fakeConfig("np", 16, uint64(s)), eps, s < 3)
	}
	writeRun(t, filepath.Join(root, "b", "fa8-seed1"), fakeConfig("fa", 8, 1), []rundir.Epoch{
		fakeEpoch(0, 0.875, 8, nan, []float64{90, 90}, nil),
		fakeEpoch(1, 0.5, 4, 4, []float64{45, 45}, nil),
		fakeEpoch(2, 0.5, 3, 3, []float64{45, 45}, nil),
	}, true)
	writeRun(t, filepath.Join(root, "b", "fa16-seed1"), fakeConfig("fa", 16, 1), []rundir.Epoch{
		fakeEpoch(0, 0.875, 8, nan, []float64{90, 90}, nil),
		fakeEpoch(1, 0.625, 5, 5, []float64{60, 60}, nil),
	}, false)
	if err := rundir.WriteDivergence(filepath.Join(root, "b", "fa16-seed1"), &rundir.Divergence{Epoch: 2, Step: 3, Steps: 7, Loss: "NaN"}); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, ".trash", "broken"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, ".trash", "broken", "config.json"), []byte("{"), 0o644)
}

// The report of hand-made runs: grouping, labels, order, exact means and
// sds, unfinished runs, the files written.
func TestOverviewOfHandMadeRuns(t *testing.T) {
	root := t.TempDir()
	fakeSweep(t, root)
	// Naming a run directory again, inside its parent, does not count it twice.
	rs, err := experiment.Gather(root, filepath.Join(root, "a", "np8-seed2"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 8 {
		t.Fatalf("gathered %d runs, want 8", len(rs))
	}
	ByConfig(rs)
	order, by := groups(rs)
	want := []string{"rule=fa batch=8", "rule=fa batch=16", "rule=np batch=8", "rule=np batch=16"}
	if !slices.Equal(order, want) {
		t.Fatalf("configurations %q, want %q", order, want)
	}
	for g, n := range map[string]int{want[0]: 1, want[1]: 1, want[2]: 3, want[3]: 3} {
		if len(by[g]) != n {
			t.Errorf("%s: %d runs, want %d", g, len(by[g]), n)
		}
	}
	for i, r := range by[want[2]] {
		if r.Config.Seed != uint64(i+1) || !r.Finished {
			t.Errorf("%s run %d: seed %d, finished %v", want[2], i, r.Config.Seed, r.Finished)
		}
	}

	out := filepath.Join(t.TempDir(), "report")
	md, err := Overview(out, rs)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"report.md", "report.csv", "curves.png", "curves.svg", "alignment.png", "alignment.svg"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(out, "report.md")); string(b) != md {
		t.Error("report.md differs from the Markdown returned")
	}
	for _, s := range []string{
		"| rule=np batch=8  | 3     | 2      | 0          | 50.00 ± 25.00  | 2.000 ± 1.000 | 2.500 ± 1.000   | 20.0 ± 10.0",
		"| rule=fa batch=16 | 0     | 2      | 1          | –",
		"Unfinished runs (no summary.json: interrupted, running or diverged), left out of the table's finals: 2",
		filepath.Join(root, "b", "np16-seed3") + " (rule=np batch=16, seed 3): epoch 1 of 2\n",
		filepath.Join(root, "b", "fa16-seed1") + " (rule=fa batch=16, seed 1): diverged (loss NaN) at epoch 2 of 2, step 3\n",
		// One seed: the mean alone, no "± 0.00".
		"| rule=fa batch=8  | 1     | 2      | 0          | 50.00          |",
	} {
		if !strings.Contains(md, s) {
			t.Errorf("report.md lacks %q:\n%s", s, md)
		}
	}
	if strings.Contains(md, "weight angle layer 2") {
		t.Errorf("a column undefined for every configuration is shown:\n%s", md)
	}

	// The CSV holds the numbers at full precision.
	f, err := os.Open(filepath.Join(out, "report.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := recs[0]
	if !slices.Equal(head[:6], []string{"configuration", "rule", "batch", "seeds", "epochs", "unfinished"}) {
		t.Errorf("CSV header %q", head)
	}
	cell := func(g, col string) string {
		i := slices.Index(head, col)
		for _, r := range recs[1:] {
			if r[0] == g && i >= 0 {
				return r[i]
			}
		}
		t.Fatalf("CSV has no cell %s / %s", g, col)
		return ""
	}
	num := func(g, col string) float64 {
		v, err := strconv.ParseFloat(cell(g, col), 64)
		if err != nil {
			t.Fatalf("%s / %s: %v", g, col, err)
		}
		return v
	}
	// Every number of np batch 8 is exact in binary floating point.
	for col, v := range map[string]float64{
		"seeds": 3, "unfinished": 0,
		"test error (%) mean": 50, "test error (%) sd": 25,
		"min test loss mean": 2, "min test loss sd": 1,
		"final test loss mean": 2.5, "final test loss sd": 1,
		"delta angle layer 1 (°) mean": 20, "delta angle layer 1 (°) sd": 10,
		"delta angle layer 2 (°) mean": 10, "delta angle layer 2 (°) sd": 5,
		"weight angle layer 1 (°) mean": 56, "weight angle layer 1 (°) sd": 8,
	} {
		if got := num(want[2], col); got != v {
			t.Errorf("%s %s = %v, want %v", want[2], col, got, v)
		}
	}
	// np batch 16: the unfinished seed is counted but not averaged.
	if num(want[3], "seeds") != 2 || num(want[3], "unfinished") != 1 || num(want[3], "test error (%) mean") != 25 {
		t.Errorf("np batch 16: seeds %s, unfinished %s, test error %s", cell(want[3], "seeds"), cell(want[3], "unfinished"), cell(want[3], "test error (%) mean"))
	}
	// Two values a and b have sd |a − b|/√2; 25/√2 to rounding.
	if sd := num(want[3], "test error (%) sd"); math.Abs(sd-25/math.Sqrt2) > 1e-12 {
		t.Errorf("np batch 16 test error sd %v, want %v", sd, 25/math.Sqrt2)
	}
	// fa batch 8 has one seed: a mean and no sd.
	if num(want[0], "test error (%) mean") != 50 || cell(want[0], "test error (%) sd") != "" {
		t.Errorf("fa batch 8 (one seed): test error mean %q, sd %q; want 50 and empty", cell(want[0], "test error (%) mean"), cell(want[0], "test error (%) sd"))
	}
	if cell(want[0], "weight angle layer 1 (°) mean") != "" || cell(want[1], "test error (%) mean") != "" {
		t.Error("undefined numbers should be empty CSV cells")
	}
	if cell(want[0], "batch") != "8" || cell(want[1], "rule") != "fa" {
		t.Error("settings columns")
	}

	// The curves: mean ± sd over the finished runs; a configuration without
	// one is drawn from its unfinished runs.
	curves, alignment := overviewPanels(order, by, 2)
	if len(curves) != 2 || len(alignment) != 3 {
		t.Fatalf("%d curve panels (want error and loss), %d alignment panels (want 2 delta, 1 weight)", len(curves), len(alignment))
	}
	find := func(p report.Panel, label string) report.Series {
		for _, s := range p.Series {
			if s.Label == label {
				return s
			}
		}
		t.Fatalf("panel %q has no series %q", p.Title, label)
		return report.Series{}
	}
	loss := find(curves[1], want[2])
	if !slices.Equal(loss.Y, []float64{8, 2, 2.5}) || loss.Lo[2] != 1.5 || loss.Hi[2] != 3.5 {
		t.Errorf("np batch 8 test loss %v, band at the end [%v, %v]", loss.Y, loss.Lo[2], loss.Hi[2])
	}
	if s := find(curves[1], want[2]+" (train)"); !s.Dashed || s.Colour != want[2] {
		t.Error("train loss should be dashed, in its configuration's colour")
	}
	if s := find(curves[0], want[3]); len(s.Y) != 3 || s.Y[2] != 25 {
		t.Errorf("np batch 16 test error %v: the unfinished run should not be averaged", s.Y)
	}
	if s := find(curves[0], want[1]+" (unfinished)"); !slices.Equal(s.Y, []float64{87.5, 62.5}) {
		t.Errorf("fa batch 16 (unfinished) test error %v", s.Y)
	}
	if s := find(alignment[1], want[2]); s.Y[2] != 10 || s.Lo[2] != 5 || alignment[1].XLabel != "epoch" {
		t.Errorf("np batch 8 delta angle layer 2 %v, lo %v, x %q", s.Y, s.Lo, alignment[1].XLabel)
	}
	if s := find(alignment[2], want[2]); s.Y[2] != 56 {
		t.Errorf("np batch 8 weight angle layer 1 %v", s.Y)
	}
}

// One run directory named directly, regression (no test error), with
// diag.jsonl: the label is the rule, the error column and panel are left
// out, alignment is plotted against steps. A later report of runs
// without hidden layers removes the alignment figure.
func TestOverviewOfOneRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	writeRun(t, dir, fakeConfig("np", 8, 1), []rundir.Epoch{
		fakeEpoch(0, nan, 4, nan, []float64{90}, nil),
		fakeEpoch(1, nan, 2, 3, []float64{30}, nil),
	}, true)
	var diag []byte
	for _, step := range []int{3, 6} {
		b, _ := json.Marshal(rundir.Diag{Epoch: 1, Step: step, Samples: 8 * step, Layers: []metrics.Layer{{DeltaAngle: metrics.Value(60 - step)}}})
		diag = append(append(diag, b...), '\n')
	}
	os.WriteFile(filepath.Join(dir, "diag.jsonl"), diag, 0o644)
	rs, err := experiment.Gather(dir)
	if err != nil {
		t.Fatal(err)
	}
	ByConfig(rs)
	if len(rs) != 1 || rs[0].Group != "rule=np" || len(rs[0].Diags) != 2 {
		t.Fatalf("%d runs, group %q, %d diags", len(rs), rs[0].Group, len(rs[0].Diags))
	}
	order, by := groups(rs)
	curves, alignment := overviewPanels(order, by, 1)
	if len(curves) != 1 || len(alignment) != 1 || alignment[0].XLabel != "optimiser steps" {
		t.Fatalf("%d curve panels, %d alignment panels, x %q", len(curves), len(alignment), alignment[0].XLabel)
	}
	if s := alignment[0].Series[0]; !slices.Equal(s.X, []float64{3, 6}) || !slices.Equal(s.Y, []float64{57, 54}) {
		t.Errorf("delta angle against steps %v, %v", s.X, s.Y)
	}
	out := t.TempDir()
	md, err := Overview(out, rs)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(md, "test error") || !strings.Contains(md, "| rule=np ") || strings.Contains(md, "nfinished") {
		t.Errorf("table:\n%s", md)
	}
	if _, err := os.Stat(filepath.Join(out, "alignment.svg")); err != nil {
		t.Fatal(err)
	}

	flat := filepath.Join(t.TempDir(), "flat")
	writeRun(t, flat, fakeConfig("bp", 8, 1), []rundir.Epoch{fakeEpoch(0, 0.5, 4, nan, nil, nil), fakeEpoch(1, 0.25, 2, 3, nil, nil)}, true)
	rs, err = experiment.Gather(flat)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Overview(out, rs); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(out, "alignment.svg")); err == nil {
		t.Error("a stale alignment figure was left")
	}
}

// Bad run directories give one-line errors naming the file and line.
func TestGatherErrors(t *testing.T) {
	good := []rundir.Epoch{fakeEpoch(0, 0.5, 1, nan, nil, nil), fakeEpoch(1, 0.5, 1, 1, nil, nil)}
	cases := []struct {
		name  string
		setup func(dir string)
		want  string // in the error, after the directory
	}{
		{"config syntax", func(d string) {
			os.WriteFile(filepath.Join(d, "config.json"), []byte("{\n  \"rule\": np\n}\n"), 0o644)
		}, "config.json: line 2: "},
		{"config type", func(d string) {
			os.WriteFile(filepath.Join(d, "config.json"), []byte("{\n  \"rule\": \"np\",\n  \"lr\": \"fast\"\n}\n"), 0o644)
		}, "config.json: line 3: "},
		{"metrics line", func(d string) {
			writeRun(t, d, fakeConfig("np", 8, 1), good, true)
			os.WriteFile(filepath.Join(d, "metrics.jsonl"), []byte("{\"epoch\": 0}\n{\"epoch\": one}\n"), 0o644)
		}, "metrics.jsonl: line 2: "},
		{"summary", func(d string) {
			writeRun(t, d, fakeConfig("np", 8, 1), good, true)
			os.WriteFile(filepath.Join(d, "summary.json"), []byte("{\"rule\": 1}"), 0o644)
		}, "summary.json: line 1: "},
		{"finished without metrics", func(d string) {
			writeRun(t, d, fakeConfig("np", 8, 1), good, true)
			os.Remove(filepath.Join(d, "metrics.jsonl"))
		}, "metrics.jsonl: no such file"},
		{"no runs", func(d string) {
			os.MkdirAll(filepath.Join(d, "sub"), 0o755)
		}, ": no run directories"},
	}
	for _, c := range cases {
		dir := filepath.Join(t.TempDir(), "runs")
		os.MkdirAll(dir, 0o755)
		c.setup(dir)
		_, err := experiment.Gather(dir)
		if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: want one line naming %s and %q, got %v", c.name, dir, c.want, err)
		}
	}
	missing := filepath.Join(t.TempDir(), "missing")
	if _, err := experiment.Gather(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing directory: %v", err)
	}
	// A run that stopped before its first epoch is unfinished, not an error.
	dir := t.TempDir()
	writeRun(t, dir, fakeConfig("np", 8, 1), nil, false)
	rs, err := experiment.Gather(dir)
	if err != nil || len(rs) != 1 || rs[0].Finished {
		t.Errorf("a run with only config.json: %v, %+v", err, rs)
	}
}
