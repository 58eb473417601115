package train

import (
	"fmt"
	"github.com/creditlab/credit/config"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/creditlab/credit/data"
	"github.com/creditlab/credit/feedback"
	"github.com/creditlab/credit/nn"
)

// BenchmarkStep measures one training step (gather, the rule's passes,
// feedback learning, SGD update) of the paper's 784-50-20-10 network on an
// MNIST batch of 32, per rule. Compare np/bp for the cost of node
// perturbation (one extra forward pass, plus the feedback regression).
func BenchmarkStep(b *testing.B) {
	trainSet, testSet, err := data.Load(data.Options{Name: "mnist", TrainSize: 1024})
	if err != nil {
		b.Fatal(err)
	}
	for _, rule := range []string{"bp", "fa", "dfa", "np", "npdfa", "nodepert"} {
		for _, solver := range []string{"ridge", "sgd"} {
			if solver == "sgd" && rule != "np" {
				continue
			}
			name := rule
			if rule == "np" {
				name = fmt.Sprintf("np-%s", solver)
			}
			b.Run(name, func(b *testing.B) {
				c := config.Default()
				c.Rule, c.Opt, c.LR, c.FeedbackSolver = rule, "sgd", 1e-4, solver
				spec, _ := nn.ParseSpec(c.Net)
				t, err := newTrainer(c, spec, trainSet, testSet)
				if err != nil {
					b.Fatal(err)
				}
				idx := make([]int, c.Batch)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					for k := range idx {
						idx[k] = (i*c.Batch + k) % trainSet.N
					}
					if _, err := t.step(idx, true, false); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkStepInterleaved runs the steps of BenchmarkStep for bp, np
// (both solvers) and npdfa in turn, two steps of each per round, so that
// every rule sees the same machine load; it reports each rule's median µs
// per step and its ratio to bp's. On a shared machine this judges the cost of node
// perturbation more fairly than BenchmarkStep, whose rules run one after
// the other. Run e.g.
//
//	go test -run XXX -bench StepInterleaved -benchtime 400x ./train
func BenchmarkStepInterleaved(b *testing.B) {
	trainSet, testSet, err := data.Load(data.Options{Name: "mnist", TrainSize: 1024})
	if err != nil {
		b.Fatal(err)
	}
	base := config.Default()
	base.Opt, base.LR = "sgd", 1e-4
	with := func(name, rule, solver string) benchRule {
		return benchRule{name, func(c *config.Config) { c.Rule, c.FeedbackSolver = rule, solver }}
	}
	interleaved(b, base, trainSet, testSet, []benchRule{
		with("bp", "bp", "sgd"), with("np-ridge", "np", "ridge"), with("np-sgd", "np", "sgd"), with("npdfa", "npdfa", "ridge"),
	})
}

// stepper returns a function that trains tr on the next batch of batch
// consecutive examples (of n, wrapping around): the step the allocation
// checks measure.
func stepper(t *testing.T, tr *trainer, batch, n int) func() {
	idx := make([]int, batch)
	i := 0
	return func() {
		for k := range idx {
			idx[k] = (i*batch + k) % n
		}
		i++
		if _, err := tr.step(idx, true, false); err != nil {
			t.Fatal(err)
		}
	}
}

// The training hot path allocates nothing once its buffers are sized.
func TestStepAllocatesNothing(t *testing.T) {
	trainSet, testSet, err := data.Load(data.Options{Name: "mnist", TrainSize: 256})
	if err != nil {
		t.Fatal(err)
	}
	for _, rule := range feedback.Names() {
		c := config.Default()
		c.Rule, c.Net = rule, "784-64-32-10"
		spec, _ := nn.ParseSpec(c.Net)
		tr, err := newTrainer(c, spec, trainSet, testSet)
		if err != nil {
			t.Fatal(err)
		}
		step := stepper(t, tr, c.Batch, trainSet.N)
		step()
		if n := testing.AllocsPerRun(20, step); n != 0 {
			t.Errorf("%s: %v allocations per step", rule, n)
		}
	}
}

// BenchmarkE4Step times one training step (batch 128) of the paper's full
// CIFAR-10 network on random images, per rule, and reports the process's
// memory from the Go runtime (the data set, 737 MB for CIFAR-10 in
// float32, comes on top). Multiply by 391 steps for an epoch.
func BenchmarkE4Step(b *testing.B) {
	const net = "conv5x5x96,pool3s2,conv5x5x128,pool3s2,conv5x5x256,pool3s2,fc2048,drop0.5,fc2048,drop0.5,fc10"
	n := 256
	d := &data.Dataset{Name: "random", N: n, In: 3072, Out: 10, Classes: 10, Shape: [3]int{3, 32, 32},
		X: make([]float32, n*3072), Y: make([]float32, n*10), Labels: make([]int, n)}
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range d.X {
		d.X[i] = float32(rng.NormFloat64())
	}
	for i := 0; i < n; i++ {
		d.Labels[i] = rng.IntN(10)
		d.Y[i*10+d.Labels[i]] = 1
	}
	for _, rule := range []string{"bp", "dfa", "npdfa"} {
		b.Run(rule, func(b *testing.B) {
			c := config.Default()
			c.Net, c.Act, c.Loss, c.Opt, c.AdamEps, c.LR, c.Batch, c.Rule = net, "tanh", "ce", "adam", 1e-5, 4.78e-6, 128, rule
			c.Noise, c.FeedbackSolver, c.FeedbackLR, c.DiagBatch = 0.0673, "sgd", 8.32e-6, 128
			spec, _ := nn.ParseSpec(c.Net)
			t, err := newTrainer(c, spec, d, d)
			if err != nil {
				b.Fatal(err)
			}
			idx := make([]int, c.Batch)
			for k := range idx {
				idx[k] = k
			}
			if _, err := t.step(idx, true, false); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := t.step(idx, true, false); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.Sys)/(1<<20), "MB-sys")
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*391/60, "min/epoch")
		})
	}
}
