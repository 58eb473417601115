package report

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"
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
	if err := TitledFigure(base, "MNIST 784-50-20-10: three rules", 2, examplePanels()); err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, base+".png")
	// The panels' 2×2 grid, and the title and the legend beside it.
	wantW, wantH := 2*4*PNGDPI, 2*3*PNGDPI
	if b := img.Bounds(); b.Dx() != wantW || b.Dy() < wantH || b.Dy() > wantH+PNGDPI {
		t.Errorf("png size %dx%d, want %d wide and a little over %d high", b.Dx(), b.Dy(), wantW, wantH)
	}
	if pdf, err := os.ReadFile(base + ".pdf"); err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) ||
		!bytes.Contains(pdf, []byte("%%EOF")) {
		t.Errorf("%s.pdf: %v, or not a PDF", base, err)
	}
	svg, err := os.ReadFile(base + ".svg")
	if err != nil {
		t.Fatal(err)
	}
	if s := string(svg); !strings.HasPrefix(s, "<?xml") && !strings.Contains(s, "<svg") {
		t.Fatalf("svg does not look like SVG: %.80q", s)
	}
	for _, text := range []string{"Training loss", "feedback alignment", "learning rate", "MNIST 784-50-20-10: three rules"} {
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

// The shared legend lies outside every panel's data area, lists each label
// once (a dashed train curve sharing a colour with its solid test curve
// has no entry of its own), and wraps a long label into lines that fit.
func TestLegendOutsideData(t *testing.T) {
	long := strings.Repeat("act=tanh batch=32 lr=0.001 momentum=0.9 noise=0.001 ", 4)
	panels := append(examplePanels(), Panel{
		Title: "loss (test solid, train dashed)", XLabel: "epoch", YLabel: "loss",
		Series: []Series{
			{Label: "backprop", X: []float64{0, 1}, Y: []float64{1, 2}},
			{Label: "backprop (train)", Colour: "backprop", Dashed: true, X: []float64{0, 1}, Y: []float64{2, 3}},
			{Label: long, X: []float64{0, 1}, Y: []float64{3, 1}},
		},
	})
	f, err := newFigure("a title", 3, panels)
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, e := range f.legend {
		labels = append(labels, strings.Join(e.lines, " "))
		for _, l := range e.lines {
			if w := legendStyle().Width(l); w > f.w {
				t.Errorf("legend line %q is %v wide, the figure %v", l, w, f.w)
			}
		}
	}
	want := []string{"backprop", "feedback alignment", "node perturbation"}
	if len(labels) != 4 || !slices.Equal(labels[:3], want) || !strings.HasSuffix(labels[3], "…") && labels[3] != strings.TrimSpace(long) {
		t.Errorf("legend %q, want %q and the long label wrapped", labels, want)
	}
	lay, err := f.render(vgimg.New(f.w, f.h))
	if err != nil {
		t.Fatal(err)
	}
	if len(lay.data) != len(panels) || lay.legend.Size().X <= 0 || lay.legend.Size().Y <= 0 {
		t.Fatalf("layout %+v: want %d data areas and a legend", lay, len(panels))
	}
	for i, d := range lay.data {
		if overlap(d, lay.legend) {
			t.Errorf("the legend %v overlaps panel %d's data area %v", lay.legend, i, d)
		}
	}
}

func overlap(a, b vg.Rectangle) bool {
	return a.Min.X < b.Max.X && b.Min.X < a.Max.X && a.Min.Y < b.Max.Y && b.Min.Y < a.Max.Y
}

// Epoch axes get integer ticks; log axes at least three labels, never
// the same label twice.
func TestTicks(t *testing.T) {
	labels := func(ts []plot.Tick) []string {
		var l []string
		for _, t := range ts {
			if t.Label != "" {
				l = append(l, t.Label)
			}
		}
		return l
	}
	for _, tc := range []struct {
		lo, hi float64
		want   []string
	}{
		{0, 5, []string{"0", "1", "2", "3", "4", "5"}},
		{0, 10, []string{"0", "2", "4", "6", "8", "10"}},
		{0, 3, []string{"0", "1", "2", "3"}},
		{0, 80, []string{"0", "10", "20", "30", "40", "50", "60", "70", "80"}},
	} {
		if got := labels(integerTicks{}.Ticks(tc.lo, tc.hi)); !slices.Equal(got, tc.want) {
			t.Errorf("integer ticks [%v, %v]: %q, want %q", tc.lo, tc.hi, got, tc.want)
		}
	}
	for _, tc := range []struct {
		lo, hi float64
		want   []string
	}{
		{20, 90, []string{"30", "60", "90"}},
		{0, 1, []string{"0.0", "0.5", "1.0"}},
		{89.99, 90.01, nil},
	} {
		got := labels(plainTicks{}.Ticks(tc.lo, tc.hi))
		if tc.want != nil && !slices.Equal(got, tc.want) {
			t.Errorf("linear ticks [%v, %v]: %q, want %q", tc.lo, tc.hi, got, tc.want)
		}
		if len(got) < 2 || len(slices.Compact(slices.Clone(got))) != len(got) {
			t.Errorf("linear ticks [%v, %v]: %q, want two or more distinct labels", tc.lo, tc.hi, got)
		}
	}
	for _, r := range [][2]float64{{88, 92}, {89.9, 90.1}, {85, 95}, {5, 60}, {8, 90}, {0.5, 3}, {1e-4, 1}, {40, 91}} {
		got := labels(logTicks{}.Ticks(r[0], r[1]))
		seen := map[string]bool{}
		for _, l := range got {
			if seen[l] {
				t.Errorf("log ticks %v: label %q twice in %q", r, l, got)
			}
			seen[l] = true
		}
		if len(got) < 3 {
			t.Errorf("log ticks %v: labels %q, want at least three", r, got)
		}
	}
}
