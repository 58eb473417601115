// Package bench is `credit bench`: GEMM speed against the other kernels
// compiled in, and MLP and CNN training throughput against PyTorch peers,
// printed side by side from one run (these machines are shared and noisy, so only
// ratios measured together mean much).
package bench

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"github.com/creditlab/credit/config"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/creditlab/credit/experiment"
	"github.com/creditlab/credit/feedback"
	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
	"github.com/creditlab/credit/train"
)

//go:embed peers/torch_mlp.py
var torchMLP []byte

//go:embed peers/torch_cnn.py
var torchCNN []byte

// Options control a benchmark run.
type Options struct {
	Seconds float64   // measuring time per entry
	Peak    float64   // the machine's fp32 peak in GFLOP/s, for percentages
	Python  string    // interpreter for the PyTorch peer; "" skips it
	Out     io.Writer // the report
	// CNNBatch is the CNN section's batch size (0: the paper's 128).
	CNNBatch int
	// Sections lists the parts to run, of "gemm", "step" (the step
	// throughput tables) and "epoch" (whole epochs on real data); nil runs
	// them all.
	Sections []string
	// CIFARTrain is how many CIFAR-10 training images the E4-small epoch
	// uses (0: all 50,000; negative: no CIFAR-10 row).
	CIFARTrain int
	// MNISTTrain is how many MNIST training images the MLP epochs use (0:
	// all 60,000).
	MNISTTrain int
	// Rows, if set, keeps only the whole-epoch rows whose "data name
	// batch" (e.g. "mnist 784-256-256-10 relu+ce 256") contains it.
	Rows string
	// Repeats is how many times each whole-epoch measurement runs (its
	// cells are medians); 0 means 1.
	Repeats int
}

// Sections are the parts of a benchmark run, in order.
var Sections = []string{"gemm", "step", "epoch"}

func (o Options) runs(section string) bool {
	return o.Sections == nil || slices.Contains(o.Sections, section)
}

// Shape is one GEMM size: C (m×n) = A (m×k) · B (k×n).
type Shape struct {
	Name    string
	M, N, K int
}

// Shapes are the products the benchmark times: the MLPs' layers, and the
// layers of the paper's CIFAR-10 network (SPEC §5 E4) as one im2col
// product over a batch of 32, kept for comparison with earlier runs
// (nn.Conv2D now multiplies image by image: n is OutH·OutW, 32× narrower).
var Shapes = []Shape{
	{"32×784·784×256 (MLP layer, batch 32)", 32, 256, 784},
	{"256×784·784×256 (MLP layer, batch 256)", 256, 256, 784},
	{"1000³", 1000, 1000, 1000},
	{"conv1 96×75·75×32768 (E4, batch 32)", 96, 32 * 32 * 32, 75},
	{"conv2 128×2400·2400×8192 (E4, batch 32)", 128, 32 * 16 * 16, 2400},
	{"conv3 256×3200·3200×2048 (E4, batch 32)", 256, 32 * 8 * 8, 3200},
}

// timeIt calls f until about sec seconds have passed and returns the
// mean time per call.
func timeIt(sec float64, f func()) time.Duration {
	f() // warm up: buffers, page faults
	n, start := 0, time.Now()
	for time.Since(start).Seconds() < sec || n < 3 {
		f()
		n++
	}
	return time.Since(start) / time.Duration(n)
}

// interleaved calls the steps in turn, one call each per round, for
// about sec seconds in all, and returns each step's median time.
func interleaved(sec float64, steps []func()) []time.Duration {
	ds := make([][]time.Duration, len(steps))
	for _, f := range steps {
		f() // warm up
	}
	start := time.Now()
	for n := 0; time.Since(start).Seconds() < sec || n < 3; n++ {
		for i, f := range steps {
			t0 := time.Now()
			f()
			ds[i] = append(ds[i], time.Since(t0))
		}
	}
	med := make([]time.Duration, len(steps))
	for i, d := range ds {
		slices.Sort(d)
		med[i] = d[len(d)/2]
	}
	return med
}

// Run prints the benchmark report.
func Run(o Options) error {
	w := o.Out
	fmt.Fprintf(w, "credit bench: GOMAXPROCS %d, kernel threads %d, peak %.0f GFLOP/s assumed\n\n", runtime.GOMAXPROCS(0), tensor.Threads(), o.Peak)
	if o.runs("gemm") {
		runGEMM(o, w)
	}
	if o.runs("step") {
		if err := runSteps(o, w); err != nil {
			return err
		}
	}
	if o.runs("epoch") {
		return runEpochs(o, w)
	}
	return nil
}

