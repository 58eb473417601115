package sweep

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func yamlList(n int, f string) string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf(f, i+1)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// A file that expands to more than MaxRuns runs is refused before any is
// expanded, naming the count and the lists that make it.
func TestTooManyRuns(t *testing.T) {
	aliases := "lr: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nmomentum: *a\nnoise: *a\nridge: *a\nfeedback_lr: *a\nfeedback_decay: *a\nadam_eps: *a\nweight_decay: *a\n"
	cases := []struct{ name, src, want string }{
		{"1e6", "lr: " + yamlList(100, "%d") + "\nseeds: 100\nbatch: " + yamlList(100, "%d") + "\n",
			"x.yaml: 1000000 runs (lr: 100 values × batch: 100 × seed: 100) exceeds the limit of 100000"},
		{"1e9", "lr: " + yamlList(1000, "%d") + "\nseeds: 1000\nbatch: " + yamlList(1000, "%d") + "\n",
			"x.yaml: 1000000000 runs (lr: 1000 values × batch: 1000 × seed: 1000) exceeds the limit of 100000"},
		{"aliases, 1e8", aliases,
			"x.yaml: 100000000 runs (lr: 10 values × momentum: 10 × noise: 10 × ridge: 10 × feedback_lr: 10 × feedback_decay: 10 × adam_eps: 10 × weight_decay: 10) exceeds the limit of 100000"},
		{"variants", "seeds: 1000\nvariants:\n  - {rule: bp}\n  - {rule: fa, lr: " + yamlList(200, "%d") + "}\n",
			"x.yaml: 201000 runs (2 variants; variant 2: 200000 = lr: 200 values × seed: 1000; variant 1: 1000 = seed: 1000 values) exceeds the limit of 100000"},
	}
	for _, c := range cases {
		f, err := Parse("x.yaml", []byte(c.src))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		start := time.Now()
		_, err = f.Expand("")
		if err == nil || err.Error() != c.want {
			t.Errorf("%s:\n got %v\nwant %s", c.name, err, c.want)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: refused after %v", c.name, d)
		}
	}
	// At the limit is allowed.
	pts := expand(t, "lr: "+yamlList(100, "%d")+"\nseeds: 1000\n", "")
	if len(pts) != MaxRuns {
		t.Errorf("%d runs, want %d", len(pts), MaxRuns)
	}
}

// Aliases that repeat a long list many times are refused while parsing.
func TestAliasFanOut(t *testing.T) {
	src := "lr: &a " + yamlList(20000, "%d") + "\nvariants: [&v {lr: *a, momentum: *a, noise: *a, ridge: *a}" + strings.Repeat(", *v", 20000) + "]\n"
	_, err := Parse("x.yaml", []byte(src))
	want := fmt.Sprintf("the file's keys hold more than %d values in all", MaxValues)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want %q", err, want)
	}
	// Variants that alias a mapping of scales count too.
	names := make([]string, 100)
	for i := range names {
		names[i] = fmt.Sprintf("s%d: {}", i)
	}
	src = "scales: &s {" + strings.Join(names, ", ") + "}\nvariants: [&v {scales: *s}" + strings.Repeat(", *v", 20000) + "]\n"
	if _, err := Parse("x.yaml", []byte(src)); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("scales: got %v, want %q", err, want)
	}
}

// Files larger than MaxFileSize are refused by size, also endless ones.
func TestFileSize(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(big, []byte("rule: bp\n"+strings.Repeat("#", MaxFileSize)), 0o644); err != nil {
		t.Fatal(err)
	}
	paths := []string{big}
	if _, err := os.Stat("/dev/zero"); err == nil {
		paths = append(paths, "/dev/zero")
	}
	for _, p := range paths {
		_, err := Load(p)
		want := fmt.Sprintf("%s: larger than %d bytes, the most an experiment file may hold", p, MaxFileSize)
		if err == nil || err.Error() != want {
			t.Errorf("got %v, want %s", err, want)
		}
	}
}
