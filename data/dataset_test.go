package data

import (
	"strings"
	"testing"
)

// toy returns a 5-example classification Dataset with In 3, Out 2, where
// X[i][j] = 10i+j and example i has label i%2.
func toy() *Dataset {
	d := &Dataset{Name: "toy", N: 5, In: 3, Out: 2, Classes: 2}
	for i := range d.N {
		for j := range d.In {
			d.X = append(d.X, float32(10*i+j))
		}
		l := i % 2
		d.Labels = append(d.Labels, l)
		y := []float32{0, 0}
		y[l] = 1
		d.Y = append(d.Y, y...)
	}
	return d
}

func TestRowHead(t *testing.T) {
	d := toy()
	if err := d.Check(); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 3, 5} {
		h := d.Head(n)
		if err := h.Check(); err != nil {
			t.Fatalf("Head(%d): %v", n, err)
		}
		if h.N != n || len(h.X) != n*3 || len(h.Y) != n*2 || len(h.Labels) != n || h.Name != "toy" {
			t.Fatalf("Head(%d) = N %d, lens %d %d %d", n, h.N, len(h.X), len(h.Y), len(h.Labels))
		}
		if &h.X[0] != &d.X[0] {
			t.Fatalf("Head(%d) copied X", n)
		}
		x, y := h.Row(n - 1)
		if x[0] != float32(10*(n-1)) || len(x) != 3 || len(y) != 2 || cap(x) != 3 || y[(n-1)%2] != 1 {
			t.Fatalf("Head(%d).Row(%d) = %v %v", n, n-1, x, y)
		}
		// Appending to a view must not clobber the parent.
		_ = append(h.X, -1)
		if n < 5 && d.X[n*3] != float32(10*n) {
			t.Fatalf("append to Head(%d).X clobbered the parent", n)
		}
	}
	x, _ := d.Row(2)
	x[1] = 99
	if d.X[7] != 99 {
		t.Fatal("Row does not alias X")
	}
	for _, n := range []int{0, -1, 6} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "Head") {
					t.Errorf("Head(%d) did not panic with a message (got %v)", n, r)
				}
			}()
			d.Head(n)
		}()
	}
	reg := &Dataset{Name: "r", N: 2, In: 1, Out: 1, X: []float32{1, 2}, Y: []float32{3, 4}}
	if h := reg.Head(1); h.Labels != nil {
		t.Fatal("Head of regression data has Labels")
	}
}

func TestGather(t *testing.T) {
	d := toy()
	tests := []struct {
		name string
		idx  []int
	}{
		{"empty", nil},
		{"one", []int{4}},
		{"perm", []int{3, 0, 4, 1}},
		{"repeat", []int{2, 2, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := make([]float32, len(tc.idx)*d.In)
			y := make([]float32, len(tc.idx)*d.Out)
			d.Gather(tc.idx, x, y)
			for k, i := range tc.idx {
				wx, wy := d.Row(i)
				for j := range wx {
					if x[k*d.In+j] != wx[j] {
						t.Fatalf("x row %d = %v, want example %d = %v", k, x[k*d.In:(k+1)*d.In], i, wx)
					}
				}
				for j := range wy {
					if y[k*d.Out+j] != wy[j] {
						t.Fatalf("y row %d = %v, want example %d = %v", k, y[k*d.Out:(k+1)*d.Out], i, wy)
					}
				}
			}
			if a := testing.AllocsPerRun(100, func() { d.Gather(tc.idx, x, y) }); a != 0 {
				t.Fatalf("Gather allocates %v times per run", a)
			}
		})
	}
	// y == nil copies inputs only.
	x := make([]float32, 3)
	d.Gather([]int{1}, x, nil)
	if x[0] != 10 {
		t.Fatalf("Gather with nil y: x = %v", x)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("Gather into a short buffer did not panic")
		}
	}()
	d.Gather([]int{0, 1}, make([]float32, 3), make([]float32, 4))
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		modify func(d *Dataset)
		want   string
	}{
		{"ok", func(d *Dataset) {}, ""},
		{"short-x", func(d *Dataset) { d.X = d.X[1:] }, "len(X)"},
		{"short-y", func(d *Dataset) { d.Y = d.Y[1:] }, "len(Y)"},
		{"labels", func(d *Dataset) { d.Labels = d.Labels[1:] }, "len(Labels)"},
		{"label-range", func(d *Dataset) { d.Labels[2] = 2 }, "out of range"},
		{"one-hot", func(d *Dataset) { d.Labels[2] = 1 }, "not one-hot"},
		{"shape", func(d *Dataset) { d.Shape = [3]int{1, 2, 2} }, "Shape"},
		{"regression-labels", func(d *Dataset) { d.Classes = 0 }, "Classes = 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := toy()
			tc.modify(d)
			err := d.Check()
			if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("Check() = %v, want error containing %q", err, tc.want)
			}
		})
	}
}

// Tail views the last n examples, capped so appends cannot clobber the
// parent.
func TestTail(t *testing.T) {
	d := &Dataset{Name: "t", N: 3, In: 2, Out: 1, X: []float32{1, 2, 3, 4, 5, 6}, Y: []float32{7, 8, 9}, Labels: []int{0, 1, 0}, Classes: 2}
	tl := d.Tail(2)
	if tl.N != 2 || tl.X[0] != 3 || tl.Y[1] != 9 || tl.Labels[0] != 1 || len(tl.X) != 4 {
		t.Fatalf("Tail(2) = %+v", tl)
	}
	if cap(tl.X) != len(tl.X) || cap(tl.Labels) != len(tl.Labels) {
		t.Error("Tail's slices are not capped")
	}
	defer func() {
		if recover() == nil {
			t.Error("Tail(4) of 3 examples did not panic")
		}
	}()
	d.Tail(4)
}
