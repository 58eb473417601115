package experiment

import (
	"fmt"
	"path/filepath"

	"github.com/creditlab/credit/report"
	"github.com/creditlab/credit/train"
)

// mnistPaper is the network of the paper's Fig. 2: 784-50-20-10 sigmoid,
// linear output, ½‖ŷ − y‖² summed over batches of 32, plain SGD.
func mnistPaper(seed uint64) train.Config {
	c := train.Default()
	c.Net, c.Act, c.OutAct, c.Loss, c.Reduction = "784-50-20-10", "sigmoid", "linear", "mse", "sum"
	c.Opt, c.LR, c.Batch, c.Seed = "sgd", 4e-4, 32, seed
	c.Noise, c.FeedbackSolver, c.Ridge = 1e-3, "ridge", 0.1
	return c
}

var layerNames = []string{"hidden layer 1 (B ≈ W²ᵀ)", "hidden layer 2 (B ≈ W³ᵀ)"}

// E2(a): W frozen, B learned by ridge regression at three noise levels.
func init() {
	register(&Experiment{
		Name:  "e2a",
		Title: "E2(a): MNIST 784-50-20-10, W frozen, ridge-learned B at c ∈ {1e-3, 1e-2, 1e-1}",
		Runs: func(s Scale) []Run {
			epochs, every := 17, 500 // 31,875 iterations: 10⁶ samples
			if s == Full {
				epochs, every = 534, 10000 // 10⁶ iterations, as plotted in the paper
			}
			var runs []Run
			for _, c := range []float64{1e-3, 1e-2, 1e-1} {
				for _, seed := range seedList(3) {
					cfg := mnistPaper(seed)
					cfg.Rule, cfg.Noise, cfg.FreezeWeights = "np", c, true
					cfg.Epochs, cfg.DiagEvery = epochs, every
					runs = append(runs, Run{Group: noiseLabel(c), Config: cfg})
				}
			}
			return runs
		},
		Report: func(dir string, rs []Result) (string, error) {
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
		},
	})

	// The authors' final test errors (5 seeds, 2·10⁶ iterations).
	reference := map[string]string{
		noiseLabel(1e-4): "3.51", noiseLabel(1e-3): "3.51", noiseLabel(1e-2): "3.64", noiseLabel(1e-1): "15.9",
		"fa": "4.28", "bp": "2.65",
	}
	register(&Experiment{
		Name:  "e2b",
		Title: "E2(b): MNIST 784-50-20-10, W and B learned together (np, fa, bp)",
		Runs: func(s Scale) []Run {
			epochs, seeds, cs := 10, 2, []float64{1e-3, 1e-2, 1e-1}
			if s == Full {
				epochs, seeds, cs = 1067, 5, []float64{1e-4, 1e-3, 1e-2, 1e-1} // 2·10⁶ iterations
			}
			var runs []Run
			for _, seed := range seedList(seeds) {
				for _, c := range cs {
					cfg := mnistPaper(seed)
					cfg.Rule, cfg.Noise, cfg.Warmup, cfg.Epochs = "np", c, 1, epochs
					runs = append(runs, Run{Group: noiseLabel(c), Config: cfg})
				}
				for _, rule := range []string{"fa", "bp"} {
					cfg := mnistPaper(seed)
					cfg.Rule, cfg.Epochs = rule, epochs
					runs = append(runs, Run{Group: rule, Config: cfg})
				}
			}
			return runs
		},
		Report: func(dir string, rs []Result) (string, error) {
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
		},
	})
	alias("e2", "e2a", "e2b")
}
