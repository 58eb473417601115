package main

import (
	"bytes"
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
