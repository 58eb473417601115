package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"github.com/creditlab/credit/config"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/creditlab/credit/rundir"
	"github.com/creditlab/credit/sweep"
)

// An experiment file covers everything credit train can do: every flag is a
// key, and every key a flag.
func TestFlagsAreKeys(t *testing.T) {
	c := config.Default()
	fs := trainFlags(&c)
	f, err := sweep.Parse("x.yaml", []byte("rule: bp\n"))
	if err != nil {
		t.Fatal(err)
	}
	fs.VisitAll(func(fl *flag.Flag) {
		if err := f.Override(fl.Name, fl.Value.(flag.Getter).Get()); err != nil {
			t.Errorf("flag --%s is not a key: %v", fl.Name, err)
		}
	})
	rt := reflect.TypeOf(c)
	for i := range rt.NumField() {
		key, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if fs.Lookup(strings.ReplaceAll(key, "_", "-")) == nil {
			t.Errorf("key %s has no flag", key)
		}
	}
}

func write(t *testing.T, dir, name, src string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const tinyRun = `# one tiny run
data: linear
net: 30-10-10
train_size: 300
diag_batch: 50
rule: np
epochs: 3
lr: 0.002
`

// credit run trains the file's run; flags given override it; the run's
// config.json is itself a file that reruns it to the same numbers.
func TestRunFile(t *testing.T) {
	dir := t.TempDir()
	file := write(t, dir, "one.yaml", tinyRun)
	out := filepath.Join(dir, "a")
	var log bytes.Buffer
	if err := run([]string{"run", file, "--epochs", "1", "--out", out}, &log); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c config.Config
	json.Unmarshal(b, &c)
	if c.Epochs != 1 || c.LR != 0.002 || c.Net != "30-10-10" || c.Rule != "np" || c.Momentum != config.Default().Momentum || c.Out != out {
		t.Errorf("resolved configuration %+v", c)
	}
	// The file may follow the flags.
	again := filepath.Join(dir, "b")
	if err := run([]string{"run", "--out", again, filepath.Join(out, "config.json")}, &log); err != nil {
		t.Fatal(err)
	}
	s1, _ := os.ReadFile(filepath.Join(out, "summary.json"))
	s2, _ := os.ReadFile(filepath.Join(again, "summary.json"))
	if len(s1) == 0 || !bytes.Equal(s1, s2) {
		t.Errorf("rerun from config.json differs:\n%s\n%s", s1, s2)
	}
}

// A bad file gives one line naming the file, the line and the key, and
// writes nothing; a bad flag names the flag.
func TestRunBadFile(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "never")
	cases := []struct {
		src  string
		args []string
		want string
	}{
		{tinyRun + "lerning_rate: 3\n", nil, "bad.yaml:9: lerning_rate: unknown key"},
		{strings.Replace(tinyRun, "lr: 0.002", "lr: fast", 1), nil, `bad.yaml:8: lr: want a number, got "fast"`},
		{strings.Replace(tinyRun, "lr: 0.002", "lr: -2", 1), nil, "bad.yaml:8: lr: must be a positive finite number, got -2"},
		{strings.Replace(tinyRun, "lr: 0.002", "lr: -2", 1), []string{"--lr", "0.5", "--batch", "0"}, "--batch: must be positive, got 0"},
		{tinyRun, []string{"--lr", "-1"}, "--lr: must be a positive finite number, got -1"},
		{tinyRun + "epochs: 2\n", nil, "bad.yaml:9: epochs: duplicate key (first set as epochs at line 7)"},
		// Found by train.Run when it loads the data, placed all the same.
		{"rule: bp\ndata: mnist\ndata_dir: " + dir + "/nothing\n", nil, "bad.yaml:3: data_dir: "},
		{tinyRun + "seeds: 2\n", nil, "bad.yaml: describes 2 runs"},
	}
	for _, c := range cases {
		file := write(t, dir, "bad.yaml", c.src)
		err := run(append([]string{"run", file, "--out", out}, c.args...), &bytes.Buffer{})
		msg := ""
		if err != nil {
			msg = strings.TrimPrefix(err.Error(), dir+"/")
		}
		if err == nil || !strings.HasPrefix(msg, c.want) || strings.Contains(msg, "\n") {
			t.Errorf("%q %v: got %v, want one line starting %q", c.src, c.args, err, c.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("%q: a bad file wrote %s", c.src, out)
		}
	}
}

// credit sweep: --list shows the grid and its state, --index trains one
// run, a bad file writes nothing, and --emit slurm refuses go run's
// temporary binary (the test binary is one).
func TestSweepCommand(t *testing.T) {
	dir := t.TempDir()
	file := write(t, dir, "s.yaml", strings.Replace(tinyRun, "rule: np", "rule: [bp, np]", 1)+"seeds: 2\n")
	out := filepath.Join(dir, "sw")
	var b bytes.Buffer
	if err := run([]string{"sweep", file, "--out", out, "--index", "3"}, &b); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if err := run([]string{"sweep", "--list", file, "--out", out}, &b); err != nil {
		t.Fatal(err)
	}
	want := []string{"index", "0 " + out + "/runs/rule_bp-seed1 to run", "3 " + out + "/runs/rule_np-seed2 finished"}
	got := strings.Join(strings.Fields(b.String()), " ")
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("--list lacks %q:\n%s", w, b.String())
		}
	}
	b.Reset()
	if err := run([]string{"sweep", "--list", "--json", file, "--out", out}, &b); err != nil {
		t.Fatal(err)
	}
	var list []struct {
		Index      int
		Run, State string
	}
	if err := json.Unmarshal(b.Bytes(), &list); err != nil || len(list) != 4 || list[3].Index != 3 ||
		list[3].Run != out+"/runs/rule_np-seed2" || list[3].State != "finished" || list[0].State != "to run" {
		t.Errorf("--list --json: %v, %+v\n%s", err, list, b.String())
	}
	// A run that diverged is listed as such.
	if err := os.MkdirAll(list[0].Run, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := rundir.WriteDivergence(list[0].Run, &rundir.Divergence{Epoch: 1, Step: 2, Steps: 1, Loss: "NaN"}); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	if err := run([]string{"sweep", "--list", file, "--out", out}, &b); err != nil || !strings.Contains(strings.Join(strings.Fields(b.String()), " "), "0 "+list[0].Run+" diverged") {
		t.Errorf("--list after a divergence: %v\n%s", err, b.String())
	}
	if err := run([]string{"sweep", "--json", file, "--out", out}, &b); err == nil || err.Error() != "--json: only with --list" {
		t.Errorf("--json without --list: %v", err)
	}
	bad := write(t, dir, "bad.yaml", "rule: [bp, np]\nbatch: [32, -1]\n")
	err := run([]string{"sweep", bad, "--out", filepath.Join(dir, "never")}, &b)
	if err == nil || err.Error() != bad+":2: batch: must be positive, got -1" {
		t.Errorf("bad sweep: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "never")); err == nil {
		t.Error("a bad sweep wrote its directory")
	}
	err = run([]string{"sweep", file, "--out", out, "--emit", "slurm"}, &b)
	if err == nil || !strings.Contains(err.Error(), "go run's temporary binary") {
		t.Errorf("--emit slurm from a temporary binary: %v", err)
	}
	if err := run([]string{"sweep", file, "--emit", "pbs"}, &b); err == nil || !strings.HasPrefix(err.Error(), "--emit: unknown target") {
		t.Errorf("--emit pbs: %v", err)
	}
}

// tree returns every file and directory under dir with its mode and
// contents.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		m[p] = info.Mode().String()
		if !e.IsDir() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			m[p] += " " + string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A refused credit sweep (a finished sweep with other settings in --out)
// or credit run (a run already in --out) leaves the directory byte for
// byte as it was (issue 16: sweep.yaml was replaced by the refused file).
func TestRefusalChangesNothing(t *testing.T) {
	dir := t.TempDir()
	file := write(t, dir, "s.yaml", strings.Replace(tinyRun, "rule: np", "rule: [bp, np]", 1))
	out := filepath.Join(dir, "sw")
	if err := run([]string{"sweep", file, "--out", out}, io.Discard); err != nil {
		t.Fatal(err)
	}
	was := tree(t, out)
	same := func(what string) {
		t.Helper()
		if now := tree(t, out); !reflect.DeepEqual(now, was) {
			for p, v := range now {
				if was[p] != v {
					t.Errorf("%s changed or wrote %s", what, p)
				}
			}
			for p := range was {
				if _, ok := now[p]; !ok {
					t.Errorf("%s removed %s", what, p)
				}
			}
		}
	}
	other := write(t, dir, "new.yaml", strings.Replace(tinyRun, "rule: np", "rule: [bp, np]", 1)+"batch: 16\n")
	for _, args := range [][]string{
		{"sweep", other, "--out", out},
		{"sweep", other, "--out", out, "--index", "1"},
	} {
		err := run(args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "other settings (batch 32 there, 16 here)") {
			t.Errorf("%v: %v", args, err)
		}
		same(strings.Join(args[:1], " "))
	}
	runDir := filepath.Join(out, "runs", "rule_np-seed1")
	one := write(t, dir, "one.yaml", tinyRun)
	if err := run([]string{"run", one, "--out", runDir}, io.Discard); err == nil || !strings.Contains(err.Error(), "already holds a run") {
		t.Errorf("credit run into a run: %v", err)
	}
	same("credit run")
}
