package analysis

import (
	"fmt"
	"path/filepath"

	"github.com/creditlab/credit/experiment"
	"github.com/creditlab/credit/report"
)

// e2bAuthors are the authors' final test errors (%; 5 seeds, 2·10⁶
// iterations) by configs/e2b.yaml's groups ("np c={noise}", "{rule}").
var e2bAuthors = map[string]string{
	"np c=0.0001": "3.51", "np c=0.001": "3.51", "np c=0.01": "3.64", "np c=0.1": "15.9",
	"fa": "4.28", "bp": "2.65",
}

// E2 (SPEC §5, configs/e2a.yaml and e2b.yaml), the paper's Fig. 2. (a): W
// frozen, B learned by ridge regression at three noise levels; (b): W and B
// learned together, np against fa and bp.
func init() {
	reportOf("e2a", func(dir string, rs []experiment.Result) (string, error) {
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
		if err := report.TitledFigure(filepath.Join(dir, "e2a_feedback"), "E2(a), W frozen, ridge-learned B: "+dataNets(rs), 2, panels); err != nil {
			return "", err
		}
		t := feedbackTable(order, by, []int{0, 1}, true)
		return writeTable(dir, "e2a", t, t)
	})

	reportOf("e2b", func(dir string, rs []experiment.Result) (string, error) {
		order, by := groups(rs)
		panels := []report.Panel{errorPanel(order, by)}
		for i := range layerNames {
			panels = append(panels, deltaAnglePanel(order, by, i, fmt.Sprintf("hidden layer %d", i+1)))
		}
		if err := report.TitledFigure(filepath.Join(dir, "e2b_test_error"), "E2(b), W and B learned together: "+dataNets(rs), 3, panels); err != nil {
			return "", err
		}
		md, csv := statTable("rule", order, by, []stat{
			{name: "test error (%)", decimals: 2, of: testErrorPct},
			{name: "authors (%)", ref: e2bAuthors},
			layerStat("delta angle", 1, 0, deltaAngle),
			layerStat("delta angle", 1, 1, deltaAngle),
		}, nil)
		return writeTable(dir, "e2b", md, csv)
	})

}
