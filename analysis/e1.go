package analysis

import (
	"path/filepath"

	"github.com/creditlab/credit/experiment"
	"github.com/creditlab/credit/report"
)

// E1 (SPEC §5, configs/e1.yaml): the linear theory check. Ridge-learned B
// must approach Wᵀ for every layer of a linear network with W fixed.
func init() {
	reportOf("e1", func(dir string, rs []experiment.Result) (string, error) {
		order, by := groups(rs)
		var panels []report.Panel
		for i := 1; i >= 0; i-- {
			panels = append(panels, report.Panel{
				Title: layerNames[i], XLabel: "training samples", YLabel: "‖B − Wᵀ‖ / ‖W‖", LogX: true, LogY: true,
				Series: series(order, by, diagCurve(i, relErr, false)),
			})
		}
		if err := report.TitledFigure(filepath.Join(dir, "e1_relative_error"), "E1, W fixed, ridge-learned B → Wᵀ: "+dataNets(rs), 2, panels); err != nil {
			return "", err
		}
		t := feedbackTable(order, by, []int{1, 0}, false)
		return writeTable(dir, "e1", t, t)
	})
}
