package experiment

import (
	"fmt"
	"github.com/creditlab/credit/config"
	"path/filepath"
	"strings"

	"github.com/creditlab/credit/metrics"
	"github.com/creditlab/credit/report"
	"github.com/creditlab/credit/rundir"
)

// zooRules is every rule of the comparison, in the order of the table.
var zooRules = []string{"bp", "fa", "dfa", "np", "npdfa", "usf", "brsf", "frsf", "wm", "kp"}

// zooNet is one network of the comparison: how to configure a run, and the
// rules not run on it, with the reason shown in their row.
type zooNet struct {
	label  string
	config func(s Scale, seed uint64) config.Config
	skip   map[string]string
	// reference holds published results per rule: test error (%) and
	// delta angle (°).
	reference map[string][2]string
}

// zooMLP is Akrout et al.'s MNIST setup (their code: sigmoid hidden layers,
// batch 128, SGD at lr 0.2 per mean loss) with softmax cross-entropy on a
// linear output in place of their sigmoid output with binary
// cross-entropy, for every rule alike. Every rule gets the same per-step
// weight decay 3·10⁻⁴, the decay Kolen–Pollack needs (and which helps fa's
// W forget its random start): equal terms. np and npdfa learn by ridge
// regression at c = 10⁻³ (the paper's E2); wm mirrors with η_B = λ = 10⁻³
// (wm's η_B is always set to its λ, so its B settles at Wᵀ).
func zooMLP(net string) func(Scale, uint64) config.Config {
	return func(s Scale, seed uint64) config.Config {
		c := config.Default()
		c.Data, c.Net, c.Act, c.OutAct, c.Loss, c.Reduction = "mnist", net, "sigmoid", "linear", "ce", "mean"
		c.Opt, c.LR, c.Batch, c.Seed, c.WeightDecay = "sgd", 0.2, 128, seed, 3e-4
		c.Noise, c.FeedbackSolver, c.Ridge, c.FeedbackDecay = 1e-3, "ridge", 0.1, 1e-3
		c.Epochs = 10
		if s == Full {
			c.Epochs = 400 // Akrout et al.'s schedule
		}
		return c
	}
}

// zooCNN is E4's small CIFAR-10 network and setup (Adam lr 10⁻³) for every
// rule; npdfa with E4 small's c = 0.0673 and D by ridge regression
// (γ = 0.1), but, unlike E4's npdfa, the training loss (cross-entropy) in
// its loss difference, as np and npdfa on the MLPs. One λ is the
// weight decay of every rule and wm's η_B and λ; 1/λ is a fraction of the
// run's steps so that kp and wm can align: quick, the first 20,000
// training images for 3 epochs (470 steps) at λ = 3·10⁻³; full, all of them
// for 50 epochs (19,550 steps) at λ = 3·10⁻⁴.
func zooCNN(s Scale, seed uint64) config.Config {
	c := E4Small() // configs/e4.yaml's small network and setup
	c.Seed = seed
	lambda := 3e-3
	c.TrainSize, c.Epochs = 20000, 3
	if s == Full {
		c.TrainSize, c.Epochs, lambda = 0, 50, 3e-4
	}
	c.LR, c.Noise, c.FeedbackSolver, c.Ridge, c.FeedbackLR = 1e-3, 0.0673, "ridge", 0.1, 1e-3
	c.WeightDecay, c.FeedbackDecay = lambda, lambda
	return c
}

var zooNets = []zooNet{
	{label: "MNIST 784-500-10", config: zooMLP("784-500-10"), skip: map[string]string{
		// One hidden layer: the output error is the error from above, and
		// the same stream draws the same 10×500 matrix.
		"dfa":   "same as fa: with one hidden layer direct and layer-wise feedback coincide",
		"npdfa": "same as np: with one hidden layer direct and layer-wise feedback coincide",
	}, reference: map[string][2]string{
		// Akrout et al. 2019, their MNIST code (400 epochs).
		"bp": {"1.50", "0"}, "fa": {"2.20", "≈ 35"}, "wm": {"1.51", "≈ 3"}, "kp": {"1.53", "≈ 3"},
	}},
	{label: "MNIST 784-50-20-10", config: zooMLP("784-50-20-10")},
	{label: "CIFAR-10 small CNN", config: zooCNN, skip: map[string]string{
		"np": "refused: layer-wise feedback learned by regression needs a dense layer above every hidden site (npdfa is its conv form)",
	}},
}

func init() {
	register(&Experiment{
		Name:  "zoo",
		Title: "Zoo: every rule (bp, fa, dfa, np, npdfa, usf, brsf, frsf, wm, kp) on MNIST 784-500-10, MNIST 784-50-20-10 and a small CIFAR-10 CNN",
		Runs: func(s Scale) []Run {
			seeds := uint64(2)
			if s == Full {
				seeds = 3
			}
			var runs []Run
			for _, n := range zooNets {
				for seed := uint64(1); seed <= seeds; seed++ {
					for _, rule := range zooRules {
						if n.skip[rule] != "" {
							continue
						}
						c := n.config(s, seed)
						c.Rule = rule
						if rule == "wm" {
							c.FeedbackLR = c.FeedbackDecay // η_B = λ: B settles at Wᵀ
						}
						runs = append(runs, Run{Group: n.label + " " + rule, Config: c})
					}
				}
			}
			return runs
		},
		Report: zooReport,
	})
}

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
func zooReport(dir string, rs []Result) (string, error) {
	order, by := groups(rs)
	var nets []string
	perNet := map[string][]string{} // groups of each network, in order
	for _, g := range order {
		rule := by[g][0].Config.Rule
		net := strings.TrimSuffix(g, " "+rule)
		if perNet[net] == nil {
			nets = append(nets, net)
		}
		perNet[net] = append(perNet[net], g)
	}
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
				pm(by[g], 2, func(r Result) float64 { return 100 * float64(r.Summary.TestError) }), ref[0],
				pm(by[g], 1, func(r Result) float64 { return meanOver(r.Summary.Layers, deltaAngle) }), ref[1],
				pm(by[g], 1, func(r Result) float64 { return meanOver(r.Summary.Layers, weightAngle) })})
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
	if err := report.Figure(filepath.Join(dir, "zoo"), len(nets), panels); err != nil {
		return "", err
	}
	return writeTable(dir, "zoo", t, t)
}
