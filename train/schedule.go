package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/data"
	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

// Schedule is a run's learning rate as a function of its position: the
// base rate LR, a linear warm-up over the first Warmup epochs (step by
// step: the k-th step of the warm-up, counting from 1, has LR·k/(Warmup·
// steps per epoch)), then
//   - constant: LR;
//   - step: LR·Gamma^m after m of the Milestones have passed (epoch e, from
//     1, has passed milestone M when e > M: PyTorch's MultiStepLR stepped
//     once per epoch);
//   - cosine: LR·½(1 + cos(π·t/T)), t the steps taken since the warm-up and
//     T the steps of the run after it (annealed per step, to 0 at the end).
type Schedule struct {
	Kind          string // constant ("" too), step, cosine
	LR, Gamma     float64
	Warmup        int   // warm-up epochs
	Milestones    []int // step: epochs after which the rate is multiplied by Gamma
	Epochs, Steps int   // the run's epochs and steps per epoch
}

// NewSchedule returns c's schedule for steps steps per epoch.
func NewSchedule(c config.Config, steps int) Schedule {
	ms, _ := config.ParseMilestones(c.Milestones)
	return Schedule{Kind: c.Schedule, LR: c.LR, Gamma: c.GammaOrDefault(), Warmup: c.WarmupEpochs,
		Milestones: ms, Epochs: c.Epochs, Steps: steps}
}

// Constant reports whether the rate never changes.
func (s Schedule) Constant() bool { return (s.Kind == "" || s.Kind == "constant") && s.Warmup == 0 }

// At returns the learning rate of step `step` (from 0) of epoch `epoch`
// (from 1).
func (s Schedule) At(epoch, step int) float64 {
	if epoch <= s.Warmup {
		return s.LR * float64((epoch-1)*s.Steps+step+1) / float64(s.Warmup*s.Steps)
	}
	switch s.Kind {
	case "step":
		lr := s.LR
		for _, m := range s.Milestones {
			if epoch > m {
				lr *= s.Gamma
			}
		}
		return lr
	case "cosine":
		t := float64((epoch-1-s.Warmup)*s.Steps + step)
		T := float64((s.Epochs - s.Warmup) * s.Steps)
		return s.LR * 0.5 * (1 + math.Cos(math.Pi*t/T))
	}
	return s.LR
}

// coupledL2 adds l2·W to every weight gradient (not the biases, nor batch
// normalisation's γ and β, which cores keep among their biases): SGD's
// coupled weight decay, which then passes through the optimiser.
func (t *trainer) coupledL2(l2 float32) {
	for b, blk := range t.net.Blocks {
		tensor.Axpy(l2, blk.Core.Weight().Data, t.grads.W[b].Data)
	}
}

// augment applies the random crop and flip to the batch in t.x.
func (t *trainer) augment() {
	shape := t.train.Shape
	if n := shape[0] * shape[1] * shape[2]; len(t.augScratch) < n {
		t.augScratch = make([]float32, n)
	}
	data.CropFlip(t.x.Data[:t.x.Rows*t.x.Cols], shape, 4, t.augRand, t.augScratch)
}

// prepareBench applies --init to the network just built (drawing from the
// init stream after the weights it drew) and checks what batch
// normalisation needs of the batches.
func (t *trainer) prepareBench(initRand *rand.Rand) error {
	if err := nn.Reinit(t.net, t.c.Init, initRand); err != nil {
		return &config.Error{Key: "init", Msg: err.Error()}
	}
	if len(t.net.Buffers()) > 0 {
		if t.c.Batch == 1 {
			return &config.Error{Key: "batch", Msg: "batch normalisation needs at least 2 examples per training batch, got 1"}
		}
		if t.train.N%t.c.Batch == 1 {
			return &config.Error{Key: "batch", Msg: fmt.Sprintf("the last batch of each epoch would hold 1 example (%d training examples in batches of %d), and batch normalisation needs at least 2: change --batch or --train-size", t.train.N, t.c.Batch)}
		}
	}
	return nil
}
