package train

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"time"

	"github.com/creditlab/credit/data"
	"github.com/creditlab/credit/feedback"
	"github.com/creditlab/credit/metrics"
	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

// Random streams: every one is derived from Config.Seed and its own stream
// number, so changing how often one is drawn never shifts another.
const (
	streamInit uint64 = iota + 1
	streamFeedback
	streamNoise
	streamOrder
	streamDiag
	streamDropout
	streamInput
)

func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x63726564<<32|stream)) // "cred"
}

// Epoch is one line of metrics.jsonl. Epoch 0 is the network before
// training (no train loss).
type Epoch struct {
	Epoch     int             `json:"epoch"`
	Steps     int             `json:"steps"`      // optimiser steps so far
	Samples   int             `json:"samples"`    // training examples seen so far
	TrainLoss metrics.Value   `json:"train_loss"` // mean clean per-example loss over the epoch's batches
	TestLoss  metrics.Value   `json:"test_loss"`  // mean per-example loss on the whole test set
	TestError metrics.Value   `json:"test_error"` // fraction misclassified (null for regression)
	Seconds   float64         `json:"seconds"`    // wall time of the epoch's training
	Layers    []metrics.Layer `json:"layers"`     // per hidden layer, on the diagnostic batch
}

// Diag is one line of diag.jsonl (Config.DiagEvery > 0).
type Diag struct {
	Epoch   int             `json:"epoch"`
	Step    int             `json:"step"`
	Samples int             `json:"samples"`
	Layers  []metrics.Layer `json:"layers"`
}

// Summary is DIR/summary.json: the final state of a finished run. It holds
// no timings, so the same seed and settings give an identical file.
type Summary struct {
	Rule      string          `json:"rule"`
	Seed      uint64          `json:"seed"`
	Epochs    int             `json:"epochs"`
	Steps     int             `json:"steps"`
	Samples   int             `json:"samples"`
	TestError metrics.Value   `json:"test_error"`
	TestLoss  metrics.Value   `json:"test_loss"`
	TrainLoss metrics.Value   `json:"train_loss"`
	Layers    []metrics.Layer `json:"layers"`
}

// Run trains as c says, writes the run directory c.Out and returns the
// summary. Progress and per-epoch lines go to log (nil for silence).
func Run(c Config, log io.Writer) (*Summary, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	spec, _ := nn.ParseSpec(c.Net)
	trainSet, testSet, err := data.Load(data.Options{
		Name: c.Data, Dir: c.DataDir, TrainSize: c.TrainSize,
		In: spec.Input, Out: spec.Layers[len(spec.Layers)-1].Size, Seed: c.Seed,
	})
	if err != nil {
		if c.DataDir != "" {
			return nil, fmt.Errorf("--data-dir: %v", err)
		}
		return nil, fmt.Errorf("--data %s: %v", c.Data, err)
	}
	if c.Autoencoder {
		trainSet, testSet = autoencode(trainSet), autoencode(testSet)
	}
	t, err := newTrainer(c, spec, trainSet, testSet)
	if err != nil {
		return nil, err
	}
	if err := prepareOut(c.Out); err != nil {
		return nil, err
	}
	if err := writeJSONAtomic(filepath.Join(c.Out, "config.json"), c); err != nil {
		return nil, fmt.Errorf("--out: %v", err)
	}
	return t.run(log)
}

// trainer holds one run's state.
type trainer struct {
	c           Config
	train, test *data.Dataset
	net         *nn.Net
	rule, bp    *feedback.Rule
	loss        nn.Loss
	red         nn.Reduction
	opt         Optimizer
	grads       *nn.Grads
	diagG, bpG  *nn.Grads
	noise, diag *rand.Rand
	order       *rand.Rand
	input       *rand.Rand // input noise (denoising)

	x, y        tensor.Mat // the current batch
	dx, dy      tensor.Mat // the diagnostic batch
	lam         tensor.Mat // exact ∂L/∂h at a site, for the SNR
	params, gsl [][]float32
	move        func() // the forward weights' decay and the optimiser's step
	steps, seen int
}

