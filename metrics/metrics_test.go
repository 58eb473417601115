package metrics

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

func TestAngle(t *testing.T) {
	cases := []struct {
		a, b []float32
		want float64
	}{
		{[]float32{1, 2, 3}, []float32{1, 2, 3}, 0},
		{[]float32{1, 2, 3}, []float32{2, 4, 6}, 0},
		{[]float32{1, 0}, []float32{0, 3}, 90},
		{[]float32{1, 0}, []float32{1, 1}, 45},
		{[]float32{1, 0}, []float32{-1, 1}, 135},
		{[]float32{1, 2, 3}, []float32{-1, -2, -3}, 180},
		{[]float32{1, 0}, []float32{-1, -1e-4}, 180 - 1e-4*180/math.Pi},
	}
	for _, c := range cases {
		if got := Angle(c.a, c.b); math.Abs(got-c.want) > 1e-6 {
			t.Errorf("Angle(%v, %v) = %.9g°, want %.9g°", c.a, c.b, got, c.want)
		}
	}
	if !math.IsNaN(Angle([]float32{0, 0}, []float32{1, 0})) {
		t.Error("angle with a zero vector should be NaN")
	}
}

func TestRelativeErrorAndSigns(t *testing.T) {
	w := []float32{1, -2, 2, 0}
	if got := RelativeError(w, w); got != 0 {
		t.Errorf("RelativeError(w, w) = %v", got)
	}
	if got := RelativeError([]float32{0, 0, 0, 0}, w); got != 1 {
		t.Errorf("RelativeError(0, w) = %v, want 1", got)
	}
	if got := RelativeError([]float32{2, -4, 4, 0}, w); got != 1 {
		t.Errorf("RelativeError(2w, w) = %v, want 1", got)
	}
	if got := SignCongruence([]float32{3, -1, -5, 0}, w); got != 0.75 {
		t.Errorf("SignCongruence = %v, want 3/4", got)
	}
}

func TestValueJSON(t *testing.T) {
	b, err := json.Marshal([]Value{1.5, Value(math.NaN()), Value(math.Inf(1))})
	if err != nil || string(b) != "[1.5,null,null]" {
		t.Errorf("got %s, %v", b, err)
	}
	var v []Value
	if err := json.Unmarshal(b, &v); err != nil || v[0] != 1.5 || !math.IsNaN(float64(v[1])) {
		t.Errorf("round trip: %v, %v", v, err)
	}
}

// Compare on hand-made gradients: identical errors give 0°, negated
// updates 180°, no feedback fields until SetFeedback, and a feedback matrix equal to W gives angle 0, relative
// error 0 and congruence 1.
func TestCompare(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	net, _ := nn.NewMLP([]int{4, 3, 2}, "sigmoid", "linear", rng)
	a, b := nn.NewGrads(net), nn.NewGrads(net)
	for i := range a.W {
		for k := range a.W[i].Data {
			a.W[i].Data[k] = float32(rng.NormFloat64())
			b.W[i].Data[k] = -a.W[i].Data[k]
		}
		a.Delta[i] = tensor.FromSlice(1, 2, []float32{1, 2})
		b.Delta[i] = tensor.FromSlice(1, 2, []float32{1, 2})
	}
	w := []*tensor.Mat{net.Blocks[1].Core.Weight()}
	ls := Compare(a, b)
	if ls[0].WeightAngle != nil {
		t.Error("weight angle reported without layer-wise feedback")
	}
	ls[0].SetFeedback(w[0].Clone().Data, w[0].Data)
	if len(ls) != 1 {
		t.Fatalf("%d layers, want 1 hidden", len(ls))
	}
	l := ls[0]
	if l.DeltaAngle != 0 || math.Abs(float64(l.UpdateAngle)-180) > 1e-9 || *l.WeightAngle != 0 || *l.RelativeError != 0 || *l.SignCongruence != 1 {
		t.Errorf("got %+v", l)
	}
}

func TestMisclassified(t *testing.T) {
	y := tensor.FromSlice(3, 2, []float32{1, 0, 0, 1, 5, 4})
	if got := Misclassified(y, []int{0, 0, 0}); got != 1 {
		t.Errorf("Misclassified = %d, want 1", got)
	}
}
