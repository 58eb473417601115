package report

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// clouds returns k labelled Gaussian clouds of n points each around a circle;
// every 50th point of the first cloud is NaN.
func clouds(k, n int) []PointSet {
	rng := rand.New(rand.NewPCG(1, 2))
	sets := make([]PointSet, k)
	for j := range sets {
		a := 2 * math.Pi * float64(j) / float64(k)
		cx, cy := 3*math.Cos(a), 3*math.Sin(a)
		ps := PointSet{Label: fmt.Sprintf("digit %d", j)}
		for i := range n {
			x, y := cx+rng.NormFloat64(), cy+0.6*rng.NormFloat64()
			if j == 0 && i%50 == 0 {
				x = math.NaN()
			}
			ps.X, ps.Y = append(ps.X, x), append(ps.Y, y)
		}
		sets[j] = ps
	}
	return sets
}

func TestFigurePoints(t *testing.T) {
	base := filepath.Join(t.TempDir(), "scatter")
	sets := clouds(3, 300)
	if dir := os.Getenv("REPORT_EXAMPLE"); dir != "" {
		base = dir + "-scatter" // keep the files; 10 digits × 1000 points
		sets = clouds(10, 1000)
	}
	xs := []float64{-4, -2, 0, 2, 4}
	panels := []Panel{
		{Title: "Latent codes", XLabel: "z₁", YLabel: "z₂", Points: sets},
		{
			Title: "Mixed", XLabel: "x", YLabel: "y",
			Series: []Series{{Label: "fit", X: xs, Y: []float64{-2, -1, 0, 1, 2}, Dashed: true}},
			Points: []PointSet{
				{Label: "digit 1", X: sets[1].X, Y: sets[1].Y}, // same label → same colour
				{Label: "noise", X: []float64{-3, 0, math.NaN(), 3}, Y: []float64{1, math.NaN(), 0, -1}},
			},
		},
	}
	if err := Figure(base, 2, panels); err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, base+".png")
	if b := img.Bounds(); b.Dx() != 2*4*PNGDPI || b.Dy() < 3*PNGDPI || b.Dy() > 4*PNGDPI {
		t.Errorf("png size %dx%d, want %d wide and %d high with the legend below", b.Dx(), b.Dy(), 2*4*PNGDPI, 3*PNGDPI)
	}
	svg, err := os.ReadFile(base + ".svg")
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"<svg", "Latent codes", "digit 2", "noise", "fit"} {
		if !bytes.Contains(svg, []byte(text)) {
			t.Errorf("svg lacks %q", text)
		}
	}
}

func TestFigurePointsErrors(t *testing.T) {
	bad := []Panel{{Points: []PointSet{{X: []float64{1, 2}, Y: []float64{1}}}}}
	if err := Figure(filepath.Join(t.TempDir(), "f"), 1, bad); err == nil {
		t.Error("len(X) ≠ len(Y): want error, got nil")
	}
	// All points unusable (NaN, or non-positive on a log axis) is not an error.
	empty := []Panel{{LogY: true, Points: []PointSet{
		{Label: "a", X: []float64{math.NaN(), 1}, Y: []float64{1, -1}},
		{Label: "b"},
	}}}
	if err := Figure(filepath.Join(t.TempDir(), "f"), 1, empty); err != nil {
		t.Error(err)
	}
}
