package feedback

import (
	"math/rand/v2"

	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

// activityNoise is the control for node perturbation's noise (the
// authors' rebuttal control): in training passes (net.Training) noise of
// scale Options.ActivityNoise is added at every hidden site, as in node
// perturbation's noisy pass, and the step learns from that noisy pass.
// Evaluation and diagnostic passes stay clean. New adds it to any rule
// when the option is set; Perturbation refuses it.
type activityNoise struct {
	c         float64
	xi, noise []*tensor.Mat
	losses    []float64
}

// Attach implements Part.
func (a *activityNoise) Attach(r *Rule, net *nn.Net, _ *rand.Rand) error {
	a.c, a.xi, a.noise = r.Opt.ActivityNoise, mats(net.Sites()), mats(net.Sites())
	return nil
}

// Pass implements Passer.
func (a *activityNoise) Pass(s *Step) {
	var noise []*tensor.Mat
	if s.Net.Training {
		drawNoise(s, a.xi, a.noise, a.c)
		noise = a.noise
	}
	forwardPass(s, noise, &a.losses, nil)
}
