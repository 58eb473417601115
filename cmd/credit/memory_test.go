package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Under a real 3 GB address-space limit (ulimit -v 3000000), networks far
// beyond it are refused by their memory estimate with one line and exit
// status 2, not by a runtime out-of-memory crash.
func TestMemoryLimit(t *testing.T) {
	bin := binary(t)
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	cifar := t.TempDir()
	for _, name := range []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"} {
		if err := os.WriteFile(filepath.Join(cifar, name), make([]byte, 1+3072), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{"--data", "linear", "--net", "784-1000000-10"},
		{"--data", "linear", "--net", "784-1048576-1048576-10"},
		{"--data", "linear", "--net", "16384-16384"},
		{"--data", "cifar10", "--data-dir", cifar, "--diag-batch", "1", "--net", "conv3x3x1048576,fc10"},
	} {
		out := filepath.Join(t.TempDir(), "r")
		cmd := exec.Command(bash, append([]string{"-c", `ulimit -v 3000000 && exec "$@"`, "bash", bin, "train", "--epochs", "1", "--out", out}, args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() != 2 {
			t.Errorf("%v: want exit status 2, got %v; stderr:\n%s", args, err, stderr.String())
			continue
		}
		if s := stderr.String(); strings.Count(s, "\n") != 1 || !strings.Contains(s, "--net: this run needs about ") || !strings.Contains(s, "the address-space limit") {
			t.Errorf("%v: want one line giving the estimate and the limit, got:\n%s", args, s)
		}
	}
	// A small run fits.
	out := filepath.Join(t.TempDir(), "r")
	cmd := exec.Command(bash, "-c", `ulimit -v 3000000 && exec "$@"`, "bash", bin, "train", "--epochs", "1", "--out", out,
		"--data", "linear", "--net", "8-4-2", "--train-size", "64")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("a small run under ulimit -v 3000000: %v\n%s", err, b)
	}
}
