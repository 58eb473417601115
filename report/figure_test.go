package report

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// examplePanels is a 2×2 grid exercising log axes, bands, dashed lines, NaN
// gaps and non-positive values on log axes.
func examplePanels() []Panel {
	nan := math.NaN()
	steps := []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	loss := func(scale float64) (y, lo, hi []float64) {
		for _, s := range steps {
			m := scale * math.Exp(-0.4*s)
			y, lo, hi = append(y, m), append(lo, 0.6*m), append(hi, 1.4*m)
		}
		return y, lo, hi
	}
	bpY, bpLo, bpHi := loss(2)
	faY, faLo, faHi := loss(3)
	faY[4] = nan   // a gap
	bpLo[6] = -0.1 // non-positive band edge on a log axis
	return []Panel{
		{
			Title: "Training loss", XLabel: "epoch", YLabel: "loss", LogY: true,
			Series: []Series{
				{Label: "backprop", X: steps, Y: bpY, Lo: bpLo, Hi: bpHi},
				{Label: "feedback alignment", X: steps, Y: faY, Lo: faLo, Hi: faHi, Dashed: true},
			},
		},
		{
			Title: "Test accuracy", XLabel: "epoch", YLabel: "accuracy",
			Series: []Series{
				{Label: "backprop", X: steps, Y: []float64{.1, .5, .7, .8, .85, .88, .9, .91, .92, .93}},
				{Label: "feedback alignment", X: steps, Y: []float64{.1, .3, nan, nan, .6, .7, .75, .78, .8, .81}, Dashed: true},
				{Label: "node perturbation", X: steps, Y: []float64{.1, .2, .25, .3, nan, .35, nan, .4, .42, .43}},
			},
		},
		{
			Title: "Learning-rate sweep", XLabel: "learning rate", YLabel: "final loss", LogX: true, LogY: true,
			Series: []Series{
				{Label: "backprop", X: []float64{0, 1e-4, 1e-3, 1e-2, 1e-1, 1}, Y: []float64{5, 2, 0.5, 0.1, -1, 3}},
			},
		},
		{Title: "Empty log panel", LogX: true, LogY: true},
	}
}

func TestFigure(t *testing.T) {
	base := filepath.Join(t.TempDir(), "sub", "dir", "fig")
	if dir := os.Getenv("REPORT_EXAMPLE"); dir != "" {
		base = dir // go test ./report with REPORT_EXAMPLE=/tmp/report-example keeps the files
	}
	if err := Figure(base, 2, examplePanels()); err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, base+".png")
	wantW, wantH := 2*4*PNGDPI, 2*3*PNGDPI
	if b := img.Bounds(); b.Dx() != wantW || b.Dy() != wantH {
		t.Errorf("png size %dx%d, want %dx%d", b.Dx(), b.Dy(), wantW, wantH)
	}
	svg, err := os.ReadFile(base + ".svg")
	if err != nil {
		t.Fatal(err)
	}
	if s := string(svg); !strings.HasPrefix(s, "<?xml") && !strings.Contains(s, "<svg") {
		t.Fatalf("svg does not look like SVG: %.80q", s)
	}
	for _, text := range []string{"Training loss", "feedback alignment", "learning rate"} {
		if !bytes.Contains(svg, []byte(text)) {
			t.Errorf("svg lacks text %q", text)
		}
	}
}

// readPNG reads and decodes the PNG file path, checking its magic.
func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("%s: bad magic %q", path, raw[:min(8, len(raw))])
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestFigureErrors(t *testing.T) {
	ok := []Panel{{Series: []Series{{X: []float64{1, 2}, Y: []float64{1, 2}}}}}
	tests := []struct {
		name   string
		path   string
		cols   int
		panels []Panel
	}{
		{"unwritable", "/proc/report-test/fig", 1, ok},
		{"empty path", "", 1, ok},
		{"zero cols", filepath.Join(t.TempDir(), "f"), 0, ok},
		{"no panels", filepath.Join(t.TempDir(), "f"), 1, nil},
		{"len mismatch", filepath.Join(t.TempDir(), "f"), 1,
			[]Panel{{Series: []Series{{X: []float64{1, 2}, Y: []float64{1}}}}}},
		{"band mismatch", filepath.Join(t.TempDir(), "f"), 1,
			[]Panel{{Series: []Series{{X: []float64{1, 2}, Y: []float64{1, 2}, Lo: []float64{0}}}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := Figure(tc.path, tc.cols, tc.panels); err == nil {
				t.Error("want error, got nil")
			}
		})
	}
}

func TestSegments(t *testing.T) {
	v := []float64{1, math.NaN(), 2, 3, math.NaN(), math.NaN(), 4}
	got := segments(len(v), func(i int) bool { return !math.IsNaN(v[i]) })
	want := [][]int{{0}, {2, 3}, {6}}
	if len(got) != len(want) {
		t.Fatalf("segments = %v, want %v", got, want)
	}
	for i := range want {
		if len(got[i]) != len(want[i]) || got[i][0] != want[i][0] {
			t.Errorf("segments = %v, want %v", got, want)
		}
	}
}
