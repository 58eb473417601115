package analysis

import (
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/creditlab/credit/experiment"
	"github.com/creditlab/credit/metrics"
	"github.com/creditlab/credit/report"
	"github.com/creditlab/credit/rundir"
)

// groups returns the group labels in order of first appearance and the
// results of each.
func groups(rs []experiment.Result) ([]string, map[string][]experiment.Result) {
	var order []string
	by := map[string][]experiment.Result{}
	for _, r := range rs {
		if _, ok := by[r.Group]; !ok {
			order = append(order, r.Group)
		}
		by[r.Group] = append(by[r.Group], r)
	}
	return order, by
}

// byNetwork splits groups named "<network> <rule>" by network: the
// networks in order of first appearance, and each one's groups in order.
func byNetwork(order []string, by map[string][]experiment.Result) ([]string, map[string][]string) {
	var nets []string
	perNet := map[string][]string{}
	for _, g := range order {
		net := strings.TrimSuffix(g, " "+by[g][0].Config.Rule)
		if perNet[net] == nil {
			nets = append(nets, net)
		}
		perNet[net] = append(perNet[net], g)
	}
	return nets, perNet
}

// curve extracts one x-y curve from a result.
type curve func(experiment.Result) (x, y []float64)

// series aggregates a curve over the results of each group into a line
// with a mean ± sd band.
func series(order []string, by map[string][]experiment.Result, f curve) []report.Series {
	var ss []report.Series
	for _, g := range order {
		var xs, ys [][]float64
		for _, r := range by[g] {
			x, y := f(r)
			xs, ys = append(xs, x), append(ys, y)
		}
		x, mean, lo, hi := report.Band(xs, ys)
		s := report.Series{Label: g, X: x, Y: mean}
		if len(by[g]) > 1 {
			s.Lo, s.Hi = lo, hi
		}
		ss = append(ss, s)
	}
	return ss
}

// layerValue picks one diagnostic of a hidden layer.
type layerValue func(l metrics.Layer) float64

func deref(v *metrics.Value) float64 {
	if v == nil {
		return math.NaN()
	}
	return float64(*v)
}

var (
	relErr      layerValue = func(l metrics.Layer) float64 { return deref(l.RelativeError) }
	weightAngle layerValue = func(l metrics.Layer) float64 { return deref(l.WeightAngle) }
	signCong    layerValue = func(l metrics.Layer) float64 { return deref(l.SignCongruence) }
	deltaAngle  layerValue = func(l metrics.Layer) float64 { return float64(l.DeltaAngle) }
)

// layerAt returns hidden layer i (0-based) of ls, or a layer whose
// diagnostics are all undefined (NaN) if ls has no layer i: runs of
// different depths share a table or a panel.
func layerAt(ls []metrics.Layer, i int) metrics.Layer {
	if i < len(ls) {
		return ls[i]
	}
	nan := metrics.Value(math.NaN())
	return metrics.Layer{DeltaAngle: nan, UpdateAngle: nan}
}

// diagCurve is a per-step diagnostic of layer i against samples (or steps).
func diagCurve(i int, v layerValue, bySteps bool) curve {
	return func(r experiment.Result) (x, y []float64) {
		for _, d := range r.Diags {
			if bySteps {
				x = append(x, float64(d.Step))
			} else {
				x = append(x, float64(d.Samples))
			}
			y = append(y, v(layerAt(d.Layers, i)))
		}
		return
	}
}

// epochCurve is a per-epoch quantity against the epoch.
func epochCurve(f func(rundir.Epoch) float64) curve {
	return func(r experiment.Result) (x, y []float64) {
		for _, e := range r.Epochs {
			x = append(x, float64(e.Epoch))
			y = append(y, f(e))
		}
		return
	}
}

// stepCurve is a diagnostic of layer i against optimiser steps: from
// diag.jsonl if the run recorded one, else from metrics.jsonl.
func stepCurve(i int, v layerValue) curve {
	return func(r experiment.Result) (x, y []float64) {
		if len(r.Diags) > 0 {
			return diagCurve(i, v, true)(r)
		}
		for _, e := range r.Epochs {
			x = append(x, float64(e.Steps))
			y = append(y, v(layerAt(e.Layers, i)))
		}
		return
	}
}

