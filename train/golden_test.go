package train_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/creditlab/credit/config"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creditlab/credit/train"
)

// goldenRuns are tiny runs, one per rule family and option that has its own
// code path, on dense and conv networks. Their files were hashed before the
// engine's refactoring (issue 12) and must never change unless a change of
// numbers is intended and said: a refactoring keeps every byte.
var goldenRuns = []struct {
	name string
	set  func(c *config.Config)
}{
	{"dense", func(c *config.Config) {}},
	{"conv", func(c *config.Config) {
		c.Net, c.Act, c.Loss, c.LR, c.TrainSize, c.Epochs = "conv3x3x3s2,pool2s2,fc12,drop0.2,fc10", "tanh", "ce", 1e-3, 96, 2
	}},
}

var goldenVariants = []struct {
	name string
	set  func(c *config.Config)
}{
	{"np-sgd", func(c *config.Config) { c.Rule, c.FeedbackSolver, c.FeedbackLR = "np", "sgd", 1e-2 }},
	{"npdfa-ridge-nploss", func(c *config.Config) { c.Rule, c.NPLoss = "npdfa", "softmax-mse" }},
	{"kp-decay-adam", func(c *config.Config) { c.Rule, c.WeightDecay, c.Opt = "kp", 1e-3, "adam" }},
	{"bp-activity-noise", func(c *config.Config) { c.Rule, c.ActivityNoise = "bp", 1e-2 }},
	{"wm-mean", func(c *config.Config) { c.Rule, c.Reduction, c.LR = "wm", "mean", 0.05 }},
	{"np-warmup", func(c *config.Config) { c.Rule, c.Warmup = "np", 1 }},
}

// goldenAutoencoder is E3's shape in small: its run also writes codes.csv
// and reconstructions.json.
func goldenAutoencoder(c *config.Config) {
	c.Net, c.Autoencoder, c.Rule, c.LR = "fc16,fc4:linear,fc16,fc784", true, "np", 1e-4
}

// goldenBase is config.Default as it was when the hashes were recorded,
// spelled out so that a later change of a default does not change them.
func goldenBase() config.Config {
	return config.Config{
		Data: "mnist", Net: "784-50-20-10", Act: "sigmoid", OutAct: "linear",
		Loss: "mse", Reduction: "sum", Rule: "np", Opt: "momentum", LR: 0.001, Momentum: 0.9,
		AdamEps: 1e-8, Batch: 32, Epochs: 80, Seed: 1, DiagBatch: 1000,
		Noise: 1e-3, FeedbackSolver: "ridge", FeedbackLR: 1e-3, Ridge: 0.1, FeedbackDecay: 1e-3,
	}
}

