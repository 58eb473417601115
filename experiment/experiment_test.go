package experiment

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"github.com/creditlab/credit/config"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creditlab/credit/feedback"
	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/report"
	"github.com/creditlab/credit/train"
)

// Every named experiment's runs are valid configurations at both scales.
func TestConfigsValid(t *testing.T) {
	for _, name := range Names() {
		es, _ := Lookup(name)
		for _, e := range es {
			for _, s := range []Scale{Quick, Full} {
				runs := e.Runs(s)
				if len(runs) == 0 {
					t.Errorf("%s %s: no runs", name, s)
				}
				for _, r := range runs {
					r.Config.Out = "x"
					if err := r.Config.Validate(); err != nil {
						t.Errorf("%s %s %s: %v", name, s, r.Group, err)
					}
				}
			}
		}
	}
}

// The authors' numbers are keyed by the groups their files make, so that
// none is lost to a label that no run has.
func TestAuthorsByGroup(t *testing.T) {
	for name, ref := range map[string]map[string]string{"e2b": e2bAuthors, "e3": e3Authors} {
		es, _ := Lookup(name)
		groups := map[string]bool{}
		for _, r := range es[0].Runs(Full) {
			groups[r.Group] = true
		}
		for g := range ref {
			if !groups[g] {
				t.Errorf("%s: the authors' %q is no group of the file", name, g)
			}
		}
	}
}

// A tiny experiment runs end to end, writes its table and figure, and a
// second call skips the finished runs.
func TestReproduceAndResume(t *testing.T) {
	register(&Experiment{
		Name: "tiny", Title: "tiny",
		Runs: func(Scale) []Run {
			var runs []Run
			for _, rule := range []string{"bp", "np"} {
				for seed := uint64(1); seed <= 2; seed++ {
					c := config.Default()
					c.Data, c.TrainSize, c.Net, c.Act, c.Rule = "linear", 256, "6-4-3", "tanh", rule
					c.Opt, c.LR, c.Epochs, c.Seed, c.DiagEvery, c.DiagBatch = "sgd", 1e-3, 2, seed, 4, 64
					runs = append(runs, Run{Group: rule, Config: c})
				}
			}
			return runs
		},
		Report: func(dir string, rs []Result) (string, error) {
			order, by := groups(rs)
			if len(order) != 2 || len(by["np"]) != 2 || len(rs[0].Diags) != 4 || len(rs[0].Epochs) != 3 {
				t.Errorf("groups %v, %d np runs, %d diags, %d epochs", order, len(by["np"]), len(rs[0].Diags), len(rs[0].Epochs))
			}
			err := report.Figure(filepath.Join(dir, "fig"), 1, []report.Panel{{Series: series(order, by, diagCurve(0, deltaAngle, true))}})
			if err != nil {
				return "", err
			}
			tab := &report.Table{Header: []string{"rule", "test loss"}}
			for _, g := range order {
				tab.Rows = append(tab.Rows, []string{g, pm(by[g], 3, func(r Result) float64 { return float64(r.Summary.TestLoss) })})
			}
			return writeTable(dir, "tiny", tab, tab)
		},
	})
	defer delete(registry, "tiny")
	dir := t.TempDir()
	o := Options{Scale: Quick, Dir: dir, Jobs: 2}
	if err := Reproduce("tiny", o); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"tiny.md", "tiny.csv", "fig.png", "fig.svg", "runs/np-seed2/summary.json", "report/report.md", "report/curves.svg", "report/alignment.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, "tiny.md"))
	if !strings.Contains(string(md), "±") {
		t.Errorf("table lacks mean ± sd:\n%s", md)
	}
	summary := filepath.Join(dir, "runs/bp-seed1/summary.json")
	old := time.Now().Add(-time.Hour)
	os.Chtimes(summary, old, old)
	if err := Reproduce("tiny", o); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(summary); !st.ModTime().Equal(old) {
		t.Error("a finished run was trained again")
	}
	// A run stopped after its first checkpoint continues from it and ends
	// as it did uninterrupted.
	np1 := filepath.Join(dir, "runs/np-seed1")
	want, _ := os.ReadFile(filepath.Join(np1, "summary.json"))
	var c config.Config
	b, _ := os.ReadFile(filepath.Join(np1, "config.json"))
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(np1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := train.RunContext(ctx, c, nil); !errors.As(err, new(*train.Stopped)) {
		t.Fatalf("want a stopped run, got %v", err)
	}
	if err := Reproduce("tiny", o); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(np1, "summary.json")); len(want) == 0 || !bytes.Equal(got, want) {
		t.Errorf("the resumed run's summary differs:\n%s\n%s", got, want)
	}
	if log, _ := os.ReadFile(filepath.Join(np1, "train.log")); !bytes.Contains(log, []byte("resuming")) {
		t.Errorf("the run was not resumed: %s", log)
	}
	if err := Reproduce("tiny", Options{Scale: "huge", Dir: dir, Jobs: 1}); err == nil || !strings.Contains(err.Error(), "--scale") {
		t.Errorf("bad scale: %v", err)
	}
}