// final aggregates a per-run number over each group's seeds.
func final(rs []experiment.Result, f func(experiment.Result) float64) (mean, sd float64) {
	var xs []float64
	for _, r := range rs {
		xs = append(xs, f(r))
	}
	return report.MeanSD(xs)
}

// lastLayer returns the final diagnostics of hidden layer i (0-based).
func lastLayer(r experiment.Result, i int) metrics.Layer { return layerAt(r.Summary.Layers, i) }

// Per-run final numbers that tables aggregate.
func testErrorPct(r experiment.Result) float64  { return 100 * float64(r.Summary.TestError) }
func finalTestLoss(r experiment.Result) float64 { return float64(r.Summary.TestLoss) }

// minTestLoss is the smallest test loss of the trained network (epochs ≥ 1).
func minTestLoss(r experiment.Result) float64 {
	best := math.NaN()
	for _, e := range r.Epochs {
		if v := float64(e.TestLoss); e.Epoch > 0 && !math.IsNaN(v) && (math.IsNaN(best) || v < best) {
			best = v
		}
	}
	return best
}

// A stat is one column of a statTable: a per-run number aggregated as mean
// ± sd over each group's finished runs, or, with ref set, a fixed text per
// group (the authors' numbers; "–" for a group ref lacks).
type stat struct {
	name     string
	decimals int // in the Markdown; negative: four significant digits
	of       func(experiment.Result) float64
	ref      map[string]string
}

// layerStat is layer i's final diagnostic v; name ends in "layer i+1".
func layerStat(name string, decimals, i int, v layerValue) stat {
	return stat{name: fmt.Sprintf("%s layer %d (°)", name, i+1), decimals: decimals,
		of: func(r experiment.Result) float64 { return v(lastLayer(r, i)) }}
}

// decimalsFor returns the decimals that show about four significant digits
// of m.
func decimalsFor(m float64) int {
	if m == 0 || math.IsNaN(m) || math.IsInf(m, 0) {
		return 4
	}
	return min(max(3-int(math.Floor(math.Log10(math.Abs(m)))), 0), 12)
}

