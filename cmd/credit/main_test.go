package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"github.com/creditlab/credit/config"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creditlab/credit/train"
)

// Bad flags give a one-line error naming the flag, never a panic.
func TestBadFlags(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"train", "--lr", "abc"}, "-lr"},
		{[]string{"train", "--bogus"}, "-bogus"},
		{[]string{"train", "--rule", "magic", "--out", dir + "/a"}, "--rule"},
		{[]string{"train", "--net", "784-50-9", "--out", dir + "/b"}, "--net"},
		{[]string{"train", "--net", "784--10", "--out", dir + "/c"}, "--net"},
		{[]string{"train", "--batch", "0", "--out", dir + "/d"}, "--batch"},
		{[]string{"train", "extra"}, "extra"},
		{[]string{"train", "--resume", dir + "/none"}, "--resume"},
		{[]string{"train", "--resume", dir + "/none", "--lr", "0.1", "--epochs", "3"}, "--lr"},
		{[]string{"train", "--resume", dir + "/none", "--epochs", "0"}, "--epochs"},
		{[]string{"frobnicate"}, "frobnicate"},
		{[]string{"bench", "extra"}, "extra"},
		{[]string{"reproduce", "e1", "--scale", "full", "e2"}, "e2"},
		{[]string{"reproduce", "--jobs", "2"}, "name an experiment"},
		{[]string{"run", "--lr", "0.1"}, "name an experiment file"},
		{[]string{"sweep", "a.yaml", "b.yaml"}, "b.yaml"},
		{[]string{"train", "--bogus"}, "train: flag provided but not defined: -bogus (credit train -h lists the flags)"},
		{[]string{"report", "--nope", "x"}, "credit report -h"},
		{[]string{"rules", "--verbose"}, "credit rules -h"},
		{[]string{"rules", "extra"}, "extra"},
		{[]string{"help", "frobnicate"}, "help: unknown command \"frobnicate\""},
		{[]string{"version", "extra"}, "extra"},
		{[]string{"train", "--train-size", "70000", "--out", dir + "/e"}, "--train-size: 70000, but"},
		{[]string{"train", "--diag-batch", "10001", "--out", dir + "/f"}, "--diag-batch: 10001, but the test set of mnist holds only 10000"},
	}
	for _, c := range cases {
		var out bytes.Buffer
		err := run(c.args, &out)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: want a one-line error naming %q, got %v", c.args, c.want, err)
		}
	}
}

// -h prints each command's usage and flags, and is no error for main.
func TestHelp(t *testing.T) {
	for cmd, want := range map[string]string{
		"train": "-resume DIR", "run": "usage: credit run FILE", "sweep": "-emit", "reproduce": "NAME one of biotorch, e1",
		"report": "-force", "bench": "-python", "rules": "-json",
	} {
		var out bytes.Buffer
		if err := run([]string{cmd, "-h"}, &out); !errors.Is(err, flag.ErrHelp) || !strings.Contains(out.String(), want) {
			t.Errorf("%s -h: %v, output lacks %q:\n%s", cmd, err, want, out.String())
		}
		// credit help CMD is credit CMD -h.
		var help bytes.Buffer
		if err := run([]string{"help", cmd}, &help); !errors.Is(err, flag.ErrHelp) || help.String() != out.String() {
			t.Errorf("help %s: %v, output differs from %s -h:\n%s", cmd, err, cmd, help.String())
		}
	}
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		var out bytes.Buffer
		if err := run(args, &out); err != nil || !strings.Contains(out.String(), "version") {
			t.Errorf("%v: %v, want the command list:\n%s", args, err, out.String())
		}
	}
	// The usage lists every command, and every command but version and
	// help (answered by run itself) is dispatched.
	for _, name := range commandNames {
		if !strings.Contains(usage, "\n  "+name+" ") {
			t.Errorf("the usage does not list %s", name)
		}
		if _, ok := commands[name]; !ok && name != "version" && name != "help" {
			t.Errorf("%s is listed but not dispatched", name)
		}
	}
	if len(commands) != len(commandNames)-2 {
		t.Errorf("%d commands dispatched, %d listed besides version and help", len(commands), len(commandNames)-2)
	}
}

