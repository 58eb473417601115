package analysis

import (
	"fmt"
	"math"
	"path/filepath"

	"github.com/creditlab/credit/experiment"
	"github.com/creditlab/credit/metrics"
	"github.com/creditlab/credit/report"
	"github.com/creditlab/credit/rundir"
)

// E4 (SPEC §5, configs/e4.yaml): the paper's CIFAR-10 CNN, npdfa against
// dfa and bp.
func init() {
	reportOf("e4", func(dir string, rs []experiment.Result) (string, error) {
		order, by := groups(rs)
		acc := func(e rundir.Epoch) float64 { return 100 * (1 - float64(e.TestError)) }
		panels := []report.Panel{{
			Title: "test accuracy", XLabel: "epoch", YLabel: "test accuracy (%)",
			Series: series(order, by, epochCurve(acc)),
		}}
		sites := len(rs[0].Summary.Layers)
		siteNames := []string{"conv1 (pooled)", "conv2 (pooled)", "conv3 (pooled)", "fc1", "fc2"}
		for i := 0; i < sites; i++ {
			name := fmt.Sprintf("site %d", i+1)
			if i < len(siteNames) && sites == len(siteNames) {
				name = siteNames[i]
			}
			panels = append(panels, deltaAnglePanel(order, by, i, name))
		}
		if err := report.TitledFigure(filepath.Join(dir, "e4"), "E4: "+dataNets(rs), 3, panels); err != nil {
			return "", err
		}
		md, csv := statTable("rule", order, by, []stat{
			{name: "test accuracy (%)", decimals: 2, of: func(r experiment.Result) float64 { return 100 - testErrorPct(r) }},
			{name: "mean delta angle (°)", decimals: 1, of: func(r experiment.Result) float64 { return metrics.MeanDeltaAngle(r.Summary.Layers) }},
		}, nil)
		text, err := writeTable(dir, "e4", md, csv)
		if err != nil {
			return "", err
		}
		ps := e4Pairs(order, by)
		if len(ps) == 0 {
			return text, nil // quick and full: no seeds to pair
		}
		pmd, pcsv := pairedTable("test accuracy (points)", 2, ps)
		ptext, err := writeTable(dir, "e4-paired", pmd, pcsv)
		if err != nil {
			return "", err
		}
		text += "\nPaired by seed, final test accuracy (percentage points; > 0: the first is better; 95 % CI = mean ± t_{0.975, n−1}·sd/√n):\n\n" + ptext
		emd, ecsv := e4EpochPairs(order, by)
		etext, err := writeTable(dir, "e4-paired-epochs", emd, ecsv)
		if err != nil {
			return "", err
		}
		text += "\nThe same differences, npdfa − dfa without activity noise, at the end of each epoch (points, mean ± sd over the paired seeds, 95 % CI):\n\n" + etext
		smd, scsv := e4Sites(order, by, siteNames)
		stext, err := writeTable(dir, "e4-sites", smd, scsv)
		if err != nil {
			return "", err
		}
		text += "\nFinal delta angle per hidden site (°, mean ± sd over seeds):\n\n" + stext
		amd, acsv := pairedTable("mean delta angle (°)", 1, e4AnglePairs(order, by))
		atext, err := writeTable(dir, "e4-paired-angle", amd, acsv)
		if err != nil {
			return "", err
		}
		return text + "\nPaired by seed, the final mean delta angle (°; < 0: the first is closer to backprop's error):\n\n" + atext, nil
	})
}

// e4Baseline returns the dfa group without activity noise (or "").
func e4Baseline(order []string, by map[string][]experiment.Result) string {
	for _, g := range groupsOfRule(order, by, "dfa") {
		if by[g][0].Config.ActivityNoise == 0 {
			return g
		}
	}
	return ""
}

