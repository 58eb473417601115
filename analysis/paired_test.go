package analysis

import (
	"math"
	"slices"
	"testing"

	"github.com/creditlab/credit/experiment"
	"github.com/creditlab/credit/metrics"
	"github.com/creditlab/credit/rundir"
)

// The paired interval is mean ± t_{0.975, n−1}·sd/√n: for 1…5, t = 2.7764
// (4 degrees of freedom), sd = √2.5.
func TestTInterval(t *testing.T) {
	m, sd, lo, hi := tInterval([]float64{1, 2, 3, 4, 5})
	h := 2.7764451051977987 * math.Sqrt(2.5) / math.Sqrt(5)
	if m != 3 || math.Abs(sd-math.Sqrt(2.5)) > 1e-12 || math.Abs(lo-(3-h)) > 1e-9 || math.Abs(hi-(3+h)) > 1e-9 {
		t.Errorf("tInterval = %v ± %v [%v, %v], want 3 ± %v [%v, %v]", m, sd, lo, hi, math.Sqrt(2.5), 3-h, 3+h)
	}
	if _, _, lo, _ := tInterval([]float64{1}); !math.IsNaN(lo) {
		t.Errorf("one value: interval %v, want none", lo)
	}
}

// Differences pair runs by seed, whatever their order, and leave out a seed
// one group lacks or has not finished; E4's report pairs only when groups
// share at least 3 seeds, so quick's 2 seeds give no paired table.
func TestPairBySeed(t *testing.T) {
	run := func(rule string, seed uint64, err float64, done bool) experiment.Result {
		var r experiment.Result
		r.Config.Rule, r.Config.Seed, r.Finished = rule, seed, done
		r.Summary.TestError = metrics.Value(err)
		return r
	}
	a := []experiment.Result{run("npdfa", 3, 0.40, true), run("npdfa", 1, 0.50, true), run("npdfa", 2, 0.45, true), run("npdfa", 4, 0.1, false)}
	b := []experiment.Result{run("dfa", 1, 0.52, true), run("dfa", 2, 0.44, true), run("dfa", 4, 0.5, true)}
	p := pairBySeed("npdfa", "dfa", a, b, func(r experiment.Result) float64 { return 100 - testErrorPct(r) })
	if !slices.Equal(p.seeds, []uint64{1, 2}) || math.Abs(p.diffs[0]-2) > 1e-9 || math.Abs(p.diffs[1]+1) > 1e-9 {
		t.Errorf("pairs: seeds %v, differences %v; want seeds 1, 2 and +2, −1", p.seeds, p.diffs)
	}
	by := map[string][]experiment.Result{"npdfa": a, "dfa": b}
	if ps := e4Pairs([]string{"dfa", "npdfa"}, by); ps != nil {
		t.Errorf("2 shared seeds gave a paired table: %+v", ps)
	}
	b = append(b, run("dfa", 3, 0.41, true))
	by["dfa"] = b
	if ps := e4Pairs([]string{"dfa", "npdfa"}, by); len(ps) != 1 || len(ps[0].diffs) != 3 {
		t.Errorf("3 shared seeds: %+v, want one comparison of 3 seeds", ps)
	}
}

// The per-epoch table pairs each epoch's test accuracy by seed (npdfa
// against dfa without activity noise), and the per-site table averages
// each site's final delta angle over a group's finished runs.
func TestE4EpochAndSiteTables(t *testing.T) {
	run := func(rule string, seed uint64, errs []float64, angles []float64) experiment.Result {
		var r experiment.Result
		r.Config.Rule, r.Config.Seed, r.Finished = rule, seed, true
		r.Epochs = append(r.Epochs, rundir.Epoch{Epoch: 0, TestError: 0.9}) // the untrained network
		for i, e := range errs {
			r.Epochs = append(r.Epochs, rundir.Epoch{Epoch: i + 1, TestError: metrics.Value(e)})
		}
		for _, a := range angles {
			r.Summary.Layers = append(r.Summary.Layers, metrics.Layer{DeltaAngle: metrics.Value(a)})
		}
		return r
	}
	by := map[string][]experiment.Result{
		"npdfa": {run("npdfa", 1, []float64{0.5, 0.4}, []float64{80, 30}), run("npdfa", 2, []float64{0.6, 0.3}, []float64{82, 40})},
		"dfa":   {run("dfa", 2, []float64{0.7, 0.4}, []float64{90, 70}), run("dfa", 1, []float64{0.6, 0.45}, []float64{88, 60})},
	}
	order := []string{"dfa", "npdfa"}
	md, _ := e4EpochPairs(order, by)
	// epoch 1: seed 1 +10, seed 2 +10 points; epoch 2: +5, +10.
	if len(md.Rows) != 2 || md.Rows[0][1][:6] != "+10.00" || md.Rows[1][1][:5] != "+7.50" {
		t.Errorf("per-epoch pairs: %v", md.Rows)
	}
	sm, _ := e4Sites(order, by, nil)
	if len(sm.Rows) != 2 || sm.Rows[1][1][:4] != "81.0" || sm.Rows[0][2][:4] != "65.0" {
		t.Errorf("per-site angles: %v", sm.Rows)
	}
	if ps := e4AnglePairs(order, by); len(ps) != 1 || math.Abs(ps[0].mean-(-19)) > 1e-9 {
		t.Errorf("paired mean angle: %+v, want −19° (seed 1: 55 − 74, seed 2: 61 − 80)", ps)
	}
}