// credit version and --version name the module and the Go version.
func TestVersion(t *testing.T) {
	for _, arg := range []string{"version", "--version", "-version"} {
		var out bytes.Buffer
		if err := run([]string{arg}, &out); err != nil || !strings.HasPrefix(out.String(), "credit ") ||
			!strings.Contains(out.String(), "github.com/creditlab/credit") || !strings.Contains(out.String(), "revision ") ||
			!strings.Contains(out.String(), runtime.Version()) || strings.Count(out.String(), "\n") != 1 {
			t.Errorf("%s: %v, want one line with the module, revision and Go version, got %q", arg, err, out.String())
		}
	}
}

var binDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binary builds the credit command once for the tests that run it.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if binDir == "" {
		d, err := os.MkdirTemp("", "credit-bin")
		if err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("go", "build", "-o", filepath.Join(d, "credit"), ".").CombinedOutput(); err != nil {
			os.RemoveAll(d)
			t.Fatalf("build: %v\n%s", err, out)
		}
		binDir = d
	}
	return filepath.Join(binDir, "credit")
}

// The binary exits non-zero with one line on stderr; -h exits 0.
func TestExitCode(t *testing.T) {
	bin := binary(t)
	cmd := exec.Command(bin, "train", "--lr", "-1", "--out", filepath.Join(t.TempDir(), "r"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() == 0 {
		t.Fatalf("want a non-zero exit, got %v", err)
	}
	if s := stderr.String(); strings.Count(s, "\n") != 1 || !strings.Contains(s, "--lr") {
		t.Errorf("stderr %q: want one line naming --lr", s)
	}
	if out, err := exec.Command(bin, "train", "-h").Output(); err != nil || !strings.HasPrefix(string(out), "usage: credit train") {
		t.Errorf("credit train -h: want the usage and exit status 0, got %v:\n%s", err, out)
	}
}

// SIGINT and SIGTERM stop a training after its current step with a
// checkpoint and exit status 130 and 143, naming how to continue;
// --resume continues, and the run ends as an uninterrupted one does; the
// same for credit run.
// signalWhen starts cmd, sends sig once ready() holds (or after a
// minute), and returns the exit status and stderr.
func signalWhen(t *testing.T, cmd *exec.Cmd, sig os.Signal, ready func() bool) (int, string) {
	t.Helper()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for !ready() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(sig)
	cmd.Wait()
	return cmd.ProcessState.ExitCode(), stderr.String()
}

func TestSignalStopsAndResumes(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	args := []string{"--data", "linear", "--net", "30-20-10", "--act", "tanh", "--opt", "momentum", "--lr", "1e-3",
		"--train-size", "1000", "--batch", "4", "--epochs", "30", "--diag-batch", "100", "--diag-every", "100", "--seed", "3"}
	ref := config.Default()
	fs := trainFlags(&ref)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	ref.Out = filepath.Join(dir, "ref")
	if _, err := train.Run(ref, nil); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "run")
	size := func(f string) int64 {
		st, err := os.Stat(filepath.Join(out, f))
		if err != nil {
			return -1
		}
		return st.Size()
	}
	code, stderr := signalWhen(t, exec.Command(bin, append([]string{"train", "--out", out}, args...)...), os.Interrupt,
		func() bool { return size("checkpoint") > 0 })
	if code != 130 || !strings.Contains(stderr, "stopped (interrupt)") || !strings.Contains(stderr, "credit train --resume "+out) {
		t.Fatalf("SIGINT: exit %d, stderr %q; want 130 and how to resume", code, stderr)
	}
	at := size("metrics.jsonl")
	code, stderr = signalWhen(t, exec.Command(bin, "train", "--resume", out), syscall.SIGTERM,
		func() bool { return size("metrics.jsonl") > at })
	if code != 143 || !strings.Contains(stderr, "stopped (terminated)") {
		t.Fatalf("SIGTERM: exit %d, stderr %q; want 143 and how to resume", code, stderr)
	}
	if b, err := exec.Command(bin, "train", "--resume", out).CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, b)
	}
	a, _ := os.ReadFile(filepath.Join(ref.Out, "summary.json"))
	b, _ := os.ReadFile(filepath.Join(out, "summary.json"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("the interrupted run's summary differs from the uninterrupted one's:\n%s\n%s", b, a)
	}

	// credit run stops the same way.
	file := filepath.Join(dir, "run.yaml")
	yaml := "data: linear\nnet: 30-20-10\nact: tanh\nopt: momentum\nlr: 1e-3\ntrain_size: 1000\nbatch: 4\nepochs: 30\ndiag_batch: 100\ndiag_every: 100\nseed: 3\n"
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	out = filepath.Join(dir, "file-run")
	code, stderr = signalWhen(t, exec.Command(bin, "run", file, "--out", out), os.Interrupt,
		func() bool { return size("checkpoint") > 0 })
	if code != 130 || !strings.Contains(stderr, "credit train --resume "+out) {
		t.Fatalf("credit run, SIGINT: exit %d, stderr %q; want 130 and how to resume", code, stderr)
	}
	if b, err := exec.Command(bin, "train", "--resume", out).CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, b)
	}
	if b, _ = os.ReadFile(filepath.Join(out, "summary.json")); !bytes.Equal(a, b) {
		t.Errorf("credit run: the interrupted run's summary differs from the uninterrupted one's:\n%s\n%s", b, a)
	}
}

