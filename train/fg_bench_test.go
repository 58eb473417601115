package train

import (
	"testing"

	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/data"
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
			base := config.Default()
			base.Net, base.Act, base.Loss, base.Opt, base.LR = net.net, net.act, net.loss, "sgd", 1e-5
			var rules []benchRule
			for _, rule := range []string{"bp", "fgw", "fga", "nodepert"} {
				rules = append(rules, benchRule{rule, func(c *config.Config) { c.Rule = rule }})
			}
			interleaved(b, base, trainSet, testSet, rules)
		})
	}
}
