package report

import (
	"math"
	"strconv"
)

// MeanSD returns the mean and the sample standard deviation (n−1) of xs,
// ignoring NaNs; NaN, NaN if none. With one value the sd is undefined
// (NaN): one seed says nothing about the spread, and PM then prints the
// mean alone.
func MeanSD(xs []float64) (mean, sd float64) {
	n, sum := 0, 0.0
	for _, x := range xs {
		if !math.IsNaN(x) {
			n++
			sum += x
		}
	}
	switch n {
	case 0:
		return math.NaN(), math.NaN()
	case 1:
		return sum, math.NaN()
	}
	mean = sum / float64(n)
	ss := 0.0
	for _, x := range xs {
		if !math.IsNaN(x) {
			ss += (x - mean) * (x - mean)
		}
	}
	return mean, math.Sqrt(ss / float64(n-1))
}

// PM formats mean ± sd with the given number of decimals, e.g.
// PM(3.512, 0.104, 2) = "3.51 ± 0.10"; a single value (sd NaN) prints just
// the mean; NaN mean prints "–". Negative decimals count as 0.
func PM(mean, sd float64, decimals int) string {
	decimals = max(decimals, 0)
	if math.IsNaN(mean) {
		return "–"
	}
	m := strconv.FormatFloat(mean, 'f', decimals, 64)
	if math.IsNaN(sd) {
		return m
	}
	return m + " ± " + strconv.FormatFloat(sd, 'f', decimals, 64)
}

// Band aggregates several runs' curves sampled at the same X: returns X,
// mean, mean−sd, mean+sd (pointwise, ignoring NaN). Curves of different
// lengths are truncated to the shortest. X is taken from xs[0]; a single
// xs[0] may be shared by all ys, otherwise xs and ys are paired up to the
// shorter of the two. Where every run is NaN, mean, lo and hi are NaN; where
// only one run has a value, lo = hi = mean. No curves give nil slices.
func Band(xs [][]float64, ys [][]float64) (x, mean, lo, hi []float64) {
	runs := len(ys)
	if len(xs) != 1 {
		runs = min(runs, len(xs))
	}
	if runs == 0 || len(xs) == 0 {
		return nil, nil, nil, nil
	}
	n := len(xs[0])
	for k := range runs {
		n = min(n, len(ys[k]))
		if len(xs) > 1 {
			n = min(n, len(xs[k]))
		}
	}
	x = append([]float64(nil), xs[0][:n]...)
	mean, lo, hi = make([]float64, n), make([]float64, n), make([]float64, n)
	col := make([]float64, runs)
	for i := range n {
		for k := range runs {
			col[k] = ys[k][i]
		}
		m, sd := MeanSD(col)
		if math.IsNaN(sd) {
			sd = 0 // one run's value: a band of no width
		}
		mean[i], lo[i], hi[i] = m, m-sd, m+sd
	}
	return x, mean, lo, hi
}