func TestRulesCommand(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"rules"}, &out); err != nil || !strings.Contains(out.String(), "fa ") {
		t.Errorf("rules: %v\n%s", err, out.String())
	}
	out.Reset()
	var rules []struct{ Name, Doc string }
	if err := run([]string{"rules", "--json"}, &out); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out.Bytes(), &rules); err != nil || len(rules) < 10 || rules[0].Name == "" || rules[0].Doc == "" {
		t.Errorf("rules --json: %v, %+v\n%s", err, rules, out.String())
	}
}

// credit report end to end on two tiny real runs: the table goes to stdout
// and OUT, a second report into the same OUT needs --force, and bad
// arguments give one-line errors.
func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	for _, seed := range []string{"1", "2"} {
		args := []string{"train", "--data", "linear", "--train-size", "128", "--net", "6-4-3", "--act", "tanh",
			"--epochs", "1", "--diag-batch", "32", "--seed", seed, "--out", filepath.Join(dir, "runs", "np-seed"+seed)}
		if err := run(args, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "report")
	var stdout bytes.Buffer
	if err := run([]string{"report", filepath.Join(dir, "runs"), "--out", out}, &stdout); err != nil {
		t.Fatal(err)
	}
	if s := stdout.String(); !strings.Contains(s, "| rule=np ") || !strings.Contains(s, "| 2     |") {
		t.Errorf("stdout lacks the table row of 2 seeds:\n%s", s)
	}
	for _, f := range []string{"report.md", "report.csv", "curves.png", "curves.svg", "alignment.png", "alignment.svg"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if err := run([]string{"report", "--out", out, filepath.Join(dir, "runs")}, io.Discard); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("a second report into the same --out: %v", err)
	}
	if err := run([]string{"report", "--out", out, "--force", filepath.Join(dir, "runs", "np-seed1")}, io.Discard); err != nil {
		t.Errorf("--force: %v", err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"report"}, "run directories"},
		{[]string{"report", filepath.Join(dir, "nowhere")}, "nowhere"},
		{[]string{"report", dir, "--bogus"}, "-bogus"},
	} {
		if err := run(c.args, io.Discard); err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: want a one-line error naming %q, got %v", c.args, c.want, err)
		}
	}
}