func newTrainer(c Config, spec *nn.Spec, trainSet, testSet *data.Dataset) (*trainer, error) {
	t := &trainer{c: c, train: trainSet, test: testSet}
	var err error
	misfit := func(why string) error {
		return fmt.Errorf("--net: %s does not fit %s, whose examples have %d inputs and %d targets: %s", c.Net, c.Data, trainSet.In, trainSet.Out, why)
	}
	if t.net, err = spec.Build(trainSet.In, trainSet.Shape, c.Act, c.OutAct, newRand(c.Seed, streamInit), newRand(c.Seed, streamDropout)); err != nil {
		return nil, misfit(err.Error())
	}
	if t.net.Out() != trainSet.Out {
		return nil, misfit(fmt.Sprintf("the output layer has %d units", t.net.Out()))
	}
	fbRand := newRand(c.Seed, streamFeedback)
	opt := feedback.Options{Noise: c.Noise, Solver: c.FeedbackSolver, FeedbackLR: c.FeedbackLR, Ridge: c.Ridge,
		FeedbackDecay: c.FeedbackDecay, WeightDecay: c.WeightDecay, ActivityNoise: c.ActivityNoise}
	if c.NPLoss != "" {
		opt.PerturbLoss, _ = nn.NewLoss(c.NPLoss)
	}
	if t.rule, err = feedback.New(c.Rule, t.net, opt, fbRand); err != nil {
		return nil, fmt.Errorf("--rule: %v", err)
	}
	t.bp, _ = feedback.New("bp", t.net, feedback.Options{}, fbRand)
	t.loss, _ = nn.NewLoss(c.Loss)
	t.red, _ = nn.ParseReduction(c.Reduction)
	if t.opt, err = NewOptimizer(c.Opt, c.LR, c.Momentum, c.AdamEps); err != nil {
		return nil, err
	}
	t.grads, t.diagG, t.bpG = nn.NewGrads(t.net), nn.NewGrads(t.net), nn.NewGrads(t.net)
	t.params, t.gsl = t.net.Params(), t.grads.Slices()
	keep := float32(1 - c.WeightDecay)
	t.move = func() {
		if keep != 1 {
			for _, b := range t.net.Blocks {
				tensor.Scale(keep, b.Core.Weight().Data)
			}
		}
		t.opt.Step(t.params, t.gsl)
	}
	t.noise, t.diag, t.order = newRand(c.Seed, streamNoise), newRand(c.Seed, streamDiag), newRand(c.Seed, streamOrder)
	t.input = newRand(c.Seed, streamInput)
	nd := min(c.DiagBatch, testSet.N)
	t.dx.Resize(nd, testSet.In)
	t.dy.Resize(nd, testSet.Out)
	copy(t.dx.Data, testSet.X[:nd*testSet.In])
	copy(t.dy.Data, testSet.Y[:nd*testSet.Out])
	return t, nil
}

func (t *trainer) run(log io.Writer) (*Summary, error) {
	c := t.c
	mf, err := createJSONL(filepath.Join(c.Out, "metrics.jsonl"))
	if err != nil {
		return nil, fmt.Errorf("--out: %v", err)
	}
	defer mf.close()
	var df *jsonl
	if c.DiagEvery > 0 {
		if df, err = createJSONL(filepath.Join(c.Out, "diag.jsonl")); err != nil {
			return nil, fmt.Errorf("--out: %v", err)
		}
		defer df.close()
	}
	stepsPerEpoch := (t.train.N + c.Batch - 1) / c.Batch
	prog := newProgress(log, stepsPerEpoch*c.Epochs)
	prog.println("credit: %s (%d train, %d test), net %s, rule %s, %s lr %g, batch %d, %d epochs → %s",
		c.Data, t.train.N, t.test.N, c.Net, c.Rule, c.Opt, c.LR, c.Batch, c.Epochs, c.Out)

	ep := t.evaluate(0, math.NaN(), 0)
	if err := mf.write(ep); err != nil {
		return nil, err
	}
	perm := make([]int, t.train.N)
	for i := range perm {
		perm[i] = i
	}
	for epoch := 1; epoch <= c.Epochs; epoch++ {
		start := time.Now()
		t.order.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		var lossSum float64
		for s := 0; s < stepsPerEpoch; s++ {
			idx := perm[s*c.Batch : min((s+1)*c.Batch, len(perm))]
			l, err := t.step(idx, !c.FreezeWeights && epoch > c.Warmup)
			if err != nil {
				return nil, fmt.Errorf("train: %v at epoch %d, step %d; the metrics of earlier epochs are in %s", err, epoch, s+1, filepath.Join(c.Out, "metrics.jsonl"))
			}
			lossSum += l
			if df != nil && t.steps%c.DiagEvery == 0 {
				if err := df.write(Diag{Epoch: epoch, Step: t.steps, Samples: t.seen, Layers: t.diagnose()}); err != nil {
					return nil, err
				}
			}
			prog.update(epoch*stepsPerEpoch-stepsPerEpoch+s+1, epoch, c.Epochs, lossSum/float64(s*c.Batch+len(idx)))
		}
		dur := time.Since(start)
		ep := t.evaluate(epoch, lossSum/float64(t.train.N), dur)
		if err := mf.write(ep); err != nil {
			return nil, err
		}
		errStr := "-"
		if !math.IsNaN(float64(ep.TestError)) {
			errStr = fmt.Sprintf("%.2f%%", 100*float64(ep.TestError))
		}
		prog.println("epoch %3d/%d  train loss %.4f  test loss %.4f  test error %s  delta angle %.1f°  %.1fs",
			epoch, c.Epochs, float64(ep.TrainLoss), float64(ep.TestLoss), errStr, metrics.MeanDeltaAngle(ep.Layers), dur.Seconds())
		if epoch == c.Epochs {
			s := &Summary{
				Rule: c.Rule, Seed: c.Seed, Epochs: c.Epochs, Steps: t.steps, Samples: t.seen,
				TestError: ep.TestError, TestLoss: ep.TestLoss, TrainLoss: ep.TrainLoss, Layers: ep.Layers,
			}
			if err := writeJSONAtomic(filepath.Join(c.Out, "summary.json"), s); err != nil {
				return nil, fmt.Errorf("--out: %v", err)
			}
			if c.Autoencoder {
				if err := t.writeCodes(); err != nil {
					return nil, fmt.Errorf("--out: %v", err)
				}
			}
			prog.println("done: %s", filepath.Join(c.Out, "summary.json"))
			return s, nil
		}
	}
	panic("unreachable")
}