// goldenHash hashes a finished run's summary.json, diag.jsonl and
// metrics.jsonl (with every "seconds" value zeroed: wall time).
func goldenHash(t *testing.T, dir string) string {
	h := sha256.New()
	for _, f := range []string{"summary.json", "diag.jsonl", "metrics.jsonl", "codes.csv", "reconstructions.json"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if os.IsNotExist(err) && (f == "codes.csv" || f == "reconstructions.json") {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if f == "metrics.jsonl" {
			var lines []string
			for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				var m map[string]any
				if err := json.Unmarshal([]byte(l), &m); err != nil {
					t.Fatal(err)
				}
				m["seconds"] = 0
				js, _ := json.Marshal(m)
				lines = append(lines, string(js))
			}
			b = []byte(strings.Join(lines, "\n"))
		}
		fmt.Fprintf(h, "%s %d\n", f, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// TestGolden pins the numbers: every rule, and each option with its own
// code path, on a dense and a conv network give the files they gave before
// the refactoring. Set CREDIT_GOLDEN=print to print the table.
func TestGolden(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	type run struct {
		name string
		set  func(c *config.Config)
	}
	var runs []run
	for _, net := range goldenRuns {
		for _, rule := range []string{"bp", "fa", "dfa", "np", "npdfa", "nodepert", "usf", "brsf", "frsf", "wm", "kp"} {
			if net.name == "conv" && rule == "np" {
				continue // refused on conv nets today
			}
			runs = append(runs, run{net.name + "/" + rule, func(c *config.Config) { net.set(c); c.Rule = rule }})
		}
		for _, v := range goldenVariants {
			if net.name == "conv" && strings.HasPrefix(v.name, "np-") {
				continue
			}
			runs = append(runs, run{net.name + "/" + v.name, func(c *config.Config) { net.set(c); v.set(c) }})
		}
	}
	runs = append(runs, run{"dense/autoencoder", goldenAutoencoder})
	var got strings.Builder
	for _, r := range runs {
		c := goldenBase()
		c.TrainSize, c.Net, c.Epochs, c.Batch, c.DiagBatch, c.DiagEvery = 128, "784-12-8-10", 2, 16, 50, 3
		c.Noise, c.LR = 1e-2, 2e-3
		r.set(&c)
		c.Out = filepath.Join(t.TempDir(), "run")
		if _, err := train.Run(c, nil); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		h := goldenHash(t, c.Out)
		fmt.Fprintf(&got, "\t%q: %q,\n", r.name, h)
		if want, ok := golden[r.name]; !ok {
			t.Errorf("%s: no golden hash (got %s)", r.name, h)
		} else if h != want {
			t.Errorf("%s: files hash to %s, want %s: the numbers changed", r.name, h, want)
		}
	}
	if os.Getenv("CREDIT_GOLDEN") == "print" {
		t.Logf("golden table:\n%s", got.String())
	}
}

// golden was recorded on the code before issue 12's refactoring (commit
// 12be6a2), at GOMAXPROCS 1 and 2 alike.
var golden = map[string]string{
	"dense/bp":                 "15a401d56eba730c",
	"dense/fa":                 "ea13106fd09e5c3c",
	"dense/dfa":                "6a6580628323735b",
	"dense/np":                 "554c633c4547a72c",
	"dense/npdfa":              "214eff60f112f1f4",
	"dense/nodepert":           "352a03110ef0cf05",
	"dense/usf":                "89ae599bb6135743",
	"dense/brsf":               "91abfc2e0070ab04",
	"dense/frsf":               "ceb9c3a81a6541a8",
	"dense/wm":                 "63629f2e4878ccb5",
	"dense/kp":                 "f1c6106335f6d605",
	"dense/np-sgd":             "9dbc976e51d1f156",
	"dense/npdfa-ridge-nploss": "913b45ea940a8e3d",
	"dense/kp-decay-adam":      "babf352148e77347",
	"dense/bp-activity-noise":  "f5add1fcd1a103fd",
	"dense/wm-mean":            "000cc481856e8158",
	"dense/np-warmup":          "e457640ecbb8f53f",
	"conv/bp":                  "f61f49ee07eaafd9",
	"conv/fa":                  "1660ec9c1d61b4d9",
	"conv/dfa":                 "df2e4441fa16f732",
	"conv/npdfa":               "0b5fb7ec933668ea",
	"conv/nodepert":            "ac86c2b1cbe9720f",
	"conv/usf":                 "b109df8fada699c3",
	"conv/brsf":                "af7cc604d0f234c2",
	"conv/frsf":                "e4974e62c669e31f",
	"conv/wm":                  "b2b5f32f28d4572e",
	"conv/kp":                  "e3ac1acc02c0ed98",
	"conv/npdfa-ridge-nploss":  "349f98d25a30e6bf",
	"conv/kp-decay-adam":       "9dab8a557db27d53",
	"conv/bp-activity-noise":   "44e91c64cfcc68e2",
	"conv/wm-mean":             "a1a019508cfa6d36",
	"dense/autoencoder":        "7f590d1cabb0e7ca",
}
