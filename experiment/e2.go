package experiment

import (
	"fmt"
	"path/filepath"

	"github.com/creditlab/credit/report"
)

var layerNames = []string{"hidden layer 1 (B ≈ W²ᵀ)", "hidden layer 2 (B ≈ W³ᵀ)"}

// E2 (SPEC §5, configs/e2a.yaml and e2b.yaml), the paper's Fig. 2. (a): W
// frozen, B learned by ridge regression at three noise levels; (b): W and B
// learned together, np against fa and bp.
func init() {
	fromFile("e2a", func(dir string, rs []Result) (string, error) {
		order, by := groups(rs)
		var panels []report.Panel
		for _, m := range []struct {
			name string
			v    layerValue
			logY bool
		}{{"relative error ‖B − Wᵀ‖/‖W‖", relErr, true}, {"weight angle (°)", weightAngle, false}, {"sign congruence", signCong, false}} {
			for i := range layerNames {
				panels = append(panels, report.Panel{
					Title: layerNames[i], XLabel: "iterations", YLabel: m.name, LogX: true, LogY: m.logY,
					Series: series(order, by, diagCurve(i, m.v, true)),
				})
			}
		}
		if err := report.Figure(filepath.Join(dir, "e2a_feedback"), 2, panels); err != nil {
			return "", err
		}
		t := &report.Table{Header: []string{"rule", "layer", "iterations", "relative error", "weight angle (°)", "sign congruence"}}
		for _, g := range order {
			for i := range layerNames {
				t.Rows = append(t.Rows, []string{g, layerNames[i], fmt.Sprint(by[g][0].Summary.Steps),
					pm(by[g], 4, func(r Result) float64 { return relErr(lastLayer(r, i)) }),
					pm(by[g], 2, func(r Result) float64 { return weightAngle(lastLayer(r, i)) }),
					pm(by[g], 4, func(r Result) float64 { return signCong(lastLayer(r, i)) })})
			}
		}
		return writeTable(dir, "e2a", t, t)
	})

	// The authors' final test errors (5 seeds, 2·10⁶ iterations).
	reference := map[string]string{
		noiseLabel(1e-4): "3.51", noiseLabel(1e-3): "3.51", noiseLabel(1e-2): "3.64", noiseLabel(1e-1): "15.9",
		"fa": "4.28", "bp": "2.65",
	}
	fromFile("e2b", func(dir string, rs []Result) (string, error) {
		order, by := groups(rs)
		panels := []report.Panel{errorPanel(order, by)}
		for i := range layerNames {
			panels = append(panels, deltaAnglePanel(order, by, i, fmt.Sprintf("hidden layer %d", i+1)))
		}
		if err := report.Figure(filepath.Join(dir, "e2b_test_error"), 3, panels); err != nil {
			return "", err
		}
		md, csv := statTable("rule", order, by, []stat{
			{name: "test error (%)", decimals: 2, of: testErrorPct},
			{name: "authors (%)", ref: reference},
			layerStat("delta angle", 1, 0, deltaAngle),
			layerStat("delta angle", 1, 1, deltaAngle),
		}, nil)
		return writeTable(dir, "e2b", md, csv)
	})
	alias("e2", "e2a", "e2b")
}
