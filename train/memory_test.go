package train

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/nn"
)

// withLimit sets MemoryLimit to n bytes for the test.
func withLimit(t *testing.T, n int64) {
	old := MemoryLimit
	MemoryLimit = func() (int64, string) { return n, "the test's limit" }
	t.Cleanup(func() { MemoryLimit = old })
}

// writeCIFAR writes a CIFAR-10 directory of one record per batch file.
func writeCIFAR(t *testing.T) string {
	dir := t.TempDir()
	for _, name := range []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"} {
		rec := make([]byte, 1+3072)
		for i := range rec[1:] {
			rec[1+i] = byte(i)
		}
		if err := os.WriteFile(filepath.Join(dir, name), rec, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Runs far beyond the memory available are refused at once, with one line
// naming --net and giving the estimate and the limit, before the weights
// (or the linear data) are allocated.
func TestMemoryRefused(t *testing.T) {
	withLimit(t, 3e9)
	cifar := writeCIFAR(t)
	cases := []struct {
		name string
		edit func(c *config.Config)
		want string
	}{
		{"wide", func(c *config.Config) { c.Data, c.Net = "linear", "784-1000000-10" }, "weights 3.18 GB"},
		{"huge", func(c *config.Config) { c.Data, c.Net = "linear", "784-1048576-1048576-10" }, "weights 4.40 TB"},
		{"teacher", func(c *config.Config) { c.Data, c.Net = "linear", "16384-16384" }, "data 2.65 GB"},
		{"conv", func(c *config.Config) {
			c.Data, c.DataDir, c.Net, c.DiagBatch = "cifar10", cifar, "conv3x3x1048576,fc10", 1
		}, "activations"},
	}
	for _, tc := range cases {
		c := config.Default()
		tc.edit(&c)
		c.Epochs, c.Out = 1, filepath.Join(t.TempDir(), "r")
		start := time.Now()
		_, err := Run(c, nil)
		if err == nil {
			t.Fatalf("%s: no error", tc.name)
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "--net: this run needs about ") || !strings.HasSuffix(msg, "; 3.00 GB is the test's limit") ||
			!strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
			t.Errorf("%s: got %q", tc.name, msg)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: refused after %v", tc.name, d)
		}
		if _, err := os.Stat(c.Out); err == nil {
			t.Errorf("%s: the refused run created %s", tc.name, c.Out)
		}
	}
	// Under the limit the run goes ahead.
	c := config.Default()
	c.Data, c.Net, c.Epochs, c.Out, c.TrainSize = "linear", "8-4-2", 1, filepath.Join(t.TempDir(), "r"), 64
	if _, err := Run(c, nil); err != nil {
		t.Fatal(err)
	}
}

// The estimate adds up the parts of the issue: weights and three gradient
// stores, the optimiser's state, the rule's feedback, the activations at
// the most examples a pass holds, and the data; it never overflows.
func TestEstimateMemory(t *testing.T) {
	est := func(net, rule, opt, solver string, d DataShape) Memory {
		t.Helper()
		c := config.Default()
		c.Net, c.Rule, c.Opt, c.FeedbackSolver = net, rule, opt, solver
		spec, err := nn.ParseSpec(net)
		if err != nil {
			t.Fatal(err)
		}
		m, err := EstimateMemory(c, spec, d)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	mnist := DataShape{Train: 60000, Test: 10000, In: 784, Out: 10, Shape: [3]int{1, 28, 28}}
	params := 784.0*50 + 50 + 50*20 + 20 + 20*10 + 10
	m := est("784-50-20-10", "bp", "sgd", "ridge", mnist)
	if m.Weights != 4*params || m.Grads != 3*4*params || m.Optimizer != 0 || m.Feedback != 0 {
		t.Errorf("bp, sgd: %+v", m)
	}
	if m := est("784-50-20-10", "bp", "momentum", "ridge", mnist); m.Optimizer != 4*params {
		t.Errorf("momentum: optimiser %v, want %v", m.Optimizer, 4*params)
	}
	if m := est("784-50-20-10", "bp", "adam", "ridge", mnist); m.Optimizer != 8*params {
		t.Errorf("adam: optimiser %v, want %v", m.Optimizer, 8*params)
	}
	// fa: B for the weights above each hidden site, W's shape.
	if m := est("784-50-20-10", "fa", "sgd", "ridge", mnist); m.Feedback != 4*(50*20+20*10) {
		t.Errorf("fa: feedback %v", m.Feedback)
	}
	// pfa: per layer above a site B (rows × 10·rows), R (10·rows × cols),
	// F and W's copy (W's shape), and one scratch of the largest W.
	if m := est("784-50-20-10", "pfa", "sgd", "ridge", mnist); m.Feedback != 4*(10*20*20+10*50*20+2*50*20+10*10*10+10*20*10+2*20*10+50*20) {
		t.Errorf("pfa: feedback %v", m.Feedback)
	}
	// dfa: classes × site width.
	if m := est("784-50-20-10", "dfa", "sgd", "ridge", mnist); m.Feedback != 4*(10*50+10*20) {
		t.Errorf("dfa: feedback %v", m.Feedback)
	}
	// np with ridge: B, and s×s + s×t in float64 (twice: sums and solve) per
	// site, with s the width above and t the site's.
	ridge := func(s, t float64) float64 { return 20 * (s*s + s*t) }
	if m := est("784-50-20-10", "np", "sgd", "ridge", mnist); m.Feedback != 4*(50*20+20*10)+ridge(20, 50)+ridge(10, 20) {
		t.Errorf("np ridge: feedback %v", m.Feedback)
	}
	if m := est("784-50-20-10", "np", "sgd", "sgd", mnist); m.Feedback != 4*(50*20+20*10) {
		t.Errorf("np sgd: feedback %v", m.Feedback)
	}
	// The test chunk and the diagnostic batch (1000) hold the most examples.
	if m.Rows != 1000 {
		t.Errorf("rows %d (%s)", m.Rows, m.RowsFrom)
	}
	if m.Data < 4*70000*(784+10) {
		t.Errorf("data %v", m.Data)
	}
	// The grammar's largest widths stay finite.
	cifar := DataShape{Train: 50000, Test: 10000, In: 3072, Out: 10, Shape: [3]int{3, 32, 32}}
	for _, tc := range []struct {
		net string
		d   DataShape
	}{{"784-1048576-1048576-10", mnist}, {"conv3x3x1048576,fc1048576,fc10", cifar}, {"conv32x32x1048576p1048576,fc1048576,fc10", cifar}} {
		m := est(tc.net, "npdfa", "adam", "ridge", tc.d)
		if tot := m.Total(); !(tot > 1e12) || math.IsInf(tot, 0) {
			t.Errorf("%s: total %v", tc.net, tot)
		}
	}
}
