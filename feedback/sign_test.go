package feedback

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/creditlab/credit/metrics"
	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

// nets returns the dense and the conv fixture.
func nets(t *testing.T) map[string]*nn.Net {
	dense, _, _ := fixture(t, 11)
	conv, _, _ := convFixture(t)
	return map[string]*nn.Net{"dense": dense, "conv": conv}
}

// flipSome negates about half the entries of every forward weight matrix
// above the first, so a following step must re-tie the signs.
func flipSome(net *nn.Net, rng *rand.Rand) {
	for _, b := range net.Blocks[1:] {
		for k, v := range b.Core.Weight().Data {
			if rng.IntN(2) == 0 {
				b.Core.Weight().Data[k] = -v
			}
		}
	}
}

func magnitudes(f []*tensor.Mat) [][]float32 {
	var m [][]float32
	for _, x := range f {
		a := make([]float32, len(x.Data))
		for k, v := range x.Data {
			a[k] = float32(math.Abs(float64(v)))
		}
		m = append(m, a)
	}
	return m
}

// Sign-tied feedback has sign congruence 1 with W after every step, also
// after W's signs change, on dense and conv layers; usf's magnitudes are
// all s = √(2/fan_in), frsf's stay the ones it started with, brsf's are
// redrawn every step with mean s·√(2/π).
func TestSignSymmetry(t *testing.T) {
	for kind, net := range nets(t) {
		x, y := tensor.New(5, net.Blocks[0].Core.In()), tensor.New(5, net.Out())
		g := nn.NewGrads(net)
		for _, name := range []string{"usf", "brsf", "frsf"} {
			rng := rand.New(rand.NewPCG(3, 3))
			r, err := New(name, net, Options{}, rng)
			if err != nil {
				t.Fatal(err)
			}
			start := magnitudes(r.Feedback())
			prev := start
			for step := 0; step < 3; step++ {
				flipSome(net, rng)
				r.Step(net, nn.SquaredError{}, 1, x, y, g, rng, true)
				mag := magnitudes(r.Feedback())
				var sum float64
				n := 0
				for i, f := range r.Feedback() {
					w := net.Blocks[i+1].Core.Weight()
					if c := metrics.SignCongruence(f.Data, w.Data); c != 1 {
						t.Errorf("%s %s step %d: F[%d] sign congruence %v, want 1", kind, name, step, i, c)
					}
					s := float32(math.Sqrt(2 / float64(f.Cols)))
					for k, m := range mag[i] {
						switch {
						case name == "usf" && m != s:
							t.Fatalf("%s usf: |F[%d]| = %v, want s = %v", kind, i, m, s)
						case name == "frsf" && m != start[i][k]:
							t.Fatalf("%s frsf: |F[%d]| changed from %v to %v", kind, i, start[i][k], m)
						case name == "brsf" && m == prev[i][k]:
							t.Fatalf("%s brsf: |F[%d]| entry %d not redrawn", kind, i, k)
						}
						sum += float64(m / s)
						n++
					}
				}
				// E|M|/s = √(2/π) ≈ 0.798 for M ~ N(0, s²), with sd
				// √(1 − 2/π) ≈ 0.603 per entry: allow 4 sd of the mean.
				if mean := sum / float64(n); name == "brsf" && math.Abs(mean-math.Sqrt(2/math.Pi)) > 4*0.603/math.Sqrt(float64(n)) {
					t.Errorf("%s brsf: mean |M|/s = %.3f, want ≈ 0.798", kind, mean)
				}
				prev = mag
			}
		}
	}
}

// brsf's magnitudes come from the step's stream: the same stream gives the
// same feedback.
func TestBRSFDeterministic(t *testing.T) {
	net, x, y := fixture(t, 12)
	g := nn.NewGrads(net)
	var got [][]float32
	for run := 0; run < 2; run++ {
		r, _ := New("brsf", net, Options{}, rand.New(rand.NewPCG(1, 1)))
		r.Step(net, nn.SquaredError{}, 1, x, y, g, rand.New(rand.NewPCG(2, 2)), true)
		if run == 1 && !equal(got[0], r.Feedback()[0].Data) {
			t.Error("brsf: the same streams gave different feedback")
		}
		got = append(got, append([]float32(nil), r.Feedback()[0].Data...))
	}
}
