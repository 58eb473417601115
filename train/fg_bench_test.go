package train

import (
	"slices"
	"testing"
	"time"

	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/data"
	"github.com/creditlab/credit/nn"
)

// BenchmarkForwardGradientInterleaved compares the steps of the forward
// gradient rules (fgw, fga, with one direction) and nodepert with bp's, as
// BenchmarkStepInterleaved does (two steps per rule and round, medians), on
// MNIST batches of 32 through the 784-256-256-10 MLP and a small CNN. Run
// e.g.
//
//	go test -run XXX -bench ForwardGradientInterleaved -benchtime 300x ./train
func BenchmarkForwardGradientInterleaved(b *testing.B) {
	trainSet, testSet, err := data.Load(data.Options{Name: "mnist", TrainSize: 1024})
	if err != nil {
		b.Fatal(err)
	}
	for _, net := range []struct{ name, net, act, loss string }{
		{"mlp", "784-256-256-10", "sigmoid", "mse"},
		{"cnn", "conv5x5x16,pool3s2,conv5x5x32,pool3s2,fc128,fc10", "tanh", "ce"},
	} {
		b.Run(net.name, func(b *testing.B) {
			rules := []string{"bp", "fgw", "fga", "nodepert"}
			steps := make([]func(i int), len(rules))
			for r, rule := range rules {
				c := config.Default()
				c.Rule, c.Net, c.Act, c.Loss, c.Opt, c.LR = rule, net.net, net.act, net.loss, "sgd", 1e-5
				spec, _ := nn.ParseSpec(c.Net)
				t, err := newTrainer(c, spec, trainSet, testSet)
				if err != nil {
					b.Fatal(err)
				}
				idx := make([]int, c.Batch)
				steps[r] = func(i int) {
					for k := range idx {
						idx[k] = (i*c.Batch + k) % trainSet.N
					}
					if _, err := t.step(idx, true, false); err != nil {
						b.Fatal(err)
					}
				}
				steps[r](0)
			}
			const perTurn = 2
			rounds := make([][]time.Duration, len(rules))
			i := 0
			for b.Loop() {
				for r, step := range steps {
					t0 := time.Now()
					for k := 0; k < perTurn; k++ {
						step(i + k)
					}
					rounds[r] = append(rounds[r], time.Since(t0))
				}
				i += perTurn
			}
			med := make([]float64, len(rules))
			for r, rule := range rules {
				slices.Sort(rounds[r])
				med[r] = float64(rounds[r][len(rounds[r])/2]) / perTurn
				b.ReportMetric(med[r]/1e3, rule+"-µs/step")
				if r > 0 {
					b.ReportMetric(med[r]/med[0], rule+"/bp")
				}
			}
			b.ReportMetric(0, "ns/op")
		})
	}
}
