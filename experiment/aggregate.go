package experiment

import (
	"fmt"
	"math"
	"path/filepath"

	"github.com/creditlab/credit/metrics"
	"github.com/creditlab/credit/report"
	"github.com/creditlab/credit/train"
)

// groups returns the group labels in order of first appearance and the
// results of each.
func groups(rs []Result) ([]string, map[string][]Result) {
	var order []string
	by := map[string][]Result{}
	for _, r := range rs {
		if _, ok := by[r.Group]; !ok {
			order = append(order, r.Group)
		}
		by[r.Group] = append(by[r.Group], r)
	}
	return order, by
}

// curve extracts one x-y curve from a result.
type curve func(Result) (x, y []float64)

// series aggregates a curve over the results of each group into a line
// with a mean ± sd band.
func series(order []string, by map[string][]Result, f curve) []report.Series {
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

// layerValue picks one diagnostic of hidden layer i (0-based).
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

// diagCurve is a per-step diagnostic of layer i against samples (or steps).
func diagCurve(i int, v layerValue, bySteps bool) curve {
	return func(r Result) (x, y []float64) {
		for _, d := range r.Diags {
			if bySteps {
				x = append(x, float64(d.Step))
			} else {
				x = append(x, float64(d.Samples))
			}
			y = append(y, v(d.Layers[i]))
		}
		return
	}
}

// epochCurve is a per-epoch quantity against the epoch.
func epochCurve(f func(train.Epoch) float64) curve {
	return func(r Result) (x, y []float64) {
		for _, e := range r.Epochs {
			x = append(x, float64(e.Epoch))
			y = append(y, f(e))
		}
		return
	}
}

// final aggregates a per-run number over each group's seeds.
func final(rs []Result, f func(Result) float64) (mean, sd float64) {
	var xs []float64
	for _, r := range rs {
		xs = append(xs, f(r))
	}
	return report.MeanSD(xs)
}

// lastLayer returns the final per-epoch diagnostics of hidden layer i.
func lastLayer(r Result, i int) metrics.Layer { return r.Summary.Layers[i] }

// writeTable writes name.md and name.csv into dir and returns the Markdown.
func writeTable(dir, name string, t *report.Table) (string, error) {
	if err := t.WriteMarkdown(filepath.Join(dir, name+".md")); err != nil {
		return "", err
	}
	if err := t.WriteCSV(filepath.Join(dir, name+".csv")); err != nil {
		return "", err
	}
	return t.Markdown(), nil
}

func pm(rs []Result, decimals int, f func(Result) float64) string {
	m, s := final(rs, f)
	return report.PM(m, s, decimals)
}

func seedList(n int) []uint64 {
	s := make([]uint64, n)
	for i := range s {
		s[i] = uint64(i + 1)
	}
	return s
}

func noiseLabel(c float64) string { return fmt.Sprintf("np c=%g", c) }

// deltaAnglePanel plots the per-epoch delta angle of hidden layer i.
func deltaAnglePanel(order []string, by map[string][]Result, i int, name string) report.Panel {
	return report.Panel{
		Title: "delta angle, " + name, XLabel: "epoch", YLabel: "angle to backprop's error (°)",
		Series: series(order, by, epochCurve(func(e train.Epoch) float64 {
			if len(e.Layers) <= i {
				return math.NaN()
			}
			return float64(e.Layers[i].DeltaAngle)
		})),
	}
}
