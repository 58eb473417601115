package analysis

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/experiment"
	"github.com/creditlab/credit/feedback"
	"github.com/creditlab/credit/nn"
)

// The authors' numbers are keyed by the groups their files make, so that
// none is lost to a label that no run has.
func TestAuthorsByGroup(t *testing.T) {
	for name, ref := range map[string]map[string]string{"e2b": e2bAuthors, "e3": e3Authors} {
		es, _ := experiment.Lookup(name)
		groups := map[string]bool{}
		for _, r := range es[0].Runs(experiment.Full) {
			groups[r.Group] = true
		}
		for g := range ref {
			if !groups[g] {
				t.Errorf("%s: the authors' %q is no group of the file", name, g)
			}
		}
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
func reproduceTiny(t *testing.T, name string, shrink func(*experiment.Run)) string {
	t.Helper()
	es, _ := experiment.Lookup(name)
	experiment.Register(&experiment.Experiment{
		Name: "tiny-" + name, Title: "tiny " + name, Report: es[0].Report,
		Runs: func(experiment.Scale) []experiment.Run {
			var runs []experiment.Run
			for _, r := range es[0].Runs(experiment.Quick) {
				if r.Config.Seed == 1 {
					shrink(&r)
					runs = append(runs, r)
				}
			}
			return runs
		},
	})
	dir := t.TempDir()
	if keep := os.Getenv("ANALYSIS_EXAMPLE"); keep != "" {
		dir = filepath.Join(keep, name) // ANALYSIS_EXAMPLE=/tmp/x go test ./analysis keeps the figures to look at
	}
	if err := experiment.Reproduce(context.Background(), "tiny-"+name, experiment.Options{Scale: experiment.Quick, Dir: dir, Jobs: 2}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The E3 report on tiny runs of every E3 group: table with the authors'
// column, loss and code figures, reconstruction grid, and the common
// report in report/.
func TestE3Report(t *testing.T) {
	mnist := tinyMNIST(t, 300, 100)
	dir := reproduceTiny(t, "e3", func(r *experiment.Run) {
		r.Config.DataDir, r.Config.Net, r.Config.Epochs, r.Config.DiagBatch = mnist, "fc8,fc2:linear,fc8,fc784", 1, 50
	})
	for _, f := range []string{"e3.md", "e3.csv", "e3.png", "e3.svg", "e3_reconstructions.png", "report/report.md", "report/report.csv", "report/curves.svg", "report/alignment.png"} {
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
	dir := reproduceTiny(t, "zoo", func(r *experiment.Run) {
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
	for _, want := range []string{"| MNIST 784-500-10   | kp ", "1.53", "≈ 35", "| MNIST 784-500-10   | dfa   | 0     | –      | not run: same as fa", "| CIFAR-10 small CNN | np    | 1 "} {
		if !strings.Contains(md, want) {
			t.Errorf("zoo.md lacks %q:\n%s", want, md)
		}
	}
}

// configs/zoo.yaml runs, on each network of zooNets and in the table's
// order, exactly the rules not skipped, and every rule that refuses a
// network is skipped there.
func TestZooRulesAndRefusals(t *testing.T) {
	es, _ := experiment.Lookup("zoo")
	for _, scale := range []experiment.Scale{experiment.Quick, experiment.Full} {
		runs := map[string][]experiment.Run{} // seed 1, by network
		for _, r := range es[0].Runs(scale) {
			label := strings.TrimSuffix(r.Group, " "+r.Config.Rule)
			if r.Config.Seed == 1 {
				runs[label] = append(runs[label], r)
			}
		}
		if len(runs) != len(zooNets) {
			t.Errorf("%s: the file has %d networks, the report knows %d", scale, len(runs), len(zooNets))
		}
		for _, n := range zooNets {
			var want, got []string
			for _, rule := range zooRules {
				if n.skip[rule] == "" {
					want = append(want, rule)
				}
			}
			for _, r := range runs[n.label] {
				got = append(got, r.Config.Rule)
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("%s %s: the file runs %v, want %v", scale, n.label, got, want)
			}
		}
	}
	for _, n := range zooNets {
		c := runs0(t, es[0], n.label)
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
			o := c.FeedbackOptions() // the rule's own run's settings, if it has one
			if rc, ok := ruleRun(es[0], n.label, rule); ok {
				o = rc.FeedbackOptions()
			}
			_, err := feedback.New(rule, net, o, rand.New(rand.NewPCG(3, 3)))
			if err != nil && n.skip[rule] == "" {
				t.Errorf("%s, %s: refused (%v) but not left out", n.label, rule, err)
			}
		}
	}
}

// runs0 is the config of the first quick run of e in the network label.
// ruleRun returns the settings of the quick run of rule on the network
// labelled label, if there is one.
func ruleRun(e *experiment.Experiment, label, rule string) (config.Config, bool) {
	for _, r := range e.Runs(experiment.Quick) {
		if r.Group == label+" "+rule {
			return r.Config, true
		}
	}
	return config.Config{}, false
}

func runs0(t *testing.T, e *experiment.Experiment, label string) config.Config {
	for _, r := range e.Runs(experiment.Quick) {
		if strings.HasPrefix(r.Group, label+" ") {
			return r.Config
		}
	}
	t.Fatalf("no run of %s", label)
	return config.Config{}
}
