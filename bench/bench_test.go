package bench

import (
	"bytes"
	"strings"
	"testing"
)

// A very short run prints every section; a missing peer is reported, not
// fatal.
func TestRunReport(t *testing.T) {
	if testing.Short() {
		t.Skip("times real kernels")
	}
	var out bytes.Buffer
	if err := Run(Options{Seconds: 0.01, Peak: 144, Python: "/nonexistent/python3", Out: &out, CNNBatch: 4}); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"## GEMM", "1000³", "fast", "gonum", "## MLP", "784-1000-10 | 256", "PyTorch peer not run", "## CNN", "PyTorch CNN peer not run"} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q:\n%s", want, s)
		}
	}
}
