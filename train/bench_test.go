package train

import (
	"fmt"
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
				c := Default()
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
					if _, err := t.step(idx, true); err != nil {
						b.Fatal(err)
					}
				}
			})
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
		c := Default()
		c.Rule, c.Net = rule, "784-64-32-10"
		spec, _ := nn.ParseSpec(c.Net)
		tr, err := newTrainer(c, spec, trainSet, testSet)
		if err != nil {
			t.Fatal(err)
		}
		idx := make([]int, c.Batch)
		i := 0
		step := func() {
			for k := range idx {
				idx[k] = (i*c.Batch + k) % trainSet.N
			}
			i++
			if _, err := tr.step(idx, true); err != nil {
				t.Fatal(err)
			}
		}
		step()
		if n := testing.AllocsPerRun(20, step); n != 0 {
			t.Errorf("%s: %v allocations per step", rule, n)
		}
	}
}
