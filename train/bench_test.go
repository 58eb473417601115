package train

import (
	"fmt"
	"testing"

	"github.com/creditlab/credit/data"
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
