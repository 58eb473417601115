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
		return writeTable(dir, "e4", md, csv)
	})
}
