package experiment

import (
	"fmt"
	"path/filepath"

	"github.com/creditlab/credit/report"
	"github.com/creditlab/credit/train"
)

// E1 (SPEC §5): the linear theory check. A linear 30-10-10-10 network with
// W fixed, inputs x ~ N(0, I) and targets y = T x; node perturbation and
// ridge regression learn B, which must approach Wᵀ for every layer (the
// widths keep each hidden layer no wider than the output, so every B is
// identifiable).
func init() {
	register(&Experiment{
		Name:  "e1",
		Title: "E1: linear network, W fixed, ridge-learned B → Wᵀ",
		Runs: func(s Scale) []Run {
			epochs, every, seeds := 20, 500, 3 // 62,500 steps of 32
			if s == Full {
				epochs, every = 100, 2500
			}
			var runs []Run
			for _, c := range []float64{1e-3, 1e-2, 1e-1} {
				for _, seed := range seedList(seeds) {
					cfg := train.Default()
					cfg.Data, cfg.TrainSize, cfg.Net, cfg.Act, cfg.OutAct = "linear", 100000, "30-10-10-10", "linear", "linear"
					cfg.Rule, cfg.Noise, cfg.FeedbackSolver, cfg.Ridge = "np", c, "ridge", 0.1
					cfg.FreezeWeights, cfg.Opt, cfg.LR = true, "sgd", 1e-3
					cfg.Epochs, cfg.DiagEvery, cfg.Seed = epochs, every, seed
					runs = append(runs, Run{Group: noiseLabel(c), Config: cfg})
				}
			}
			return runs
		},
		Report: func(dir string, rs []Result) (string, error) {
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
		},
	})
}