// step trains on the examples idx and returns their summed clean loss. The
// rule's feedback always learns; the forward weights only if update.
func (t *trainer) step(idx []int, update bool) (float64, error) {
	t.x.Resize(len(idx), t.train.In)
	t.y.Resize(len(idx), t.train.Out)
	t.train.Gather(idx, t.x.Data, t.y.Data)
	if sd := t.c.InputNoise; sd > 0 { // targets keep the clean inputs
		for i := range t.x.Data {
			t.x.Data[i] += float32(sd * t.input.NormFloat64())
		}
	}
	t.net.Training = true
	losses := t.rule.Step(t.net, t.loss, t.red.Scale(len(idx)), &t.x, &t.y, t.grads, t.noise, true)
	var sum float64
	for _, l := range losses {
		sum += l
	}
	if math.IsNaN(sum) || math.IsInf(sum, 0) {
		return 0, fmt.Errorf("loss became %v", sum)
	}
	if update {
		t.rule.Move(t.net, t.move)
	}
	t.steps++
	t.seen += len(idx)
	return sum, nil
}

// diagnose compares the rule with backprop on the diagnostic batch, at the
// current weights, without learning.
func (t *trainer) diagnose() []metrics.Layer {
	t.net.Training = false // no dropout: both passes see the same network
	scale := t.red.Scale(t.dx.Rows)
	t.rule.Step(t.net, t.loss, scale, &t.dx, &t.dy, t.diagG, t.diag, false)
	t.bp.Step(t.net, t.loss, scale, &t.dx, &t.dy, t.bpG, nil, false)
	var w []*tensor.Mat
	if t.rule.Topology == feedback.LayerWise {
		for b := 1; b < len(t.net.Blocks); b++ {
			w = append(w, t.net.Blocks[b].Core.Weight())
		}
	}
	var layers []metrics.Layer
	if w == nil {
		layers = metrics.Compare(t.diagG, t.bpG, nil, nil)
	} else {
		layers = metrics.Compare(t.diagG, t.bpG, t.rule.F, w)
	}
	if !t.rule.Perturb {
		return layers
	}
	for i := range layers {
		core := t.net.Blocks[i+1].Core
		core.InputGrad(t.bpG.Delta[i+1], core.Weight(), &t.lam)
		snr := metrics.Value(metrics.SNR(t.rule.Lambda(i), &t.lam))
		layers[i].LambdaSNR = &snr
		if t.rule.Learn == feedback.Regress {
			fl := metrics.Value(metrics.RegressionLoss(t.rule.F[i], t.rule.Regressor(t.diagG, i), t.rule.Lambda(i)))
			layers[i].FeedbackLoss = &fl
		}
	}
	return layers
}

