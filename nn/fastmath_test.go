package nn

import (
	"math"
	"testing"
)

// The float32 activations agree with float64 math to float32 precision:
// relative error below 4e-7 (a few ulp) over the range that matters, and
// exact limits.
func TestFastMath(t *testing.T) {
	worst := map[string]float64{}
	for x := -20.0; x <= 20; x += 0.000731 {
		for _, c := range []struct {
			name      string
			got, want float64
		}{
			{"exp", float64(exp32(float32(x))), math.Exp(float64(float32(x)))},
			{"tanh", float64(tanh32(float32(x))), math.Tanh(float64(float32(x)))},
			{"sigmoid", float64(sigmoid32(float32(x))), 1 / (1 + math.Exp(-float64(float32(x))))},
		} {
			if c.want == 0 {
				continue
			}
			worst[c.name] = max(worst[c.name], math.Abs(c.got-c.want)/math.Abs(c.want))
		}
	}
	for name, w := range worst {
		if w > 4e-7 {
			t.Errorf("%s: worst relative error %.3g over [-20, 20]", name, w)
		}
	}
	t.Logf("worst relative errors: %v", worst)
	if exp32(100) != float32(math.Inf(1)) || exp32(-100) != 0 || tanh32(50) != 1 || tanh32(-50) != -1 || tanh32(0) != 0 || sigmoid32(-200) != 0 || sigmoid32(200) != 1 {
		t.Error("limits wrong")
	}
}