// credit sweep stops on SIGINT and SIGTERM as credit train does: the run
// in progress writes its checkpoint, no other run starts, the exit status
// is 130 or 143, and stderr says to run the same command again, which
// continues: the runs end as uninterrupted ones do. credit reproduce
// stops the same way.
func TestSignalStopsSweep(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "s.yaml")
	yaml := "data: linear\nnet: 30-20-10\nact: tanh\nopt: momentum\nlr: 1e-3\ntrain_size: 1000\nbatch: 4\nepochs: 30\ndiag_batch: 100\ndiag_every: 100\nseed: 3\nrule: [np, fa]\n"
	if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "sw")
	first, second := filepath.Join(out, "runs", "rule_np-seed3"), filepath.Join(out, "runs", "rule_fa-seed3")
	size := func(f string) int64 {
		st, err := os.Stat(f)
		if err != nil {
			return -1
		}
		return st.Size()
	}
	args := []string{"sweep", file, "--out", out, "--jobs", "1"}
	again := "continue with the same command, which skips the finished runs and resumes the stopped ones from their checkpoints: credit " + strings.Join(args, " ")
	code, stderr := signalWhen(t, exec.Command(bin, args...), os.Interrupt,
		func() bool { return size(filepath.Join(first, "checkpoint")) > 0 })
	if code != 130 || !strings.Contains(stderr, "stopped (interrupt)") || !strings.Contains(stderr, again) {
		t.Fatalf("SIGINT: exit %d, stderr %q; want 130 and how to continue", code, stderr)
	}
	if size(filepath.Join(first, "summary.json")) >= 0 || size(second) >= 0 {
		t.Fatal("after SIGINT the first run finished or the second started")
	}
	at := size(filepath.Join(first, "metrics.jsonl"))
	code, stderr = signalWhen(t, exec.Command(bin, args...), syscall.SIGTERM,
		func() bool { return size(filepath.Join(first, "metrics.jsonl")) > at })
	if code != 143 || !strings.Contains(stderr, "stopped (terminated)") || !strings.Contains(stderr, again) {
		t.Fatalf("SIGTERM: exit %d, stderr %q; want 143 and how to continue", code, stderr)
	}
	if b, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("continue: %v\n%s", err, b)
	}
	if l, _ := os.ReadFile(filepath.Join(first, "train.log")); strings.Count(string(l), "resuming") != 2 {
		t.Errorf("the first run was not resumed twice:\n%s", l)
	}
	for _, rule := range []string{"np", "fa"} {
		ref := config.Default()
		fs := trainFlags(&ref)
		if err := fs.Parse([]string{"--data", "linear", "--net", "30-20-10", "--act", "tanh", "--opt", "momentum", "--lr", "1e-3",
			"--train-size", "1000", "--batch", "4", "--epochs", "30", "--diag-batch", "100", "--diag-every", "100", "--seed", "3", "--rule", rule}); err != nil {
			t.Fatal(err)
		}
		ref.Out = filepath.Join(dir, "ref-"+rule)
		if _, err := train.Run(ref, nil); err != nil {
			t.Fatal(err)
		}
		a, _ := os.ReadFile(filepath.Join(ref.Out, "summary.json"))
		b, _ := os.ReadFile(filepath.Join(out, "runs", "rule_"+rule+"-seed3", "summary.json"))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s: the interrupted sweep's summary differs from an uninterrupted run's:\n%s\n%s", rule, b, a)
		}
	}

	// credit reproduce: E1 trains on the linear teacher, nothing to load.
	rep := filepath.Join(dir, "e1")
	args = []string{"reproduce", "e1", "--out", rep, "--jobs", "1"}
	code, stderr = signalWhen(t, exec.Command(bin, args...), syscall.SIGTERM,
		func() bool { return size(filepath.Join(rep, "runs", "np_c_0.001-seed1", "checkpoint")) > 0 })
	if code != 143 || !strings.Contains(stderr, "stopped (terminated)") || !strings.Contains(stderr, "credit "+strings.Join(args, " ")) {
		t.Fatalf("credit reproduce, SIGTERM: exit %d, stderr %q; want 143 and how to continue", code, stderr)
	}
	if size(filepath.Join(rep, "runs", "np_c_0.001-seed2")) >= 0 {
		t.Error("credit reproduce started another run after SIGTERM")
	}
}
