package experiment

import (
	"fmt"
	"path/filepath"

	"github.com/creditlab/credit/report"
	"github.com/creditlab/credit/train"
)

// E4 (SPEC §5, configs/e4.yaml): the paper's CIFAR-10 CNN, npdfa against
// dfa and bp.
func init() {
	fromFile("e4", func(dir string, rs []Result) (string, error) {
		order, by := groups(rs)
		acc := func(e train.Epoch) float64 { return 100 * (1 - float64(e.TestError)) }
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
		if err := report.Figure(filepath.Join(dir, "e4"), 3, panels); err != nil {
			return "", err
		}
		t := &report.Table{Header: []string{"rule", "seeds", "epochs", "test accuracy (%)", "mean delta angle (°)"}}
		for _, g := range order {
			t.Rows = append(t.Rows, []string{g, fmt.Sprint(len(by[g])), fmt.Sprint(by[g][0].Summary.Epochs),
				pm(by[g], 2, func(r Result) float64 { return 100 * (1 - float64(r.Summary.TestError)) }),
				pm(by[g], 1, func(r Result) float64 {
					var s float64
					for _, l := range r.Summary.Layers {
						s += float64(l.DeltaAngle)
					}
					return s / float64(len(r.Summary.Layers))
				})})
		}
		return writeTable(dir, "e4", t)
	})
}

// E4SmallNet returns the network of E4's quick scale.
func E4SmallNet() string {
	es, _ := Lookup("e4")
	return es[0].Runs(Quick)[0].Config.Net
}
