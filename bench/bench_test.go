package bench

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/creditlab/credit/tensor"
)

// A very short run prints every section; a missing peer is reported, not
// fatal.
func TestRunReport(t *testing.T) {
	if testing.Short() {
		t.Skip("times real kernels")
	}
	var out bytes.Buffer
	if err := Run(Options{Seconds: 0.01, Peak: 144, Python: "/nonexistent/python3", Out: &out, CNNBatch: 4, Sections: []string{"gemm", "step"}}); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"## GEMM", "1000³", "fast", "gonum", "## MLP", "784-1000-10 | 256", "PyTorch skipped", "## CNN", "PyTorch CNN skipped"} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q:\n%s", want, s)
		}
	}
}

// The whole-epoch section trains every row and says in one line that
// PyTorch was skipped when it cannot run.
func TestRunEpochsWithoutPeer(t *testing.T) {
	if testing.Short() {
		t.Skip("trains")
	}
	var out bytes.Buffer
	if err := Run(Options{Python: "/nonexistent/python3", Out: &out, Sections: []string{"epoch"}, MNISTTrain: 64, CIFARTrain: -1}); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"## Whole epochs", "\nPyTorch skipped: ", "| mnist | 784-256-256-10 relu+ce | 32 |", "| mnist | 784-256-256-10 sigmoid+mse | 256 |"} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "cifar10") {
		t.Errorf("CIFARTrain -1 still ran CIFAR-10:\n%s", s)
	}
}

// benchThreads applies BENCH_THREADS from the environment (BENCH_THREADS=1
// keeps every kernel on one thread) and returns the function that restores
// the setting.
func benchThreads() func() {
	n, err := strconv.Atoi(os.Getenv("BENCH_THREADS"))
	if err != nil {
		return func() {}
	}
	old := tensor.SetThreads(n)
	return func() { tensor.SetThreads(old) }
}

// BenchmarkMLPStep times one training step of the `credit bench` MLPs per
// net, batch and rule, for profiling (go test -bench MLPStep -cpuprofile);
// BENCH_THREADS as benchThreads says.
func BenchmarkMLPStep(b *testing.B) {
	defer benchThreads()()
	for _, net := range []string{"784-256-256-10", "784-1000-10"} {
		for _, batch := range []int{32, 256} {
			for _, rule := range []string{"bp", "np", "npdfa"} {
				b.Run(fmt.Sprintf("%s/b%d/%s", net, batch, rule), func(b *testing.B) {
					step, err := stepper(mlpConfig(net, batch), [3]int{}, rule)
					if err != nil {
						b.Fatal(err)
					}
					step()
					for b.Loop() {
						step()
					}
					b.ReportMetric(float64(batch)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
				})
			}
		}
	}
}

// BenchmarkCNNStep times one training step of the `credit bench` CNN per
// rule; BENCH_THREADS as benchThreads says.
func BenchmarkCNNStep(b *testing.B) {
	defer benchThreads()()
	for _, rule := range []string{"bp", "npdfa"} {
		b.Run(rule, func(b *testing.B) {
			step, err := stepper(cnnConfig(128), [3]int{3, 32, 32}, rule)
			if err != nil {
				b.Fatal(err)
			}
			step()
			for b.Loop() {
				step()
			}
			b.ReportMetric(128*float64(b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}

// BenchmarkMLPEpoch trains one whole MNIST epoch of each `credit bench`
// MLP row with bp (as creditEpoch times it), for profiling the epoch
// beyond its steps; BENCH_THREADS as benchThreads says.
func BenchmarkMLPEpoch(b *testing.B) {
	defer benchThreads()()
	for _, ec := range MLPEpochCases() {
		c := ec.Runs[0]
		b.Run(fmt.Sprintf("%s/b%d", strings.ReplaceAll(ec.Name, " ", "_"), c.Batch), func(b *testing.B) {
			for b.Loop() {
				et, err := creditEpoch(c, b.TempDir())
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(et.train, "train-s")
			}
		})
	}
}
