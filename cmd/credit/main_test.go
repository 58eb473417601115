package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
		{[]string{"frobnicate"}, "frobnicate"},
	}
	for _, c := range cases {
		var out bytes.Buffer
		err := run(c.args, &out)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: want a one-line error naming %q, got %v", c.args, c.want, err)
		}
	}
}

// The binary exits non-zero with one line on stderr.
func TestExitCode(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "credit")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
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
	os.Remove(bin)
}

func TestRulesCommand(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"rules"}, &out); err != nil || !strings.Contains(out.String(), "fa ") {
		t.Errorf("rules: %v\n%s", err, out.String())
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
