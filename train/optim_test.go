package train

import (
	"math"
	"testing"
)

// Each optimiser against its update rule written out by hand for two steps.
func TestOptimizers(t *testing.T) {
	g1, g2 := []float32{1, -2}, []float32{0.5, 0.5}
	cases := []struct {
		name  string
		lr    float64
		want1 []float32
		want2 []float32
	}{
		// SGD: θ − lr·g.
		{name: "sgd", lr: 0.1, want1: []float32{-0.1, 0.2}, want2: []float32{-0.15, 0.15}},
		// Momentum 0.9: v = g1, then 0.9·g1 + g2.
		{name: "momentum", lr: 0.1, want1: []float32{-0.1, 0.2}, want2: []float32{-0.1 - 0.1*(0.9+0.5), 0.2 - 0.1*(-1.8+0.5)}},
	}
	for _, c := range cases {
		o, err := NewOptimizer(c.name, c.lr, 0.9, 1e-8)
		if err != nil {
			t.Fatal(err)
		}
		p := []float32{0, 0}
		o.Step([][]float32{p}, [][]float32{g1})
		near(t, c.name+" step 1", p, c.want1)
		o.Step([][]float32{p}, [][]float32{g2})
		near(t, c.name+" step 2", p, c.want2)
	}
	// Adam: the first step moves each parameter by lr·sign(g) (bias
	// correction makes m̂/√v̂ = g/|g|); the second by lr·m̂/(√v̂+ε).
	o, _ := NewOptimizer("adam", 0.01, 0, 1e-8)
	p := []float32{0, 0}
	o.Step([][]float32{p}, [][]float32{g1})
	near(t, "adam step 1", p, []float32{-0.01, 0.01})
	o.Step([][]float32{p}, [][]float32{g2})
	want := make([]float32, 2)
	for i := range want {
		m := (0.9*0.1*float64(g1[i]) + 0.1*float64(g2[i])) / (1 - 0.81)
		v := (0.999*0.001*float64(g1[i])*float64(g1[i]) + 0.001*float64(g2[i])*float64(g2[i])) / (1 - 0.999*0.999)
		want[i] = float32(float64([]float32{-0.01, 0.01}[i]) - 0.01*m/(math.Sqrt(v)+1e-8))
	}
	near(t, "adam step 2", p, want)
	if _, err := NewOptimizer("lbfgs", 1, 0, 0); err == nil {
		t.Error("unknown optimiser accepted")
	}
}

func near(t *testing.T, what string, got, want []float32) {
	t.Helper()
	for i := range got {
		if math.Abs(float64(got[i]-want[i])) > 1e-6 {
			t.Errorf("%s: got %v, want %v", what, got, want)
			return
		}
	}
}
