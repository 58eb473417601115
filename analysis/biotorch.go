package analysis

import (
	"fmt"
	"math"
	"path/filepath"

	"github.com/creditlab/credit/experiment"
	"github.com/creditlab/credit/report"
	"github.com/creditlab/credit/rundir"
)

// biotorchRules is every rule of the comparison, in the table's order.
var biotorchRules = []string{"bp", "fa", "dfa", "usf", "brsf", "frsf", "kp", "wm", "np", "npdfa", "dkp", "pfa", "drtp", "sdfa"}

// biotorchPublished holds BioTorch's published CIFAR-10 test errors (%) by
// group (its README, Sanfiz & Akrout 2021; SPEC §7): ResNet-20 with SGD.
var biotorchPublished = map[string]string{
	"ResNet-20 bp": "8.63", "ResNet-20 fa": "32.16", "ResNet-20 dfa": "45.94",
	"ResNet-20 usf": "10.05", "ResNet-20 brsf": "11.02", "ResNet-20 frsf": "11.20",
}

// BioTorch's CIFAR-10 benchmark (configs/biotorch.yaml).
func init() { reportOf("biotorch", biotorchReport) }

// biotorchReport writes biotorch.md/.csv (per network and rule: final
// test error, the best validation error and its epoch when the runs held
// out a validation set, the mean delta angle, BioTorch's published error
// beside) and biotorch.png/.svg (validation or test error over epochs).
func biotorchReport(dir string, rs []experiment.Result) (string, error) {
	order, by := groups(rs)
	t := &report.Table{Header: []string{"network", "rule", "seeds", "epochs", "test error (%)", "BioTorch (%)",
		"best val error (%)", "at epoch", "delta angle (°)"}}
	nets, perNet := byNetwork(order, by)
	for _, net := range nets {
		for _, rule := range biotorchRules {
			g := net + " " + rule
			if by[g] == nil {
				continue
			}
			pub := biotorchPublished[g]
			if pub == "" {
				pub = "–"
			}
			best, at := bestVal(by[g][0])
			bs, as := "–", "–"
			if !math.IsNaN(best) {
				bs, as = fmt.Sprintf("%.2f", 100*best), fmt.Sprint(at)
			}
			t.Rows = append(t.Rows, []string{net, rule, fmt.Sprint(len(by[g])), fmt.Sprint(by[g][0].Summary.Epochs),
				pm(by[g], 2, testErrorPct), pub, bs, as,
				pm(by[g], 1, func(r experiment.Result) float64 { return meanOver(r.Summary.Layers, deltaAngle) })})
		}
	}
	var panels []report.Panel
	for _, net := range nets {
		ss := series(perNet[net], by, epochCurve(func(e rundir.Epoch) float64 {
			if e.ValError != nil {
				return 100 * float64(*e.ValError)
			}
			return 100 * float64(e.TestError)
		}))
		for i := range ss {
			ss[i].Label = by[perNet[net][i]][0].Config.Rule
		}
		panels = append(panels, report.Panel{Title: net, XLabel: "epoch", YLabel: "validation (or test) error (%)", Series: ss})
	}
	if err := report.TitledFigure(filepath.Join(dir, "biotorch"), "BioTorch's benchmark: "+dataNets(rs), len(nets), panels); err != nil {
		return "", err
	}
	return writeTable(dir, "biotorch", t, t)
}

// bestVal returns the lowest validation error of a run over its epochs
// after the first, and that epoch (NaN without a validation set).
func bestVal(r experiment.Result) (float64, int) {
	best, at := math.NaN(), 0
	for _, e := range r.Epochs {
		if e.ValError == nil || e.Epoch == 0 {
			continue
		}
		if v := float64(*e.ValError); math.IsNaN(best) || v < best {
			best, at = v, e.Epoch
		}
	}
	return best, at
}
