package analysis

import (
	"fmt"
	"path/filepath"

	"github.com/creditlab/credit/experiment"
	"github.com/creditlab/credit/metrics"
	"github.com/creditlab/credit/report"
	"github.com/creditlab/credit/rundir"
)

// zooRules is every rule of the comparison, in the order of the table.
var zooRules = []string{"bp", "fa", "dfa", "np", "npdfa", "usf", "brsf", "frsf", "wm", "kp",
	"dkp", "pfa", "drtp", "sdfa", "fgw", "fga"}

// zooNet is one network of the comparison (configs/zoo.yaml's groups are
// "<label> <rule>"): the rules not run on it, with the reason shown in
// their row, and published results.
type zooNet struct {
	label string
	skip  map[string]string
	// reference holds published results per rule: test error (%) and
	// delta angle (°).
	reference map[string][2]string
}

var zooNets = []zooNet{
	{label: "MNIST 784-500-10", skip: map[string]string{
		// One hidden layer: the output error is the error from above, and
		// the same stream draws the same 10×500 matrix.
		"dfa":   "same as fa: with one hidden layer direct and layer-wise feedback coincide",
		"npdfa": "same as np: with one hidden layer direct and layer-wise feedback coincide",
	}, reference: map[string][2]string{
		// Akrout et al. 2019, their MNIST code (400 epochs).
		"bp": {"1.50", "0"}, "fa": {"2.20", "≈ 35"}, "wm": {"1.51", "≈ 3"}, "kp": {"1.53", "≈ 3"},
	}},
	{label: "MNIST 784-50-20-10"},
	{label: "CIFAR-10 small CNN"},
}

// The zoo (configs/zoo.yaml): every rule on MNIST MLPs and a small
// CIFAR-10 CNN.
func init() { reportOf("zoo", zooReport) }

// meanOver averages one diagnostic over a run's hidden layers (NaN if it
// is undefined for the rule, such as the weight angle of bp or dfa).
func meanOver(ls []metrics.Layer, v layerValue) float64 {
	var s float64
	for _, l := range ls {
		s += v(l)
	}
	return s / float64(len(ls))
}

// zooReport writes zoo.md/.csv (final test error, delta angle and weight
// angle per network and rule, mean ± sd over seeds, Akrout et al.'s
// numbers beside; a rule not run on a network has a row saying why) and
// zoo.png/.svg (per network: test error, delta angle and weight angle over
// epochs, one colour per rule).
func zooReport(dir string, rs []experiment.Result) (string, error) {
	order, by := groups(rs)
	nets, perNet := byNetwork(order, by)
	t := &report.Table{Header: []string{"network", "rule", "seeds", "epochs", "test error (%)", "Akrout et al. (%)",
		"delta angle (°)", "Akrout et al. (°)", "weight angle (°)"}}
	zn := map[string]zooNet{}
	for _, n := range zooNets {
		zn[n.label] = n
	}
	for _, net := range nets {
		for _, rule := range zooRules {
			if why := zn[net].skip[rule]; why != "" {
				t.Rows = append(t.Rows, []string{net, rule, "0", "–", "not run: " + why, "–", "–", "–", "–"})
			}
			g := net + " " + rule
			if by[g] == nil {
				continue
			}
			first := by[g][0]
			ref, ok := zn[net].reference[rule]
			if !ok {
				ref = [2]string{"–", "–"}
			}
			t.Rows = append(t.Rows, []string{net, rule, fmt.Sprint(len(by[g])), fmt.Sprint(first.Summary.Epochs),
				pm(by[g], 2, func(r experiment.Result) float64 { return 100 * float64(r.Summary.TestError) }), ref[0],
				pm(by[g], 1, func(r experiment.Result) float64 { return meanOver(r.Summary.Layers, deltaAngle) }), ref[1],
				pm(by[g], 1, func(r experiment.Result) float64 { return meanOver(r.Summary.Layers, weightAngle) })})
		}
	}
	var panels []report.Panel
	for _, m := range []struct {
		title string
		logY  bool
		f     func(rundir.Epoch) float64
	}{
		{"test error (%)", true, func(e rundir.Epoch) float64 { return 100 * float64(e.TestError) }},
		{"delta angle (°), mean over hidden layers", false, func(e rundir.Epoch) float64 { return meanOver(e.Layers, deltaAngle) }},
		{"weight angle (°), mean over hidden layers", false, func(e rundir.Epoch) float64 { return meanOver(e.Layers, weightAngle) }},
	} {
		for _, net := range nets {
			ss := series(perNet[net], by, epochCurve(m.f))
			for i := range ss {
				ss[i].Label = by[perNet[net][i]][0].Config.Rule
			}
			panels = append(panels, report.Panel{Title: net, XLabel: "epoch", YLabel: m.title, LogY: m.logY, Series: ss})
		}
	}
	if err := report.TitledFigure(filepath.Join(dir, "zoo"), "Zoo, every rule: "+dataNets(rs), len(nets), panels); err != nil {
		return "", err
	}
	return writeTable(dir, "zoo", t, t)
}
