package analysis

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/creditlab/credit/experiment"
	"github.com/creditlab/credit/report"
)

// pairedMinSeeds is the fewest seeds two groups must share for a paired
// comparison: with 2 the 95 % interval's t quantile is 12.7, no confidence
// worth a table.
const pairedMinSeeds = 3

// paired is the paired difference a − b of a statistic over the seeds that
// two groups share (finished runs only).
type paired struct {
	a, b   string
	seeds  []uint64
	diffs  []float64 // by seed
	mean   float64
	sd     float64 // sample sd of the differences
	lo, hi float64 // the 95 % interval mean ± t_{0.975, n−1}·sd/√n
}

// pairBySeed returns the paired difference f(a) − f(b) over the seeds both
// groups finished.
func pairBySeed(a, b string, ra, rb []experiment.Result, f func(experiment.Result) float64) paired {
	p := paired{a: a, b: b}
	of := map[uint64]experiment.Result{}
	for _, r := range rb {
		if r.Finished {
			of[r.Config.Seed] = r
		}
	}
	for _, r := range ra {
		if o, ok := of[r.Config.Seed]; ok && r.Finished {
			p.seeds = append(p.seeds, r.Config.Seed)
			p.diffs = append(p.diffs, f(r)-f(o))
		}
	}
	p.mean, p.sd, p.lo, p.hi = tInterval(p.diffs)
	return p
}

// tInterval returns the mean, the sample sd and the 95 % Student-t interval
// of the mean of xs (NaN where undefined: no value, or one for the sd and
// interval).
func tInterval(xs []float64) (mean, sd, lo, hi float64) {
	n := len(xs)
	mean, sd = report.MeanSD(xs)
	if n < 2 {
		return mean, math.NaN(), math.NaN(), math.NaN()
	}
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(0.975)
	h := t * sd / math.Sqrt(float64(n))
	return mean, sd, mean - h, mean + h
}

// pairedTable formats paired differences: per comparison the seeds, the
// mean difference ± its sample sd, the 95 % interval and each seed's
// difference (Markdown), and the numbers at full precision (CSV).
func pairedTable(stat string, decimals int, ps []paired) (md, csv *report.Table) {
	md = &report.Table{Header: []string{"difference", "seeds", stat + " mean ± sd", "95 % CI (paired t)", "per seed"}}
	csv = &report.Table{Header: []string{"a", "b", "seeds", "mean", "sd", "ci_low", "ci_high", "per_seed"}}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', decimals, 64) }
	g := func(v float64) string {
		if math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	for _, p := range ps {
		var each, eachCSV []string
		for i, d := range p.diffs {
			each = append(each, fmt.Sprintf("%d: %+.*f", p.seeds[i], decimals, d))
			eachCSV = append(eachCSV, g(d))
		}
		ci := "–"
		if !math.IsNaN(p.lo) {
			ci = "[" + f(p.lo) + ", " + f(p.hi) + "]"
		}
		md.Rows = append(md.Rows, []string{p.a + " − " + p.b, fmt.Sprint(len(p.diffs)), report.PM(p.mean, p.sd, decimals), ci, strings.Join(each, ", ")})
		csv.Rows = append(csv.Rows, []string{p.a, p.b, fmt.Sprint(len(p.diffs)), g(p.mean), g(p.sd), g(p.lo), g(p.hi), strings.Join(eachCSV, " ")})
	}
	return md, csv
}

// groupsOfRule returns the groups, in order, whose runs train rule.
func groupsOfRule(order []string, by map[string][]experiment.Result, rule string) []string {
	return slices.DeleteFunc(slices.Clone(order), func(g string) bool { return by[g][0].Config.Rule != rule })
}