// evaluate measures the clean network on the whole test set and the
// diagnostics.
func (t *trainer) evaluate(epoch int, trainLoss float64, dur time.Duration) Epoch {
	losses := make([]float64, t.test.N)
	var sum float64
	wrong := 0
	t.overTest(func(lo int, y, yhat *tensor.Mat) {
		l := losses[lo : lo+y.Rows]
		t.loss.PerSample(yhat, y, l)
		for _, v := range l {
			sum += v
		}
		if t.test.Classes > 0 {
			wrong += metrics.Misclassified(yhat, t.test.Labels[lo:lo+y.Rows])
		}
	})
	testErr := math.NaN()
	if t.test.Classes > 0 {
		testErr = float64(wrong) / float64(t.test.N)
	}
	return Epoch{
		Epoch: epoch, Steps: t.steps, Samples: t.seen,
		TrainLoss: metrics.Value(trainLoss), TestLoss: metrics.Value(sum / float64(t.test.N)),
		TestError: metrics.Value(testErr), Seconds: dur.Seconds(), Layers: t.diagnose(),
	}
}

// overTest runs the clean network over the whole test set in chunks and
// calls f with each chunk's first index, targets and outputs (valid until
// the next chunk). Chunks are large for dense nets and the training batch
// for conv nets, whose im2col buffers grow with the chunk.
func (t *trainer) overTest(f func(lo int, y, yhat *tensor.Mat)) {
	t.net.Training = false
	chunk := 1000
	for _, b := range t.net.Blocks {
		if _, conv := b.Core.(*nn.Conv2D); conv {
			chunk = t.c.Batch
		}
	}
	for lo := 0; lo < t.test.N; lo += chunk {
		n := min(chunk, t.test.N-lo)
		x := tensor.Mat{Rows: n, Cols: t.test.In, Data: t.test.X[lo*t.test.In : (lo+n)*t.test.In]}
		y := tensor.Mat{Rows: n, Cols: t.test.Out, Data: t.test.Y[lo*t.test.Out : (lo+n)*t.test.Out]}
		f(lo, &y, t.net.Forward(&x, nil))
	}
}

// autoencode returns d with the inputs as targets: Y = X, Out = In, no
// classes (Labels stay, to colour latent codes by class).
func autoencode(d *data.Dataset) *data.Dataset {
	a := *d
	a.Y, a.Out, a.Classes = d.X, d.In, 0
	return &a
}

// writeCodes writes, for an autoencoder, DIR/codes.csv (the whole test
// set's activity at the narrowest hidden site, one row per example, with
// its label) and DIR/reconstructions.json (the first 10 test inputs and
// their reconstructions).
func (t *trainer) writeCodes() error {
	site := 0
	for i := 1; i < t.net.Sites(); i++ {
		if t.net.SiteWidth(i) < t.net.SiteWidth(site) {
			site = i
		}
	}
	var b strings.Builder
	for j := 0; j < t.net.SiteWidth(site); j++ {
		fmt.Fprintf(&b, "z%d,", j+1)
	}
	b.WriteString("label\n")
	var recon struct {
		Height  int         `json:"height"`
		Width   int         `json:"width"`
		Inputs  [][]float32 `json:"inputs"`
		Outputs [][]float32 `json:"outputs"`
	}
	recon.Height, recon.Width = t.test.Shape[1], t.test.Shape[2]
	t.overTest(func(lo int, x, yhat *tensor.Mat) { // autoencoder: targets are the inputs
		z := t.net.SiteOutput(site)
		for i := 0; i < x.Rows; i++ {
			for _, v := range z.Row(i) {
				fmt.Fprintf(&b, "%g,", v)
			}
			label := -1
			if t.test.Labels != nil {
				label = t.test.Labels[lo+i]
			}
			fmt.Fprintf(&b, "%d\n", label)
			if lo+i < 10 {
				recon.Inputs = append(recon.Inputs, append([]float32(nil), x.Row(i)...))
				recon.Outputs = append(recon.Outputs, append([]float32(nil), yhat.Row(i)...))
			}
		}
	})
	if err := writeFileAtomic(filepath.Join(t.c.Out, "codes.csv"), []byte(b.String())); err != nil {
		return err
	}
	js, err := json.Marshal(recon)
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(t.c.Out, "reconstructions.json"), append(js, '\n'))
}
