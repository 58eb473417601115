package experiment

import (
	"fmt"
	"path/filepath"

	"github.com/creditlab/credit/report"
)

// E1 (SPEC §5, configs/e1.yaml): the linear theory check. Ridge-learned B
// must approach Wᵀ for every layer of a linear network with W fixed.
func init() {
	fromFile("e1", func(dir string, rs []Result) (string, error) {
		order, by := groups(rs)
		var panels []report.Panel
		names := []string{"hidden layer 1 (B ≈ W²ᵀ)", "hidden layer 2 (B ≈ W³ᵀ)"}
		for i := 1; i >= 0; i-- {
			panels = append(panels, report.Panel{
				Title: names[i], XLabel: "training samples", YLabel: "‖B − Wᵀ‖ / ‖W‖", LogX: true, LogY: true,
				Series: series(order, by, diagCurve(i, relErr, false)),
			})
		}
		if err := report.Figure(filepath.Join(dir, "e1_relative_error"), 2, panels); err != nil {
			return "", err
		}
		t := &report.Table{Header: []string{"rule", "layer", "samples", "relative error", "weight angle (°)", "sign congruence"}}
		for _, g := range order {
			for i := 1; i >= 0; i-- {
				t.Rows = append(t.Rows, []string{g, names[i], fmt.Sprint(by[g][0].Summary.Samples),
					pm(by[g], 4, func(r Result) float64 { return relErr(lastLayer(r, i)) }),
					pm(by[g], 2, func(r Result) float64 { return weightAngle(lastLayer(r, i)) }),
					pm(by[g], 4, func(r Result) float64 { return signCong(lastLayer(r, i)) })})
			}
		}
		return writeTable(dir, "e1", t, t)
	})
}
