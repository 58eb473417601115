package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/train"
)

// serve's and export's bad input: one-line errors naming the problem.
func TestServeExportBadInput(t *testing.T) {
	runs := t.TempDir()
	c := config.Default()
	c.Data, c.Net, c.Rule, c.Epochs, c.TrainSize, c.Out = "linear", "8-4-2", "fa", 1, 32, filepath.Join(runs, "r")
	if _, err := train.Run(c, nil); err != nil {
		t.Fatal(err)
	}
	noCk := filepath.Join(runs, "nock")
	os.MkdirAll(noCk, 0o755)
	b, _ := json.Marshal(c)
	os.WriteFile(filepath.Join(noCk, "config.json"), b, 0o644)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	empty := t.TempDir()
	out := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"serve", runs, "--addr", "0.0.0.0:8150"}, "--public"},
		{[]string{"serve", runs, "--addr", ":8150"}, "not a loopback address"},
		{[]string{"serve", runs, "--addr", "nonsense"}, "--addr"},
		{[]string{"serve", empty, "--addr", "127.0.0.1:0"}, "no run directories"},
		{[]string{"serve", filepath.Join(empty, "none"), "--addr", "127.0.0.1:0"}, "none"},
		{[]string{"serve", runs, "--addr", l.Addr().String()}, "in use"},
		{[]string{"export"}, "name a run directory"},
		{[]string{"export", empty, "--npz", filepath.Join(out, "a.npz")}, "not a run directory"},
		{[]string{"export", noCk, "--npz", filepath.Join(out, "a.npz"), "--csv", filepath.Join(out, "a.csv")}, "no checkpoint"},
		{[]string{"export", c.Out, "--npz", filepath.Join(c.Out, "w.npz")}, "inside the run directory"},
		{[]string{"export", c.Out, "a", "b"}, "unexpected argument"},
	}
	for _, k := range cases {
		var stdout bytes.Buffer
		err := run(k.args, &stdout)
		if err == nil || !strings.Contains(err.Error(), k.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: want a one-line error naming %q, got %v", k.args, k.want, err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "a.npz")); err == nil {
		t.Error("a refused export wrote its file")
	}
	var stdout bytes.Buffer
	npz, csvf := filepath.Join(out, "r.npz"), filepath.Join(out, "r.csv")
	if err := run([]string{"export", c.Out, "--npz", npz, "--csv", csvf}, &stdout); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "after epoch 1") {
		t.Errorf("export said %q", stdout.String())
	}
	for _, p := range []string{npz, csvf} {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
	for _, cmd := range []string{"serve", "export"} {
		var out bytes.Buffer
		if err := run([]string{cmd, "-h"}, &out); !errors.Is(err, flag.ErrHelp) || !strings.Contains(out.String(), "usage: credit "+cmd) {
			t.Errorf("%s -h: %v\n%s", cmd, err, out.String())
		}
	}
}

// credit serve answers at its address until SIGINT, and then exits 0.
func TestServeBinary(t *testing.T) {
	bin := binary(t)
	runs := t.TempDir()
	c := config.Default()
	c.Data, c.Net, c.Rule, c.Epochs, c.TrainSize, c.Out = "linear", "8-4-2", "fa", 1, 32, filepath.Join(runs, "r")
	if _, err := train.Run(c, nil); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", runs, "--addr", "127.0.0.1:0")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		t.Fatal(err)
	}
	i := strings.Index(line, "http://")
	if i < 0 {
		cmd.Process.Kill()
		t.Fatalf("first line %q names no address", line)
	}
	url := strings.TrimSpace(strings.Fields(line[i:])[0])
	resp, err := http.Get(url + "api/runs")
	if err != nil {
		cmd.Process.Kill()
		t.Fatal(err)
	}
	var b struct{ Runs []struct{ ID, State string } }
	json.NewDecoder(resp.Body).Decode(&b)
	resp.Body.Close()
	if len(b.Runs) != 1 || b.Runs[0].State != "finished" {
		t.Errorf("runs %+v", b.Runs)
	}
	cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("after SIGINT: %v, want exit status 0", err)
		}
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Error("credit serve did not stop within 5 s of SIGINT")
	}
}
