package analysis

import (
	"fmt"
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
		return text + "\nPaired by seed, final test accuracy (percentage points; > 0: the first is better):\n\n" + ptext, nil
	})
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
