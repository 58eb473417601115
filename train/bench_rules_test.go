package train

import (
	"slices"
	"testing"
	"time"

	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/data"
	"github.com/creditlab/credit/nn"
)

// benchRule is one contestant of an interleaved benchmark: a name and the
// run settings that differ from the benchmark's base.
type benchRule struct {
	name string
	set  func(c *config.Config)
}

// interleaved times training steps of each rule in turn, two steps per
// rule and round as BenchmarkStepInterleaved does, and reports each rule's
// median µs per step and its ratio to the first rule's.
func interleaved(b *testing.B, base config.Config, trainSet, testSet *data.Dataset, rules []benchRule) {
	steps := make([]func(i int), len(rules))
	for r, rl := range rules {
		c := base
		rl.set(&c)
		spec, err := nn.ParseSpec(c.Net)
		if err != nil {
			b.Fatal(err)
		}
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
	for r, rl := range rules {
		slices.Sort(rounds[r])
		med[r] = float64(rounds[r][len(rounds[r])/2]) / perTurn
		b.ReportMetric(med[r]/1e3, rl.name+"-µs/step")
		if r > 0 {
			b.ReportMetric(med[r]/med[0], rl.name+"/"+rules[0].name)
		}
	}
	b.ReportMetric(0, "ns/op")
}

// rule is a benchRule for the rule `name` with a feedback solver, labelled
// name, or name-solver for npdfa.
func rule(name, solver string) benchRule {
	label := name
	if name == "npdfa" {
		label += "-" + solver
	}
	return benchRule{label, func(c *config.Config) { c.Rule, c.FeedbackSolver = name, solver }}
}

// BenchmarkNewRulesInterleaved: a step of each of dkp, pfa, drtp and sdfa
// against bp, dfa and kp on the paper's 784-50-20-10 network, MNIST
// batches of 32 (the base of BenchmarkStep), interleaved. Run e.g.
//
//	go test -run XXX -bench NewRulesInterleaved -benchtime 400x ./train
func BenchmarkNewRulesInterleaved(b *testing.B) {
	trainSet, testSet, err := data.Load(data.Options{Name: "mnist", TrainSize: 1024})
	if err != nil {
		b.Fatal(err)
	}
	c := config.Default()
	c.Opt, c.LR, c.WeightDecay = "sgd", 1e-4, 1e-4
	interleaved(b, c, trainSet, testSet, []benchRule{rule("bp", "sgd"), rule("dfa", "sgd"), rule("kp", "sgd"),
		rule("dkp", "sgd"), rule("pfa", "sgd"), rule("drtp", "sgd"), rule("sdfa", "sgd")})
}

// BenchmarkConvRulesInterleaved: the cost of np on conv layers (its
// feedback kernels learned by sgd) against npdfa and bp, and the new rules
// on a conv network: MNIST images (1×28×28), conv5x5x8, pool2s2,
// conv5x5x16, pool2s2, fc32, fc10, tanh, batch 32, c = 1e-3, interleaved.
// Site 0 lies below a convolution, sites 1 and 2 below dense layers.
func BenchmarkConvRulesInterleaved(b *testing.B) {
	trainSet, testSet, err := data.Load(data.Options{Name: "mnist", TrainSize: 1024})
	if err != nil {
		b.Fatal(err)
	}
	c := config.Default()
	c.Net, c.Act, c.Loss, c.Opt, c.LR, c.WeightDecay = "conv5x5x8,pool2s2,conv5x5x16,pool2s2,fc32,fc10", "tanh", "ce", "sgd", 1e-4, 1e-4
	interleaved(b, c, trainSet, testSet, []benchRule{rule("bp", "sgd"), rule("fa", "sgd"), rule("np", "sgd"), rule("npdfa", "sgd"),
		rule("npdfa", "ridge"), rule("dkp", "sgd"), rule("pfa", "sgd"), rule("drtp", "sgd"), rule("sdfa", "sgd")})
}