// runGEMM prints the GEMM table.
func runGEMM(o Options, w io.Writer) {
	names := kernelNames()
	fmt.Fprintf(w, "## GEMM (GFLOP/s, %% of peak)\n\n| shape | %s |\n|---|%s\n", strings.Join(names, " | "), strings.Repeat("---|", len(names)))
	rng := rand.New(rand.NewPCG(1, 1))
	for _, s := range Shapes {
		a, b, c := randMat(rng, s.M, s.K), randMat(rng, s.K, s.N), tensor.New(s.M, s.N)
		row := []string{s.Name}
		for _, name := range names {
			k := tensor.Kernels[name]
			d := timeIt(o.Seconds/float64(len(names)), func() {
				k.Sgemm(false, false, s.M, s.N, s.K, 1, a.Data, s.K, b.Data, s.N, 0, c.Data, s.N)
			})
			gf := 2 * float64(s.M) * float64(s.N) * float64(s.K) / d.Seconds() / 1e9
			row = append(row, fmt.Sprintf("%.1f (%.0f%%)", gf, 100*gf/o.Peak))
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
	}
}

// runSteps prints the step-throughput tables (random inputs, one batch
// trained over and over).
func runSteps(o Options, w io.Writer) error {
	fmt.Fprintf(w, "\n## MLP training throughput (samples/s; sigmoid, squared error summed, plain SGD; np with SGD-learned feedback)\n\n")
	nets, batches := []string{"784-256-256-10", "784-1000-10"}, []int{32, 256}
	peer, peerErr := runPeer(o, nets, batches)
	fmt.Fprintf(w, "bp, np and npdfa steps alternate one by one (medians): the time ratios are side by side.\n\n")
	fmt.Fprintf(w, "| net | batch | credit bp | credit np | np/bp time | credit npdfa | npdfa/bp time | PyTorch bp | credit/PyTorch (bp) |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, net := range nets {
		for _, batch := range batches {
			var steps []func()
			for _, rule := range []string{"bp", "np", "npdfa"} {
				st, err := stepper(mlpConfig(net, batch), [3]int{}, rule)
				if err != nil {
					return err
				}
				steps = append(steps, st)
			}
			d := interleaved(o.Seconds*3, steps)
			bp, np, npdfa := float64(batch)/d[0].Seconds(), float64(batch)/d[1].Seconds(), float64(batch)/d[2].Seconds()
			ps, ratio := "–", "–"
			if r, ok := peer[fmt.Sprintf("%s/%d", net, batch)]; ok {
				ps, ratio = fmt.Sprintf("%.0f", r), fmt.Sprintf("%.2f×", bp/r)
			}
			fmt.Fprintf(w, "| %s | %d | %.0f | %.0f | %.2f× | %.0f | %.2f× | %s | %s |\n", net, batch, bp, np, bp/np, npdfa, bp/npdfa, ps, ratio)
		}
	}
	if peerErr != nil {
		fmt.Fprintf(w, "\nPyTorch skipped: %v\n", peerErr)
	}

	if o.CNNBatch == 0 {
		o.CNNBatch = 128
	}
	cnn := cnnConfig(o.CNNBatch)
	fmt.Fprintf(w, "\n## CNN training throughput (images/s; E4-small %s, %s, loss %s (%s), %s, batch %d)\n\n", cnn.Net, cnn.Act, cnn.Loss, cnn.Reduction, cnn.Opt, cnn.Batch)
	rates := map[string]float64{}
	for _, rule := range []string{"bp", "dfa", "npdfa"} {
		var err error
		if rates[rule], err = throughput(cnn, [3]int{3, 32, 32}, rule, o.Seconds); err != nil {
			return err
		}
	}
	peerCNN, cnnErr := runScript(o, torchCNN, "torch_cnn.py", "--batch", fmt.Sprint(o.CNNBatch), "--seconds", fmt.Sprint(o.Seconds))
	ps, ratio := "–", "–"
	if cnnErr == nil && len(peerCNN) == 1 {
		r := peerCNN[0]["images_per_s"].(float64)
		ps, ratio = fmt.Sprintf("%.0f", r), fmt.Sprintf("%.2f×", rates["bp"]/r)
	}
	fmt.Fprintf(w, "| credit bp | credit dfa | credit npdfa | PyTorch bp | credit/PyTorch (bp) |\n|---|---|---|---|---|\n| %.0f | %.0f | %.0f | %s | %s |\n",
		rates["bp"], rates["dfa"], rates["npdfa"], ps, ratio)
	if cnnErr != nil {
		fmt.Fprintf(w, "\nPyTorch CNN skipped: %v\n", cnnErr)
	}
	return nil
}

func kernelNames() []string {
	var n []string
	for k := range tensor.Kernels {
		if k != "naive" {
			n = append(n, k)
		}
	}
	sort.Strings(n)
	return n
}

func randMat(rng *rand.Rand, r, c int) *tensor.Mat {
	m := tensor.New(r, c)
	for i := range m.Data {
		m.Data[i] = float32(rng.Float64())
	}
	return m
}

// throughput trains the network of c (inputs of the given shape, random
// values; one-hot targets) with rule for about sec seconds and returns
// examples per second.
func throughput(c config.Config, shape [3]int, rule string, sec float64) (float64, error) {
	step, err := stepper(c, shape, rule)
	if err != nil {
		return 0, err
	}
	d := timeIt(sec, step)
	return float64(c.Batch) / d.Seconds(), nil
}

// stepper returns one training step (the rule's passes and the optimiser
// update) of the network of c on a fixed random batch.
func stepper(c config.Config, shape [3]int, rule string) (func(), error) {
	spec, err := nn.ParseSpec(c.Net)
	if err != nil {
		return nil, err
	}
	in := spec.Input
	if in == 0 {
		in = shape[0] * shape[1] * shape[2]
	}
	src := rand.NewPCG(2, 2)
	rng := rand.New(src)
	net, err := spec.Build(in, shape, c.Act, c.OutAct, rng, rng)
	if err != nil {
		return nil, err
	}
	c.Rule = rule
	r, err := feedback.New(rule, net, c.FeedbackOptions(), rng)
	if err != nil {
		return nil, err
	}
	r.SetSource(rng, src) // as the trainer does
	loss, err := nn.NewLoss(c.Loss)
	if err != nil {
		return nil, err
	}
	opt, err := train.NewOptimizer(c.Opt, c.LR, c.Momentum, c.AdamEps)
	if err != nil {
		return nil, err
	}
	g := nn.NewGrads(net)
	params, grads := net.Params(), g.Slices()
	x, y := randMat(rng, c.Batch, in), tensor.New(c.Batch, net.Out())
	for n := 0; n < c.Batch; n++ {
		y.Data[n*net.Out()+rng.IntN(net.Out())] = 1
	}
	return func() {
		net.Training = true
		r.Step(net, loss, 1, x, y, g, rng, true)
		opt.Step(params, grads)
	}, nil
}

// mlpConfig is the benchmark's MLP setup: sigmoid, squared error summed,
// plain SGD; np and npdfa learn their feedback by SGD (the ridge solver's Cholesky
// solve per step costs O(n³) in the width n of the layer above a site,
// which dominates at 256 units).
func mlpConfig(net string, batch int) config.Config {
	c := config.Default()
	c.Net, c.Batch, c.Opt, c.LR, c.FeedbackSolver, c.FeedbackLR = net, batch, "sgd", 1e-4, "sgd", 1e-4
	return c
}

// cnnConfig is the benchmark's CNN setup: E4's quick scale as
// configs/e4.yaml gives it (E4-small, tanh, cross-entropy summed, Adam) at
// the given batch; npdfa perturbs with E4's c = 0.0673 and learns its
// feedback by SGD.
func cnnConfig(batch int) config.Config {
	c := experiment.E4Small()
	c.Batch, c.Noise, c.FeedbackSolver, c.FeedbackLR = batch, 0.0673, "sgd", 1e-3
	return c
}

// runPeer runs the PyTorch MLP script and returns samples/s by "net/batch".
func runPeer(o Options, nets []string, batches []int) (map[string]float64, error) {
	var bs []string
	for _, b := range batches {
		bs = append(bs, fmt.Sprint(b))
	}
	lines, err := runScript(o, torchMLP, "torch_mlp.py", "--nets", strings.Join(nets, ","), "--batches", strings.Join(bs, ","), "--seconds", fmt.Sprint(o.Seconds))
	if err != nil {
		return nil, err
	}
	res := map[string]float64{}
	for _, l := range lines {
		net, _ := l["net"].(string)
		batch, _ := l["batch"].(float64)
		rate, _ := l["samples_per_s"].(float64)
		res[fmt.Sprintf("%s/%d", net, int(batch))] = rate
	}
	return res, nil
}

// runScript runs an embedded peer script with o.Python and returns its
// JSON lines.
func runScript(o Options, script []byte, name string, args ...string) ([]map[string]any, error) {
	if o.Python == "" {
		return nil, fmt.Errorf("no --python given")
	}
	dir, err := os.MkdirTemp("", "credit-bench")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, script, 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(o.Python, append([]string{path}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndex(msg, "\n"); i >= 0 {
			msg = msg[i+1:]
		}
		return nil, fmt.Errorf("%s %s: %v %s (is python3-torch installed?)", o.Python, name, err, msg)
	}
	var lines []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return nil, fmt.Errorf("%s: %v in %q", name, err, sc.Text())
		}
		lines = append(lines, m)
	}
	return lines, nil
}
