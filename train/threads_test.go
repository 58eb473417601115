package train

import (
	"fmt"
	"math"
	"testing"

	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/data"
	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

// threadRuns are setups wide enough that their steps take the parallel
// paths: products of at least 2 MFLOP, long element-wise calls, the
// images of a convolution and a pooling layer over the threads.
var threadRuns = []struct {
	name string
	set  func(c *config.Config)
}{
	{"mlp-bp", func(c *config.Config) {}},
	{"mlp-np", func(c *config.Config) { c.Rule, c.FeedbackSolver, c.FeedbackLR = "np", "sgd", 1e-4 }},
	{"mlp-npdfa", func(c *config.Config) { c.Rule = "npdfa" }},
	{"conv-npdfa", func(c *config.Config) {
		c.Net, c.Act, c.Rule, c.Batch, c.Opt, c.LR = "conv5x5x16,pool3s2,fc32,drop0.2,fc10", "tanh", "npdfa", 64, "adam", 1e-3
	}},
}

func threadConfig(set func(c *config.Config)) config.Config {
	c := config.Default()
	c.Net, c.Act, c.Loss, c.Reduction, c.Rule, c.Opt, c.LR = "784-256-256-10", "relu", "ce", "mean", "bp", "sgd", 0.05
	c.Batch, c.DiagBatch = 256, 128
	set(&c)
	return c
}

// Training gives the same bits at any kernel thread count, also with more
// threads than cores: four steps, the diagnostics and the evaluation.
func TestThreadCountKeepsNumbers(t *testing.T) {
	if testing.Short() {
		t.Skip("trains wide networks")
	}
	trainSet, testSet, err := data.Load(data.Options{Name: "mnist", TrainSize: 1024})
	if err != nil {
		t.Fatal(err)
	}
	testSet = testSet.Head(256)
	for _, r := range threadRuns {
		t.Run(r.name, func(t *testing.T) {
			var ref [][]float32
			var refLoss float64
			for _, threads := range []int{1, 2, 7} {
				c := threadConfig(r.set)
				spec, _ := nn.ParseSpec(c.Net)
				prev := tensor.SetThreads(threads)
				tr, err := newTrainer(c, spec, trainSet, testSet)
				if err != nil {
					t.Fatal(err)
				}
				idx := make([]int, c.Batch)
				for s := 0; s < 4; s++ {
					for k := range idx {
						idx[k] = (s*c.Batch + k*7) % trainSet.N
					}
					if _, err := tr.step(idx, true, false); err != nil {
						t.Fatal(err)
					}
				}
				ep := tr.evaluate(1, 0, 0)
				tensor.SetThreads(prev)
				params := tr.net.Params()
				if ref == nil {
					ref, refLoss = params, float64(ep.TestLoss)
					continue
				}
				if float64(ep.TestLoss) != refLoss {
					t.Errorf("%d threads: test loss %v, with 1 thread %v", threads, ep.TestLoss, refLoss)
				}
				for i := range params {
					for j, v := range params[i] {
						if math.Float32bits(v) != math.Float32bits(ref[i][j]) {
							t.Fatalf("%d threads: parameter %d[%d] = %v, with 1 thread %v", threads, i, j, v, ref[i][j])
						}
					}
				}
			}
		})
	}
}

// A warmed-up step of the wide setups allocates nothing at any thread
// count, also with more threads than cores.
func TestStepAllocatesNothingThreaded(t *testing.T) {
	if testing.Short() {
		t.Skip("trains wide networks")
	}
	trainSet, testSet, err := data.Load(data.Options{Name: "mnist", TrainSize: 512})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range threadRuns {
		for _, threads := range []int{1, 2, 7} {
			t.Run(fmt.Sprintf("%s/threads=%d", r.name, threads), func(t *testing.T) {
				defer tensor.SetThreads(tensor.SetThreads(threads))
				c := threadConfig(r.set)
				spec, _ := nn.ParseSpec(c.Net)
				tr, err := newTrainer(c, spec, trainSet, testSet.Head(128))
				if err != nil {
					t.Fatal(err)
				}
				step := stepper(t, tr, c.Batch, trainSet.N)
				step()
				step()
				// A pool worker grows its buffers the first time it takes
				// a chunk of some size, and with more threads than cores
				// which worker takes which chunk varies from step to step
				// (so does whether a wait parks, which can allocate in the
				// runtime): such one-off growth shows in one round, an
				// allocation of the step's own in every round.
				var n float64
				for round := 0; round < 3; round++ {
					if n = testing.AllocsPerRun(5, step); n == 0 {
						break
					}
				}
				if n != 0 {
					t.Errorf("%v allocations per step in each of 3 rounds", n)
				}
			})
		}
	}
}
