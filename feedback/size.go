package feedback

import "github.com/creditlab/credit/nn"

// Sizer is a part that can say, before anything is built, how many bytes
// it will hold for a network of footprint f (nn.Spec.Footprint): fixed,
// whatever the batch, and perExample, for each example of a pass. parts
// are the rule's parts, for a part whose size depends on the delivery.
// A part that is not a Sizer counts as holding nothing.
type Sizer interface {
	Bytes(f *nn.Footprint, o Options, parts []Part) (fixed, perExample float64)
}

// Footprint estimates the memory the rule named name holds for a network
// of footprint f under the settings o, from its parts' Sizer hooks: bytes
// whatever the batch (feedback matrices and their learners' state) and
// per example of a pass (noise, estimates). An unknown rule holds nothing.
func Footprint(name string, o Options, f *nn.Footprint) (fixed, perExample float64) {
	d, ok := registry[name]
	if !ok {
		return 0, 0
	}
	ps := parts(d, o)
	for _, p := range ps {
		if s, ok := p.(Sizer); ok {
			a, b := s.Bytes(f, o, ps)
			fixed, perExample = fixed+a, perExample+b
		}
	}
	return fixed, perExample
}

const f32 = 4 // bytes of a float32

// sites returns the number of hidden sites of f.
func sites(f *nn.Footprint) int { return len(f.Weights) - 1 }

// aboveWeights returns Σ over hidden sites of the entries of the weights
// above each: the size of a set of layer-wise matrices.
func aboveWeights(f *nn.Footprint) float64 {
	var n float64
	for i := 0; i < sites(f); i++ {
		n += f.Weights[i+1]
	}
	return n
}

// siteValues returns Σ over hidden sites of their widths.
func siteValues(f *nn.Footprint) float64 {
	var n float64
	for i := 0; i < sites(f); i++ {
		n += f.Widths[i]
	}
	return n
}

// regressorShape returns the shape s×t of the regression at site i for
// the rule's delivery: the error above (layer-wise; the weights above for a
// dense layer, s = its outputs) or the output error (direct).
func regressorShape(f *nn.Footprint, i int, parts []Part) (s, t float64) {
	if _, direct := parts[0].(*Direct); direct {
		return f.Outs[len(f.Outs)-1], f.Widths[i]
	}
	return f.Outs[i+1], f.Weights[i+1] / f.Outs[i+1]
}

// Bytes implements Sizer: F[i] of W^{i+1}'s shape.
func (l *LayerWise) Bytes(f *nn.Footprint, _ Options, _ []Part) (float64, float64) {
	return f32 * aboveWeights(f), 0
}

// Bytes implements Sizer: F[i] of n_out × n_i.
func (d *Direct) Bytes(f *nn.Footprint, _ Options, _ []Part) (float64, float64) {
	return f32 * f.Outs[len(f.Outs)-1] * siteValues(f), 0
}

// Bytes implements Sizer: ξ, c·ξ, λ̂ and the noisy pass's site buffers.
func (p *Perturbation) Bytes(f *nn.Footprint, _ Options, _ []Part) (float64, float64) {
	return 0, 4 * f32 * siteValues(f)
}

// Bytes implements Sizer: ξ and c·ξ.
func (a *activityNoise) Bytes(f *nn.Footprint, _ Options, _ []Part) (float64, float64) {
	return 0, 2 * f32 * siteValues(f)
}

// Bytes implements Sizer: ridge's V and its Cholesky factor (s×s), M and
// the solution (s×t) in float64 and one batch's sums in float32; SGD's
// residual per example.
func (g *Regression) Bytes(f *nn.Footprint, o Options, parts []Part) (float64, float64) {
	var fixed, per float64
	for i := 0; i < sites(f); i++ {
		s, t := regressorShape(f, i, parts)
		if o.Solver == "ridge" {
			fixed += (2*8 + f32) * (s*s + s*t)
		} else {
			per += f32 * t
		}
	}
	return fixed, per
}

// Bytes implements Sizer: the correlation ξ yᵀ (W's shape) and the probe
// and response per example.
func (m *Mirror) Bytes(f *nn.Footprint, _ Options, _ []Part) (float64, float64) {
	var per float64
	for i := 0; i < sites(f); i++ {
		per += f.Weights[i+1]/f.Outs[i+1] + f.Outs[i+1]
	}
	return f32 * aboveWeights(f), f32 * per
}

// Bytes implements Sizer: W − F before the optimiser's step.
func (k *Tracking) Bytes(f *nn.Footprint, _ Options, _ []Part) (float64, float64) {
	return f32 * aboveWeights(f), 0
}

// Bytes implements Sizer: per weighted layer above a site, B (rows × r,
// r = Expand·rows, rows being W's: units or filters), R (r × W's columns),
// F = B·R and W before the optimiser's move (W's shape each), and one
// scratch change of W's shape (the largest).
func (p *Product) Bytes(f *nn.Footprint, _ Options, _ []Part) (float64, float64) {
	x := float64(p.expand())
	var n, largest float64
	for i := 0; i < sites(f); i++ {
		w, rows := f.Weights[i+1], f.Biases[i+1]
		n += x*rows*rows + x*w + 2*w
		largest = max(largest, w)
	}
	return f32 * (n + largest), 0
}
