package experiment

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/creditlab/credit/config"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// A tiny experiment runs end to end and writes its report, and a second
// call skips the finished runs.
func TestReproduceAndResume(t *testing.T) {
	Register(&Experiment{
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
			np := 0
			for _, r := range rs {
				if r.Group == "np" {
					np++
				}
			}
			if len(rs) != 4 || np != 2 || len(rs[0].Diags) != 4 || len(rs[0].Epochs) != 3 || !rs[0].Finished {
				t.Errorf("%d runs, %d np runs, %d diags, %d epochs", len(rs), np, len(rs[0].Diags), len(rs[0].Epochs))
			}
			return "table", os.WriteFile(filepath.Join(dir, "tiny.md"), []byte("table\n"), 0o644)
		},
	})
	defer delete(registry, "tiny")
	dir := t.TempDir()
	o := Options{Scale: Quick, Dir: dir, Jobs: 2}
	if err := Reproduce(context.Background(), "tiny", o); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"tiny.md", "runs/np-seed2/summary.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	summary := filepath.Join(dir, "runs/bp-seed1/summary.json")
	old := time.Now().Add(-time.Hour)
	os.Chtimes(summary, old, old)
	if err := Reproduce(context.Background(), "tiny", o); err != nil {
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
	if err := Reproduce(context.Background(), "tiny", o); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(np1, "summary.json")); len(want) == 0 || !bytes.Equal(got, want) {
		t.Errorf("the resumed run's summary differs:\n%s\n%s", got, want)
	}
	if log, _ := os.ReadFile(filepath.Join(np1, "train.log")); !bytes.Contains(log, []byte("resuming")) {
		t.Errorf("the run was not resumed: %s", log)
	}
	if err := Reproduce(context.Background(), "tiny", Options{Scale: "huge", Dir: dir, Jobs: 1}); err == nil || !strings.Contains(err.Error(), "--scale") {
		t.Errorf("bad scale: %v", err)
	}
}
