// Package data provides one Dataset type for every data source used by
// credit: the MNIST and Fashion-MNIST image sets (read from IDX files) and a
// synthetic linear-regression teacher.
//
// Conventions: all example data is float32, matrices are row-major (example i
// occupies X[i*In:(i+1)*In] and Y[i*Out:(i+1)*Out]), and every problem a user
// can cause (missing or corrupt files, bad options) is reported as an error
// naming the file or option at fault, never as a panic.
package data

import "fmt"

// Dataset is a set of examples stored as row-major float32 matrices.
//
// X is N×In and Y is N×Out. For classification data Y holds one-hot rows,
// Labels holds the N class indices in [0, Classes) and Classes > 0; for
// regression data Labels is nil and Classes is 0. Shape describes one input
// as {channels, height, width} for image data (so In == Shape[0]*Shape[1]*Shape[2])
// and is all zero otherwise.
type Dataset struct {
	Name    string    // "mnist", "fashion-mnist", "linear", ...
	X       []float32 // N × In inputs, row-major
	Y       []float32 // N × Out targets: one-hot for classification, real-valued for regression
	Labels  []int     // N class labels in [0, Classes); nil for regression data
	N       int       // number of examples
	In, Out int       // input and target widths
	Classes int       // number of classes; 0 for regression
	Shape   [3]int    // channels, height, width of one input for image data ({1,28,28} for MNIST); zero for non-image data
}

// Row returns example i's input (length In) and target (length Out) as
// sub-slices of d.X and d.Y (no copy; writes go through to the Dataset).
// The slices are capped at their length, so appending to them never clobbers
// the next example. i must be in [0, N); otherwise Row panics.
func (d *Dataset) Row(i int) (x, y []float32) {
	if i < 0 || i >= d.N {
		panic(fmt.Sprintf("data: %s: Row(%d) out of range [0, %d)", d.Name, i, d.N))
	}
	x = d.X[i*d.In : (i+1)*d.In : (i+1)*d.In]
	y = d.Y[i*d.Out : (i+1)*d.Out : (i+1)*d.Out]
	return x, y
}

// Head returns a Dataset viewing the first n examples of d (no copy: X, Y and
// Labels are capped sub-slices of d's, so appends to them cannot clobber d).
// n must be in [1, N]; otherwise Head panics (callers taking n from user input,
// like Load with Options.TrainSize, validate it first).
func (d *Dataset) Head(n int) *Dataset {
	if n < 1 || n > d.N {
		panic(fmt.Sprintf("data: %s: Head(%d) out of range [1, %d]", d.Name, n, d.N))
	}
	h := *d
	h.N = n
	h.X = d.X[: n*d.In : n*d.In]
	h.Y = d.Y[: n*d.Out : n*d.Out]
	if d.Labels != nil {
		h.Labels = d.Labels[:n:n]
	}
	return &h
}

// Tail returns a Dataset viewing d's examples from index from on (no copy,
// capped like Head). from must be in [0, N); otherwise Tail panics.
func (d *Dataset) Tail(from int) *Dataset {
	if from < 0 || from >= d.N {
		panic(fmt.Sprintf("data: %s: Tail(%d) out of range [0, %d)", d.Name, from, d.N))
	}
	t := *d
	t.N = d.N - from
	t.X = d.X[from*d.In : len(d.X) : len(d.X)]
	t.Y = d.Y[from*d.Out : len(d.Y) : len(d.Y)]
	if d.Labels != nil {
		t.Labels = d.Labels[from:len(d.Labels):len(d.Labels)]
	}
	return &t
}

// Gather copies example idx[k] into row k of x and y, for k in [0, len(idx)):
// x must hold at least len(idx)×In values and y at least len(idx)×Out
// (row-major). y may be nil to copy inputs only. Gather does not allocate.
// It panics if a buffer is too short or an index is outside [0, N), since
// both are programming errors.
func (d *Dataset) Gather(idx []int, x, y []float32) {
	if len(x) < len(idx)*d.In || (y != nil && len(y) < len(idx)*d.Out) {
		panic(fmt.Sprintf("data: %s: Gather of %d rows needs x ≥ %d and y ≥ %d values, got %d and %d",
			d.Name, len(idx), len(idx)*d.In, len(idx)*d.Out, len(x), len(y)))
	}
	in, out := d.In, d.Out
	for k, i := range idx {
		if i < 0 || i >= d.N {
			panic(fmt.Sprintf("data: %s: Gather index %d out of range [0, %d)", d.Name, i, d.N))
		}
		copy(x[k*in:(k+1)*in], d.X[i*in:(i+1)*in])
		if y != nil {
			copy(y[k*out:(k+1)*out], d.Y[i*out:(i+1)*out])
		}
	}
}

// Check reports whether d's fields are mutually consistent: slice lengths
// match N×In, N×Out and N; labels lie in [0, Classes) and agree with one-hot
// targets when Out == Classes; a non-zero Shape multiplies out to In. It is
// meant for Datasets built by hand; those returned by this package pass it.
func (d *Dataset) Check() error {
	switch {
	case d.N < 0 || d.In < 0 || d.Out < 0 || d.Classes < 0:
		return fmt.Errorf("data: %s: negative size (N=%d In=%d Out=%d Classes=%d)", d.Name, d.N, d.In, d.Out, d.Classes)
	case len(d.X) != d.N*d.In:
		return fmt.Errorf("data: %s: len(X) = %d, want N×In = %d×%d", d.Name, len(d.X), d.N, d.In)
	case len(d.Y) != d.N*d.Out:
		return fmt.Errorf("data: %s: len(Y) = %d, want N×Out = %d×%d", d.Name, len(d.Y), d.N, d.Out)
	}
	if s := d.Shape; s != ([3]int{}) && s[0]*s[1]*s[2] != d.In {
		return fmt.Errorf("data: %s: Shape %v holds %d values, but In = %d", d.Name, s, s[0]*s[1]*s[2], d.In)
	}
	if d.Classes == 0 {
		if d.Labels != nil {
			return fmt.Errorf("data: %s: Labels set but Classes = 0", d.Name)
		}
		return nil
	}
	if len(d.Labels) != d.N {
		return fmt.Errorf("data: %s: len(Labels) = %d, want N = %d", d.Name, len(d.Labels), d.N)
	}
	for i, l := range d.Labels {
		if l < 0 || l >= d.Classes {
			return fmt.Errorf("data: %s: label %d of example %d out of range [0, %d)", d.Name, l, i, d.Classes)
		}
		if d.Out == d.Classes {
			for j, v := range d.Y[i*d.Out : (i+1)*d.Out] {
				want := float32(0)
				if j == l {
					want = 1
				}
				if v != want {
					return fmt.Errorf("data: %s: target row %d is not one-hot for label %d", d.Name, i, l)
				}
			}
		}
	}
	return nil
}
