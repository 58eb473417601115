package train

import (
	"path/filepath"
	"testing"

	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/feedback"
)

// Every rule resumes exactly, on an MLP, a conv network and a small
// residual network with batch normalisation (random MNIST-shaped images;
// sgd feedback learning, so that np learns conv and block kernels; weight
// decay, so that dkp's and pfa's decays are in play): whatever state its
// parts keep, a run stopped, killed and resumed ends as the uninterrupted
// run does.
func TestResumeEveryRule(t *testing.T) {
	idx := tinyIDX(t)
	for _, net := range []string{"fc12,fc10,fc10", "conv3x3x2s2,pool3s2,conv3x3x2,fc8,drop0.2,fc10", "conv3x3x2s2,bn,res2,res4s2p,gap,fc10"} {
		for _, rule := range feedback.Names() {
			t.Run(rule+"/"+net, func(t *testing.T) {
				c := config.Default()
				c.DataDir, c.Net, c.Act, c.Loss, c.Opt, c.LR = idx, net, "tanh", "ce", "momentum", 1e-3
				c.Rule, c.FeedbackSolver, c.FeedbackLR, c.Noise = rule, "sgd", 1e-3, 1e-2
				c.WeightDecay, c.FeedbackDecay = 1e-3, 1e-3
				c.TrainSize, c.Epochs, c.DiagBatch, c.DiagEvery = 300, 4, 100, 7
				c.Out = filepath.Join(t.TempDir(), "run")
				resumeExactly(t, c)
			})
		}
	}
}
