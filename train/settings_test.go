package train

import (
	"errors"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/rundir"
)

// linearRun is a tiny regression run for the settings' tests.
func linearRun(t *testing.T) config.Config {
	c := config.Default()
	c.Data, c.Net, c.Act, c.Epochs, c.DiagBatch, c.Batch, c.TrainSize = "linear", "30-12-8-10", "tanh", 2, 100, 16, 256
	c.Out = filepath.Join(t.TempDir(), "run")
	return c
}

// --train-offset N trains on the examples from N on: with --train-size M,
// exactly examples N…N+M−1 of the full set; the test set is unchanged.
func TestTrainOffset(t *testing.T) {
	c := linearRun(t)
	full, err := build(c)
	if err != nil {
		t.Fatal(err)
	}
	c.TrainSize = 0
	all, err := build(c)
	if err != nil {
		t.Fatal(err)
	}
	c.TrainOffset, c.TrainSize = 100, 50
	off, err := build(c)
	if err != nil {
		t.Fatal(err)
	}
	if off.train.N != 50 {
		t.Fatalf("N = %d, want 50", off.train.N)
	}
	in, out := all.train.In, all.train.Out
	if !slices.Equal(off.train.X, all.train.X[100*in:150*in]) || !slices.Equal(off.train.Y, all.train.Y[100*out:150*out]) {
		t.Error("the offset training set is not examples 100–149")
	}
	if !slices.Equal(off.test.X, full.test.X) {
		t.Error("the test set changed")
	}
	c.TrainSize = 0
	if tail, err := build(c); err != nil || tail.train.N != all.train.N-100 {
		t.Errorf("offset without size: %v, N %d, want %d", err, tail.train.N, all.train.N-100)
	}
	c.TrainOffset = all.train.N
	var ce *config.Error
	if _, err := build(c); !errors.As(err, &ce) || ce.Key != "train_offset" {
		t.Errorf("an offset past the data: %v, want a train_offset error", err)
	}
	c.TrainOffset = -1
	if err := c.Validate(); !errors.As(err, &ce) || ce.Key != "train_offset" {
		t.Errorf("a negative offset: %v, want a train_offset error", err)
	}
}

// --bias-init normal draws biases N(0, 2/fan_in) and leaves the weights
// those of the zero-bias run; "" and zero are today's zero biases.
func TestBiasInit(t *testing.T) {
	c := linearRun(t)
	c.Net = "30-400-300-10"
	zero, err := build(c)
	if err != nil {
		t.Fatal(err)
	}
	c.BiasInit = "zero"
	if z, err := build(c); err != nil || !slices.Equal(z.net.Blocks[0].Core.Bias(), zero.net.Blocks[0].Core.Bias()) {
		t.Errorf("bias_init zero differs from the default: %v", err)
	}
	c.BiasInit = "normal"
	nrm, err := build(c)
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range nrm.net.Blocks {
		if !slices.Equal(b.Core.Weight().Data, zero.net.Blocks[i].Core.Weight().Data) {
			t.Errorf("layer %d: weights changed", i+1)
		}
		for _, v := range zero.net.Blocks[i].Core.Bias() {
			if v != 0 {
				t.Fatalf("layer %d: default bias %v, want 0", i+1, v)
			}
		}
		bias := b.Core.Bias()
		var s2 float64
		for _, v := range bias {
			s2 += float64(v) * float64(v)
		}
		sd, want := math.Sqrt(s2/float64(len(bias))), math.Sqrt(2/float64(b.Core.Weight().Cols))
		if i < 2 && math.Abs(sd/want-1) > 0.15 { // 400 and 300 draws
			t.Errorf("layer %d: bias sd %.4f, want %.4f", i+1, sd, want)
		}
	}
	c.BiasInit = "uniform"
	var ce *config.Error
	if err := c.Validate(); !errors.As(err, &ce) || ce.Key != "bias_init" {
		t.Errorf("bias_init uniform: %v, want a bias_init error", err)
	}
}

// The step angle: nil at epoch 0 and in warm-up; for backprop with plain
// SGD and no weight decay the step is −lr·∇L, so ~0°; momentum, Adam and
// weight decay turn the step away from the batch's gradient; with
// --diag-every every diag line has it.
func TestStepAngle(t *testing.T) {
	run := func(set func(c *config.Config)) ([]rundir.Epoch, []rundir.Diag) {
		c := linearRun(t)
		set(&c)
		if _, err := Run(c, nil); err != nil {
			t.Fatal(err)
		}
		r, err := rundir.Load(c.Out)
		if err != nil {
			t.Fatal(err)
		}
		return r.Epochs, r.Diags
	}
	eps, _ := run(func(c *config.Config) { c.Rule, c.Opt, c.LR = "bp", "sgd", 1e-3 })
	if eps[0].Layers[0].StepAngle != nil {
		t.Errorf("epoch 0: step angle %v, want none", *eps[0].Layers[0].StepAngle)
	}
	for _, e := range eps[1:] {
		for i, l := range e.Layers {
			if l.StepAngle == nil || !(*l.StepAngle < 0.01) {
				t.Errorf("bp sgd epoch %d layer %d: step angle %v, want ~0", e.Epoch, i+1, l.StepAngle)
			}
		}
	}
	for _, opt := range []string{"momentum", "adam", "sgd+decay"} {
		eps, _ := run(func(c *config.Config) {
			c.Rule, c.Opt, c.LR = "bp", opt, 1e-3
			if opt == "sgd+decay" {
				c.Opt, c.WeightDecay = "sgd", 1e-2
			}
		})
		for i, l := range eps[len(eps)-1].Layers {
			if l.StepAngle == nil || !(*l.StepAngle > 1 && *l.StepAngle < 179) {
				t.Errorf("bp %s layer %d: step angle %v, want away from 0", opt, i+1, l.StepAngle)
			}
		}
	}
	eps, _ = run(func(c *config.Config) { c.Rule, c.Warmup, c.Epochs = "np", 1, 2 })
	if eps[1].Layers[0].StepAngle != nil || eps[2].Layers[0].StepAngle == nil {
		t.Errorf("warm-up: step angles %v, %v, want none in epoch 1 and one in epoch 2", eps[1].Layers[0].StepAngle, eps[2].Layers[0].StepAngle)
	}
	_, diags := run(func(c *config.Config) { c.Rule, c.DiagEvery = "fa", 5 })
	if len(diags) == 0 {
		t.Fatal("no diag lines")
	}
	for _, d := range diags {
		if a := d.Layers[1].StepAngle; a == nil || math.IsNaN(float64(*a)) {
			t.Errorf("diag step %d: step angle %v", d.Step, a)
		}
	}
}
