package feedback

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

func init() {
	Register(Def{Name: "pfa", Doc: "product feedback alignment (Li & Benna 2024): layer-wise through a fixed random expansion B (×10 wider) times a learned R; R receives Bᵀ times W's update and W's decay (--weight-decay)",
		Parts: func() []Part { return []Part{&Product{}} }})
}

// Product is product feedback alignment (Li & Benna 2024): the error of the
// layer above reaches hidden site i through a fixed random expansion B
// (n_{i+1} × r) into a wider population and a learned R (r × n_i),
// row-major:
//
//	ẽ^i = (ẽ^{i+1}·B·R) ∘ σ'
//
// with r = Expand·n_{i+1}. For a convolution above the site, B mixes the
// channels at each position (a 1×1 convolution, OutC → r channels) and R
// holds r kernels of InC·K·K, so that B·R is a set of kernels of W's shape.
// Either way F[i] = B·R has W^{i+1}'s shape, and the rule delivers through
// it, as LayerWise does through its F: Feedback returns these products, and
// the diagnostics compare them with W (weight angle, relative error, sign
// congruence).
//
// B ~ N(0, 1/r) entrywise, so that B·Bᵀ ≈ I and the expansion keeps the
// error's scale; R starts N(0, 2/fan_in) (fan_in = n_i, or InC·K·K), so
// that B·R has the scale of fa's random feedback. B is fixed.
//
// R learns with the forward weights, in the optimiser's move: its gradient
// (ẽ^{i+1}·B)ᵀ·h^i summed over the batch is Bᵀ times W^{i+1}'s gradient
// ẽ^{i+1}ᵀ·h^i (for a convolution too, B acting at each position), so R
// receives Bᵀ times the optimiser's change of W, and W's decay λ =
// Options.WeightDecay:
//
//	R ← (1 − λ)·R + Bᵀ·(W_new − (1 − λ)·W_old)
//
// With plain SGD at step η this is R ← (1 − λ)R − η·Bᵀ·ẽᵀh; with momentum
// it is momentum on R's own gradient (Bᵀ commutes with the optimiser);
// with Adam it is Bᵀ times W's Adam step. With B = I (r = n_{i+1}) it is
// Kolen–Pollack. Steps that do not move W do not move R.
//
// A block holding several weighted layers (a residual block) has a B and
// an R for each convolution inside it, and F packs their products as W
// packs the kernels (nn.Segments): the product stands in for each
// convolution's transpose, normalisation and shortcuts staying exact.
type Product struct {
	// Expand is r / n_{i+1}, the expansion factor (the authors' 10 when 0).
	Expand int
	// B and R hold one matrix per plain layer above a site: the sites in
	// order, a block's layers in the order of nn.Segments.
	B, R []*tensor.Mat
	F    []*tensor.Mat // per site, W's shape: each layer's B·R in its segment
	site []int         // the site of each B and R
	segs []nn.Segment  // and its place in F[site]
	keep float32
	old  []*tensor.Mat // W before the optimiser's move
	dw   tensor.Mat
	view tensor.Mat
}

// Attach implements Part.
func (p *Product) Attach(r *Rule, net *nn.Net, rng *rand.Rand) error {
	x := p.expand()
	if x < 0 {
		return fmt.Errorf("rule %s: expansion factor %d", r.Name, x)
	}
	for i := 0; i < net.Sites(); i++ {
		core := net.Blocks[i+1].Core
		w := core.Weight()
		p.F = append(p.F, tensor.New(w.Rows, w.Cols))
		for _, seg := range nn.Segments(core) {
			mid := x * seg.Rows
			b := tensor.New(seg.Rows, mid)
			std := 1 / math.Sqrt(float64(mid))
			for k := range b.Data {
				b.Data[k] = float32(rng.NormFloat64() * std)
			}
			p.B = append(p.B, b)
			p.R = append(p.R, initial(mid, seg.Cols, false, rng))
			p.site, p.segs = append(p.site, i), append(p.segs, seg)
			p.refresh(len(p.B) - 1)
		}
	}
	p.keep, p.old = float32(1-r.Opt.WeightDecay), mats(net.Sites())
	return nil
}

// expand returns the expansion factor r / n_{i+1}.
func (p *Product) expand() int {
	if p.Expand == 0 {
		return 10
	}
	return p.Expand
}

// segment returns layer k's segment of m (F's or W's shape of its site)
// in v.
func (p *Product) segment(m *tensor.Mat, k int, v *tensor.Mat) *tensor.Mat {
	*v = p.segs[k].Of(m)
	return v
}

// refresh sets layer k's segment of F to B[k]·R[k].
func (p *Product) refresh(k int) {
	tensor.MatMul(false, false, 1, p.B[k], p.R[k], 0, p.segment(p.F[p.site[k]], k, &p.view))
}

// Deliver implements Delivery.
func (p *Product) Deliver(n *nn.Net, site int, eAbove, _, dst *tensor.Mat) {
	n.Blocks[site+1].Core.InputGrad(eAbove, p.F[site], dst)
}

// Feedback implements Holder: the products B·R.
func (p *Product) Feedback() []*tensor.Mat { return p.F }

// Regressor implements Holder: the error at the core above the site.
func (p *Product) Regressor(g *nn.Grads, site int) *tensor.Mat { return g.Delta[site+1] }

// Move implements Mover.
func (p *Product) Move(net *nn.Net, update func()) {
	for i := range p.F {
		p.old[i].CopyFrom(net.Blocks[i+1].Core.Weight())
	}
	update()
	var wv, ov tensor.Mat
	for k, r := range p.R {
		i := p.site[k]
		w, old := p.segment(net.Blocks[i+1].Core.Weight(), k, &wv).Data, p.segment(p.old[i], k, &ov).Data
		dw := p.dw.Resize(p.segs[k].Rows, p.segs[k].Cols).Data
		for j, v := range w {
			dw[j] = v - p.keep*old[j]
		}
		tensor.MatMul(true, false, 1, p.B[k], &p.dw, p.keep, r)
		p.refresh(k)
	}
}

// State implements Stateful: every B, then every R (B too, so that a
// resumed run does not depend on drawing it again).
func (p *Product) State() ([][]float32, [][]float64) {
	return append(data(p.B), data(p.R)...), nil
}

// Restore implements Stateful.
func (p *Product) Restore(f32 [][]float32, f64 [][]float64) ([][]float32, [][]float64, error) {
	f32, f64, err := restoreMats(p.B, f32, f64)
	if err != nil {
		return nil, nil, err
	}
	if f32, f64, err = restoreMats(p.R, f32, f64); err != nil {
		return nil, nil, err
	}
	for k := range p.B {
		p.refresh(k)
	}
	return f32, f64, nil
}

// Diagnose implements Diagnoser: B·R against W^{i+1}.
func (p *Product) Diagnose(d *Diagnosis) { againstW(d, p.F) }