// tinyMNIST writes an MNIST-layout directory (uncompressed IDX files) of
// train and test 28×28 images with random pixels and labels i mod 10, from
// a fixed seed, for the report tests to train on: loading the real MNIST
// (70,000 gzipped images) took most of their time, and its 10,000 test
// images most of the rest.
func tinyMNIST(t *testing.T, train, test int) string {
	t.Helper()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	write := func(name string, dims []int) {
		b := []byte{0, 0, 8, byte(len(dims))}
		n := 1
		for _, d := range dims {
			b = binary.BigEndian.AppendUint32(b, uint32(d))
			n *= d
		}
		for i := range n {
			if len(dims) == 1 {
				b = append(b, byte(i%10))
			} else {
				b = append(b, byte(rng.IntN(256)))
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("train-images-idx3-ubyte", []int{train, 28, 28})
	write("train-labels-idx1-ubyte", []int{train})
	write("t10k-images-idx3-ubyte", []int{test, 28, 28})
	write("t10k-labels-idx1-ubyte", []int{test})
	return dir
}

// reproduceTiny reproduces the seed-1 runs of the experiment name at its
// quick scale, each changed by shrink, with its report, into a new
// directory, which it returns.
func reproduceTiny(t *testing.T, name string, shrink func(*Run)) string {
	t.Helper()
	es, _ := Lookup(name)
	register(&Experiment{
		Name: "tiny-" + name, Title: "tiny " + name, Report: es[0].Report,
		Runs: func(Scale) []Run {
			var runs []Run
			for _, r := range es[0].Runs(Quick) {
				if r.Config.Seed == 1 {
					shrink(&r)
					runs = append(runs, r)
				}
			}
			return runs
		},
	})
	defer delete(registry, "tiny-"+name)
	dir := t.TempDir()
	if err := Reproduce("tiny-"+name, Options{Scale: Quick, Dir: dir, Jobs: 2}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The E3 report on tiny runs of every E3 group: table with the authors'
// column, loss and code figures, reconstruction grid.
func TestE3Report(t *testing.T) {
	mnist := tinyMNIST(t, 300, 100)
	dir := reproduceTiny(t, "e3", func(r *Run) {
		r.Config.DataDir, r.Config.Net, r.Config.Epochs, r.Config.DiagBatch = mnist, "fc8,fc2:linear,fc8,fc784", 1, 50
	})
	for _, f := range []string{"e3.md", "e3.csv", "e3.png", "e3.svg", "e3_reconstructions.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, "e3.md"))
	for _, want := range []string{"np", "denoising bp", "515 ± 7"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("e3.md lacks %q:\n%s", want, md)
		}
	}
}

// The zoo's report on tiny runs of every network and rule (seed 1, 200
// training and 100 test images of MNIST's shape, one epoch, every network
// shrunk, the CNN on those images): one row per network and rule, Akrout et
// al.'s numbers beside 784-500-10, a note in the rows of the rules not run,
// the figure.
func TestZooReport(t *testing.T) {
	mnist := tinyMNIST(t, 200, 100)
	dir := reproduceTiny(t, "zoo", func(r *Run) {
		c := &r.Config
		if c.Rule == "wm" && c.FeedbackLR != c.FeedbackDecay {
			t.Errorf("%s: wm's η_B %g ≠ λ %g", r.Group, c.FeedbackLR, c.FeedbackDecay)
		}
		c.DataDir, c.TrainSize, c.Epochs, c.DiagBatch = mnist, 0, 1, 50
		switch {
		case c.Data == "cifar10":
			c.Data, c.Net = "mnist", "conv3x3x2s2,pool3s2,conv3x3x2,pool3s2,fc8,fc10"
		case c.Net == "784-500-10":
			c.Net = "784-8-10"
		default:
			c.Net = "784-8-6-10"
		}
	})
	for _, f := range []string{"zoo.md", "zoo.csv", "zoo.png", "zoo.svg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "zoo.md"))
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	rows := 0
	for _, line := range strings.Split(md, "\n") {
		if strings.Contains(line, "MNIST") || strings.Contains(line, "CIFAR") {
			rows++
		}
	}
	if want := 3 * len(zooRules); rows != want {
		t.Errorf("zoo.md has %d rows, want %d:\n%s", rows, want, md)
	}
	for _, want := range []string{"| MNIST 784-500-10   | kp ", "1.53", "≈ 35", "| CIFAR-10 small CNN | np    | 0     | –      | not run: refused"} {
		if !strings.Contains(md, want) {
			t.Errorf("zoo.md lacks %q:\n%s", want, md)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "runs", "CIFAR-10_small_CNN_np-seed1")); err == nil {
		t.Error("np ran on the CNN")
	}
}

// Every rule that refuses a network of the zoo is left out of it.
func TestZooRefusals(t *testing.T) {
	for _, n := range zooNets {
		c := n.config(Quick, 1)
		spec, err := nn.ParseSpec(c.Net)
		if err != nil {
			t.Fatal(err)
		}
		shape := [3]int{1, 28, 28}
		if c.Data == "cifar10" {
			shape = [3]int{3, 32, 32}
		}
		net, err := spec.Build(shape[0]*shape[1]*shape[2], shape, c.Act, c.OutAct, rand.New(rand.NewPCG(1, 1)), rand.New(rand.NewPCG(2, 2)))
		if err != nil {
			t.Fatal(err)
		}
		for _, rule := range zooRules {
			_, err := feedback.New(rule, net, feedback.Options{Noise: c.Noise, Solver: c.FeedbackSolver}, rand.New(rand.NewPCG(3, 3)))
			if err != nil && n.skip[rule] == "" {
				t.Errorf("%s, %s: refused (%v) but not left out", n.label, rule, err)
			}
		}
	}
}