// e4EpochPairs tabulates, per epoch, the paired difference of test
// accuracy of each npdfa group against dfa without activity noise.
func e4EpochPairs(order []string, by map[string][]experiment.Result) (md, csv *report.Table) {
	base := e4Baseline(order, by)
	nps := groupsOfRule(order, by, "npdfa")
	md, csv = &report.Table{Header: []string{"epoch"}}, &report.Table{Header: []string{"epoch"}}
	if base == "" {
		return md, csv
	}
	epochs := 0
	for _, g := range nps {
		md.Header = append(md.Header, g+" − "+base)
		csv.Header = append(csv.Header, g+" mean", g+" sd", g+" ci_low", g+" ci_high")
		for _, r := range by[g] {
			for _, e := range r.Epochs {
				epochs = max(epochs, e.Epoch)
			}
		}
	}
	for e := 1; e <= epochs; e++ {
		row, crow := []string{fmt.Sprint(e)}, []string{fmt.Sprint(e)}
		for _, g := range nps {
			p := pairBySeed(g, base, by[g], by[base], func(r experiment.Result) float64 {
				for _, ep := range r.Epochs { // epoch 0 is the untrained network
					if ep.Epoch == e {
						return 100 * (1 - float64(ep.TestError))
					}
				}
				return math.NaN()
			})
			row = append(row, fmt.Sprintf("%+.2f ± %.2f [%+.2f, %+.2f]", p.mean, p.sd, p.lo, p.hi))
			crow = append(crow, fmt.Sprint(p.mean), fmt.Sprint(p.sd), fmt.Sprint(p.lo), fmt.Sprint(p.hi))
		}
		md.Rows, csv.Rows = append(md.Rows, row), append(csv.Rows, crow)
	}
	return md, csv
}

// e4Sites tabulates each group's final delta angle per hidden site.
func e4Sites(order []string, by map[string][]experiment.Result, names []string) (md, csv *report.Table) {
	sites := len(by[order[0]][0].Summary.Layers)
	md, csv = &report.Table{Header: []string{"rule"}}, &report.Table{Header: []string{"rule"}}
	for i := 0; i < sites; i++ {
		name := fmt.Sprintf("site %d", i+1)
		if sites == len(names) {
			name = names[i]
		}
		md.Header = append(md.Header, name)
		csv.Header = append(csv.Header, name+" mean", name+" sd")
	}
	for _, g := range order {
		row, crow := []string{g}, []string{g}
		for i := 0; i < sites; i++ {
			var xs []float64
			for _, r := range by[g] {
				if r.Finished && i < len(r.Summary.Layers) {
					xs = append(xs, float64(r.Summary.Layers[i].DeltaAngle))
				}
			}
			m, sd := report.MeanSD(xs)
			row = append(row, report.PM(m, sd, 1))
			crow = append(crow, fmt.Sprint(m), fmt.Sprint(sd))
		}
		md.Rows, csv.Rows = append(md.Rows, row), append(csv.Rows, crow)
	}
	return md, csv
}

// e4AnglePairs returns the paired differences of the final mean delta
// angle of each npdfa group against dfa without activity noise.
func e4AnglePairs(order []string, by map[string][]experiment.Result) []paired {
	base := e4Baseline(order, by)
	if base == "" {
		return nil
	}
	var ps []paired
	for _, g := range groupsOfRule(order, by, "npdfa") {
		ps = append(ps, pairBySeed(g, base, by[g], by[base], func(r experiment.Result) float64 {
			return metrics.MeanDeltaAngle(r.Summary.Layers)
		}))
	}
	return ps
}

// e4Pairs returns the paired differences of final test accuracy of each
// npdfa group against each dfa group, and of each noisy dfa group against
// dfa without noise, when the groups share at least pairedMinSeeds seeds
// (E4's medium scale); none otherwise.
func e4Pairs(order []string, by map[string][]experiment.Result) []paired {
	acc := func(r experiment.Result) float64 { return 100 - testErrorPct(r) }
	dfas := groupsOfRule(order, by, "dfa")
	var ps []paired
	for _, a := range groupsOfRule(order, by, "npdfa") {
		for _, b := range dfas {
			ps = append(ps, pairBySeed(a, b, by[a], by[b], acc))
		}
	}
	for _, a := range dfas {
		for _, b := range dfas {
			if by[a][0].Config.ActivityNoise > 0 && by[b][0].Config.ActivityNoise == 0 {
				ps = append(ps, pairBySeed(a, b, by[a], by[b], acc))
			}
		}
	}
	enough := false
	for _, p := range ps {
		enough = enough || len(p.diffs) >= pairedMinSeeds
	}
	if !enough {
		return nil
	}
	return ps
}
