package feedback

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

// With B = I (r = n_{i+1}) and R = W (the paper's Wᵀ), product feedback
// alignment delivers exactly backprop's error, bit for bit, on dense and
// conv networks; with its own random B and R it does not (the control).
func TestPFAWithIdentityIsBP(t *testing.T) {
	for kind, net := range nets(t) {
		x, y := batch(net, 5, rand.New(rand.NewPCG(3, 3)))
		bp := step(t, "bp", net, x, y, nil)
		pfa := step(t, "pfa", net, x, y, func(r *Rule) {
			p := r.Parts()[0].(*Product)
			for i := range p.R {
				w := net.Blocks[i+1].Core.Weight()
				p.B[i] = tensor.New(w.Rows, w.Rows)
				for k := 0; k < w.Rows; k++ {
					p.B[i].Data[k*w.Rows+k] = 1
				}
				p.R[i] = w.Clone()
				p.refresh(i)
			}
		})
		for _, b := range differing(pfa, bp) {
			t.Errorf("%s: block %d: pfa with B = I, R = W differs from bp", kind, b)
		}
		if g := step(t, "pfa", net, x, y, nil); equal(g.W[0].Data, bp.W[0].Data) {
			t.Errorf("%s: random pfa equals bp", kind)
		}
	}
}

// R's step, under plain SGD at step η with decay λ: R ← (1 − λ)R −
// η·Σ_n (ẽ_n·B)ᵀ h_n, hand-computed from the step's error above the site
// and the site's activity (dense), or −η·Bᵀ times the layer's own weight
// gradient (conv, where B acts at each position); F stays B·R. Without a
// move R stays.
func TestPFAStep(t *testing.T) {
	const lr, lambda = 0.05, 0.1
	for kind, net := range nets(t) {
		rng := rand.New(rand.NewPCG(4, 4))
		x, y := batch(net, 5, rng)
		r, err := New("pfa", net, Options{WeightDecay: lambda}, rng)
		if err != nil {
			t.Fatal(err)
		}
		p := r.Parts()[0].(*Product)
		if p.B[0].Cols != 10*p.B[0].Rows || p.R[0].Rows != p.B[0].Cols {
			t.Fatalf("%s: B is %d×%d and R %d×%d, want r = 10·n_{i+1}", kind, p.B[0].Rows, p.B[0].Cols, p.R[0].Rows, p.R[0].Cols)
		}
		before := make([][]float32, len(p.R))
		for i, m := range p.R {
			before[i] = append([]float32(nil), m.Data...)
		}
		g := nn.NewGrads(net)
		r.Step(net, nn.SoftmaxCE{}, 1, x, y, g, rng, true)
		for i, m := range p.R {
			if !equal(before[i], m.Data) {
				t.Fatalf("%s: R[%d] moved in Step, before the forward weights", kind, i)
			}
		}
		// Σ_n (ẽ_n B)ᵀ h_n at each site, in float64: by hand for a dense
		// layer, as Bᵀ·∂L/∂W for a conv layer.
		want := make([][]float64, len(p.R))
		for i, b := range p.B {
			rows, mid, cols := b.Rows, b.Cols, p.R[i].Cols
			want[i] = make([]float64, mid*cols)
			if _, dense := net.Blocks[i+1].Core.(*nn.Dense); dense {
				e, h := g.Delta[i+1], net.SiteOutput(i)
				for n := 0; n < e.Rows; n++ {
					eb := make([]float64, mid)
					for j, ev := range e.Row(n) {
						for m := 0; m < mid; m++ {
							eb[m] += float64(ev) * float64(b.Data[j*mid+m])
						}
					}
					for m, v := range eb {
						for k, hv := range h.Row(n) {
							want[i][m*cols+k] += v * float64(hv)
						}
					}
				}
				continue
			}
			for m := 0; m < mid; m++ {
				for k := 0; k < cols; k++ {
					for j := 0; j < rows; j++ {
						want[i][m*cols+k] += float64(b.Data[j*mid+m]) * float64(g.W[i+1].Data[j*cols+k])
					}
				}
			}
		}
		r.Move(net, func() {
			for b, blk := range net.Blocks {
				w := blk.Core.Weight().Data
				for k := range w {
					w[k] = (1-lambda)*w[k] - lr*g.W[b].Data[k]
				}
			}
		})
		for i, m := range p.R {
			for k, v := range m.Data {
				w := (1-lambda)*float64(before[i][k]) - lr*want[i][k]
				if math.Abs(float64(v)-w) > 1e-5*(1+math.Abs(w)) {
					t.Fatalf("%s: R[%d][%d] = %v after the step, want %v", kind, i, k, v, w)
				}
			}
			var f tensor.Mat
			tensor.MatMul(false, false, 1, p.B[i], m, 0, f.Resize(p.F[i].Rows, p.F[i].Cols))
			if !equal(f.Data, p.F[i].Data) {
				t.Errorf("%s: F[%d] is not B·R after the move", kind, i)
			}
		}
	}
}
