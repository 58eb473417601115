package report

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// digit returns a 28×28 image: black, with a white ring whose radius grows
// with k, and pixel (0, 0) white.
func digit(k int) []float32 {
	im := make([]float32, 28*28)
	r := 4 + 1.5*float64(k)
	for y := range 28 {
		for x := range 28 {
			d := math.Hypot(float64(x)-13.5, float64(y)-13.5)
			im[y*28+x] = float32(1.5 - math.Abs(d-r)) // clipped to [0,1]
		}
	}
	im[0] = 1
	im[1] = float32(math.NaN())
	return im
}

func TestImageGrid(t *testing.T) {
	base := filepath.Join(t.TempDir(), "sub", "grid")
	if dir := os.Getenv("REPORT_EXAMPLE"); dir != "" {
		base = dir + "-grid"
	}
	images := [][][]float32{
		{digit(0), digit(1), digit(2)},
		{digit(3), digit(4), digit(5)},
	}
	const scale = 3
	if err := ImageGrid(base, images, 28, 28, []string{"input", "reconstruction"}, scale); err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, base+".png")
	g := newGridLayout(2, 3, 28, 28, scale, []string{"input", "reconstruction"})
	if g.labelW == 0 {
		t.Fatal("no label column")
	}
	gap := max(4, scale)
	wantW := 2*gap + g.labelW + 3*28*scale + 2*gap
	wantH := 2*gap + 2*28*scale + gap
	if b := img.Bounds(); b.Dx() != wantW || b.Dy() != wantH {
		t.Fatalf("png size %dx%d, want %dx%d", b.Dx(), b.Dy(), wantW, wantH)
	}
	// Image [1][2]: its pixel (0, 0) is white, (1, 0) NaN → black, and the
	// centre is black.
	at := g.cell(1, 2)
	check := func(x, y int, want uint32) {
		t.Helper()
		r, gg, b, _ := img.At(x, y).RGBA()
		if r>>8 != want || gg>>8 != want || b>>8 != want {
			t.Errorf("pixel (%d, %d) = %d,%d,%d, want gray %d", x, y, r>>8, gg>>8, b>>8, want)
		}
	}
	check(at.X+scale-1, at.Y+scale-1, 0xff)
	check(at.X+scale, at.Y, 0)
	check(at.X+14*scale, at.Y+14*scale, 0)
	svg, err := os.ReadFile(base + ".svg")
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"<svg", "data:image/png;base64,", ">reconstruction</text>"} {
		if !bytes.Contains(svg, []byte(text)) {
			t.Errorf("svg lacks %q", text)
		}
	}
}

func TestImageGridErrors(t *testing.T) {
	ok := [][][]float32{{make([]float32, 4)}}
	dir := t.TempDir()
	tests := []struct {
		name   string
		path   string
		images [][][]float32
		labels []string
		scale  int
	}{
		{"unwritable", "/proc/report-test/grid", ok, nil, 1},
		{"empty path", "", ok, nil, 1},
		{"empty grid", filepath.Join(dir, "g"), nil, nil, 1},
		{"empty rows", filepath.Join(dir, "g"), [][][]float32{{}, {}}, nil, 1},
		{"wrong length", filepath.Join(dir, "g"), [][][]float32{{make([]float32, 4), make([]float32, 5)}}, nil, 1},
		{"labels", filepath.Join(dir, "g"), ok, []string{"a", "b"}, 1},
		{"scale", filepath.Join(dir, "g"), ok, nil, 0},
		{"huge", filepath.Join(dir, "g"), ok, nil, 1 << 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := ImageGrid(tc.path, tc.images, 2, 2, tc.labels, tc.scale); err == nil {
				t.Error("want error, got nil")
			}
		})
	}
}