// statTable tabulates each group (in order): its label, seeds (finished
// runs), epochs, unfinished runs (a column only if some run is unfinished),
// then the stats. A stat undefined (NaN) for every group is left out. md
// holds "mean ± sd" cells; csv holds the mean and the sd in columns of their
// own at full precision (empty when undefined), and after the label the
// value of each of the settings keys (config.json names) in the group's
// first run.
func statTable(first string, order []string, by map[string][]experiment.Result, stats []stat, keys []string) (md, csv *report.Table) {
	done := map[string][]experiment.Result{}
	unfinished := map[string]int{}
	anyUnfinished := false
	for _, g := range order {
		for _, r := range by[g] {
			if r.Finished {
				done[g] = append(done[g], r)
			} else {
				unfinished[g]++
				anyUnfinished = true
			}
		}
	}
	type cell struct{ mean, sd float64 }
	var kept []stat
	var cells [][]cell // [stat][group]
	for _, s := range stats {
		col := make([]cell, len(order))
		defined := s.ref != nil
		for j, g := range order {
			if s.ref == nil {
				col[j].mean, col[j].sd = final(done[g], s.of)
				defined = defined || !math.IsNaN(col[j].mean)
			}
		}
		if defined {
			kept, cells = append(kept, s), append(cells, col)
		}
	}
	md = &report.Table{Header: []string{first, "seeds", "epochs"}}
	csv = &report.Table{Header: append(append([]string{first}, keys...), "seeds", "epochs")}
	if anyUnfinished {
		md.Header, csv.Header = append(md.Header, "unfinished"), append(csv.Header, "unfinished")
	}
	for _, s := range kept {
		md.Header = append(md.Header, s.name)
		if s.ref != nil {
			csv.Header = append(csv.Header, s.name)
		} else {
			csv.Header = append(csv.Header, s.name+" mean", s.name+" sd")
		}
	}
	num := func(v float64) string {
		if math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	for j, g := range order {
		counts := []string{fmt.Sprint(len(done[g])), fmt.Sprint(by[g][0].Config.Epochs)}
		if anyUnfinished {
			counts = append(counts, fmt.Sprint(unfinished[g]))
		}
		mrow := append([]string{g}, counts...)
		crow := []string{g}
		for _, k := range keys {
			crow = append(crow, setting(by[g][0].Config, k))
		}
		crow = append(crow, counts...)
		for i, s := range kept {
			if s.ref != nil {
				ref := s.ref[g]
				if ref == "" {
					ref = "–"
				}
				mrow, crow = append(mrow, ref), append(crow, ref)
				continue
			}
			c, d := cells[i][j], s.decimals
			if d < 0 {
				d = decimalsFor(c.mean)
			}
			mrow, crow = append(mrow, report.PM(c.mean, c.sd, d)), append(crow, num(c.mean), num(c.sd))
		}
		md.Rows, csv.Rows = append(md.Rows, mrow), append(csv.Rows, crow)
	}
	return md, csv
}

// writeTable writes md to name.md and csv to name.csv in dir and returns
// the Markdown.
func writeTable(dir, name string, md, csv *report.Table) (string, error) {
	if err := md.WriteMarkdown(filepath.Join(dir, name+".md")); err != nil {
		return "", err
	}
	if err := csv.WriteCSV(filepath.Join(dir, name+".csv")); err != nil {
		return "", err
	}
	return md.Markdown(), nil
}

func pm(rs []experiment.Result, decimals int, f func(experiment.Result) float64) string {
	m, s := final(rs, f)
	return report.PM(m, s, decimals)
}

// layerNames names the hidden layers of E1's and E2's networks by the
// feedback that reaches them.
var layerNames = []string{"hidden layer 1 (B ≈ W²ᵀ)", "hidden layer 2 (B ≈ W³ᵀ)"}

// feedbackTable tabulates, per group and hidden layer (0-based, in the
// order of layers), the final relative error, weight angle and sign
// congruence of the learned feedback, mean ± sd over the seeds, after the
// training samples or, if bySteps, the iterations of the group's first run.
func feedbackTable(order []string, by map[string][]experiment.Result, layers []int, bySteps bool) *report.Table {
	count := "samples"
	if bySteps {
		count = "iterations"
	}
	t := &report.Table{Header: []string{"rule", "layer", count, "relative error", "weight angle (°)", "sign congruence"}}
	for _, g := range order {
		n := by[g][0].Summary.Samples
		if bySteps {
			n = by[g][0].Summary.Steps
		}
		for _, i := range layers {
			t.Rows = append(t.Rows, []string{g, layerNames[i], fmt.Sprint(n),
				pm(by[g], 4, func(r experiment.Result) float64 { return relErr(lastLayer(r, i)) }),
				pm(by[g], 2, func(r experiment.Result) float64 { return weightAngle(lastLayer(r, i)) }),
				pm(by[g], 4, func(r experiment.Result) float64 { return signCong(lastLayer(r, i)) })})
		}
	}
	return t
}

// errorPanel plots the test error (%) against the epoch.
func errorPanel(order []string, by map[string][]experiment.Result) report.Panel {
	return report.Panel{
		Title: "test error", XLabel: "epoch", YLabel: "test error (%)", LogY: true,
		Series: series(order, by, epochCurve(func(e rundir.Epoch) float64 { return 100 * float64(e.TestError) })),
	}
}

// lossPanel plots scale × the test loss (solid) and the training loss
// (dashed, in the same colour) against the epoch, with bands of ± sd, or
// of ± se (sd/√n) if se.
func lossPanel(order []string, by map[string][]experiment.Result, scale float64, se bool, title, yLabel string) report.Panel {
	var curves []report.Series
	for _, which := range []string{"test", "train"} {
		f := func(e rundir.Epoch) float64 { return scale * float64(e.TestLoss) }
		if which == "train" {
			f = func(e rundir.Epoch) float64 { return scale * float64(e.TrainLoss) }
		}
		for _, s := range series(order, by, epochCurve(f)) {
			if se {
				n := math.Sqrt(float64(len(by[s.Label])))
				for i := range s.Lo {
					s.Lo[i] = s.Y[i] - (s.Y[i]-s.Lo[i])/n
					s.Hi[i] = s.Y[i] + (s.Hi[i]-s.Y[i])/n
				}
			}
			s.Colour = s.Label
			if which == "train" {
				s.Dashed, s.Label = true, s.Label+" (train)"
			}
			curves = append(curves, s)
		}
	}
	return report.Panel{Title: title, XLabel: "epoch", YLabel: yLabel, LogY: true, Series: curves}
}

// layerPanel plots hidden layer i's diagnostic v against the epoch, or,
// when some run recorded diag.jsonl, against optimiser steps (see
// stepCurve).
func layerPanel(order []string, by map[string][]experiment.Result, i int, v layerValue, title, yLabel string) report.Panel {
	for _, g := range order {
		for _, r := range by[g] {
			if len(r.Diags) > 0 {
				return report.Panel{Title: title, XLabel: "optimiser steps", YLabel: yLabel, Series: series(order, by, stepCurve(i, v))}
			}
		}
	}
	return report.Panel{Title: title, XLabel: "epoch", YLabel: yLabel,
		Series: series(order, by, epochCurve(func(e rundir.Epoch) float64 { return v(layerAt(e.Layers, i)) }))}
}

// deltaAnglePanel plots the delta angle of hidden layer i (see layerPanel).
func deltaAnglePanel(order []string, by map[string][]experiment.Result, i int, name string) report.Panel {
	return layerPanel(order, by, i, deltaAngle, "delta angle, "+name, "angle to backprop's error (°)")
}

// dataNames are the data sets as figure titles name them.
var dataNames = map[string]string{"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "cifar10": "CIFAR-10", "linear": "linear teacher"}

// dataNets names the data sets and networks of rs for a figure's title, in
// order of first appearance: "MNIST 784-50-20-10", several joined by "; ",
// a layer list abbreviated by netName; more than four as a count.
func dataNets(rs []experiment.Result) string {
	var names []string
	seen := map[string]bool{}
	for _, r := range rs {
		d := dataNames[r.Config.Data]
		if d == "" {
			d = r.Config.Data
		}
		n := d + " " + netName(r.Config.Net)
		if r.Config.Autoencoder {
			n += " autoencoder"
		}
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	if len(names) > 4 {
		return fmt.Sprintf("%d data sets and networks", len(names))
	}
	return strings.Join(names, "; ")
}

// netName shortens a --net layer list for a title: widths stay as they
// are (784-50-20-10); layers become the widths of their kinds, "CNN conv
// 16-32-32, fc 128-10" (pools and dropout left out), or "fc 200-2-200-784"
// for dense layers alone; a named architecture (resnet20, lenet) stays as
// it is.
func netName(net string) string {
	if !strings.Contains(net, ",") {
		return net
	}
	var convs, fcs []string
	for _, l := range strings.Split(net, ",") {
		l, _, _ = strings.Cut(l, ":")
		switch {
		case strings.HasPrefix(l, "conv"):
			f := l[strings.LastIndex(l, "x")+1:]
			if i := strings.IndexAny(f, "sp"); i >= 0 {
				f = f[:i]
			}
			convs = append(convs, f)
		case strings.HasPrefix(l, "fc"):
			fcs = append(fcs, strings.TrimPrefix(l, "fc"))
		}
	}
	if len(convs) == 0 {
		return "fc " + strings.Join(fcs, "-")
	}
	return "CNN conv " + strings.Join(convs, "-") + ", fc " + strings.Join(fcs, "-")
}
