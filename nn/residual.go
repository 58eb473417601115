package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/creditlab/credit/tensor"
)

// Residual is a basic residual block (He et al. 2016): two 3×3
// convolutions, each batch-normalised, the first followed by the hidden
// activation, and a shortcut added to the second's normalised output:
//
//	z = BN₂(conv₂(σ(BN₁(conv₁(x))))) + S(x)
//
// The block's own activation follows it as its block's Post layer, so z is
// the core's output (pre-activation). conv₁ has stride Stride; S is the
// identity when the shape is kept, and otherwise either He et al.'s option
// A (parameter-free: every Stride-th pixel of each input channel, the new
// channels zero, split evenly before and after, as in the CIFAR ResNets)
// or, with Proj, option B: a 1×1 convolution of stride Stride followed by
// batch normalisation.
//
// Weight packs the kernels of conv₁, conv₂ and the projection one after
// the other into a 1 × total matrix (Segments gives each one's place and
// shape); Bias packs conv₁'s and conv₂'s biases, γ₁, β₁, γ₂, β₂, then the
// projection's bias, γ and β. A rule's layer-wise feedback for the block
// has Weight's shape, so it holds a feedback kernel set for every
// convolution inside: InputGrad(dy, w, dx) uses w's segments for every
// transposed convolution, conv₂'s inside the block included; normalisation
// and shortcut are exact. ParamGrad needs the error inside the block, and
// so conv₂'s transpose or its feedback: SetInner chooses it (Net.Backward
// asks the rule through InnerFeedback).
type Residual struct {
	InC, InH, InW int
	C, OutH, OutW int
	Stride        int
	Proj          bool // option B: a 1×1 conv + BN projection shortcut
	Conv1, Conv2  *Conv2D
	BN1, BN2      *BatchNorm
	Act           Layer
	ConvP         *Conv2D    // projection (Proj only)
	BNP           *BatchNorm // its normalisation

	w        *tensor.Mat // the packed kernels
	bias     []float32
	segs     []Segment
	training bool
	inner    *tensor.Mat // kernels standing in for W inside the block (nil: W)
	x        *tensor.Mat
	sc, out  tensor.Mat
	dh1      tensor.Mat
	da1, dap *tensor.Mat // errors at conv₁'s and the projection's outputs
	da2      *tensor.Mat // and at conv₂'s
	// ready and readyDy are the kernels and the error at the output for
	// which da1, da2 and dap hold (set by ParamGrad with readyDy nil:
	// the next input-error pass with ready may use them, as Net.Backward
	// delivers the error ParamGrad saw; then keyed by that pass's dy).
	ready, readyDy *tensor.Mat
	tmp            tensor.Mat
	t1, t2         tensor.Mat
	tp             tensor.Mat
	views          map[*tensor.Mat][]tensor.Mat // seg's views, by packed matrix
}

// NewResidual returns a block over inC×inH×inW images with c filters per
// convolution, stride on the first; act is the inner activation. Weights
// are drawn from rng as NewConv2D draws them, conv₁'s first.
func NewResidual(inC, inH, inW, c, stride int, proj bool, act string, rng *rand.Rand) (*Residual, error) {
	a, err := NewActivation(act)
	if err != nil {
		return nil, err
	}
	if !proj && c < inC {
		return nil, fmt.Errorf("an identity or option-A shortcut cannot reduce %d channels to %d (use a projection)", inC, c)
	}
	r := &Residual{InC: inC, InH: inH, InW: inW, C: c, Stride: stride, Proj: proj, Act: a}
	r.Conv1 = NewConv2D(inC, inH, inW, c, 3, stride, 1, rng)
	r.OutH, r.OutW = r.Conv1.OutH, r.Conv1.OutW
	r.Conv2 = NewConv2D(c, r.OutH, r.OutW, c, 3, 1, 1, rng)
	convs := []*Conv2D{r.Conv1, r.Conv2}
	if proj {
		r.ConvP = NewConv2D(inC, inH, inW, c, 1, stride, 0, rng)
		convs = append(convs, r.ConvP)
	}
	total := 0
	for _, cv := range convs {
		s := Segments(cv)[0]
		s.Off = total
		r.segs = append(r.segs, s)
		total += len(cv.W.Data)
	}
	r.w = tensor.New(1, total)
	for i, cv := range convs {
		s := r.segs[i]
		copy(r.w.Data[s.Off:], cv.W.Data)
		v := s.Of(r.w)
		cv.W = &v
	}
	p := r.OutH * r.OutW
	nb := 6 * c
	if proj {
		nb = 9 * c
	}
	r.bias = make([]float32, nb)
	cut := func(k int) []float32 { return r.bias[k*c : (k+1)*c : (k+1)*c] }
	r.Conv1.B, r.Conv2.B = cut(0), cut(1)
	r.BN1, r.BN2 = NewBatchNorm(c, p, cut(2), cut(3)), NewBatchNorm(c, p, cut(4), cut(5))
	if proj {
		r.ConvP.B = cut(6)
		r.BNP = NewBatchNorm(c, p, cut(7), cut(8))
	}
	return r, nil
}

// seg returns segment i of a packed matrix w (Weight's shape) as a matrix
// of its convolution's kernel shape, sharing w's values.
func (r *Residual) seg(w *tensor.Mat, i int) *tensor.Mat {
	if w == nil {
		return nil
	}
	// The views of the few matrices a block meets (its weights, a rule's
	// feedback, each gradient store) are kept, so that a step allocates
	// nothing; a view is made again if its matrix's storage moved.
	if r.views == nil {
		r.views = map[*tensor.Mat][]tensor.Mat{}
	}
	v := r.views[w]
	if len(v) != len(r.segs) || len(w.Data) < len(r.w.Data) || &v[0].Data[0] != &w.Data[0] {
		if len(r.views) > 64 { // matrices made and dropped (tests): start afresh
			clear(r.views)
		}
		v = make([]tensor.Mat, len(r.segs))
		for k, s := range r.segs {
			v[k] = s.Of(w)
		}
		r.views[w] = v
	}
	return &v[i]
}

func (r *Residual) segments() []Segment { return r.segs }

func (r *Residual) setTraining(t bool) { r.training = t }

// identity reports whether the shortcut is the identity.
func (r *Residual) identity() bool { return !r.Proj && r.Stride == 1 && r.InC == r.C }

// In returns InC·InH·InW.
func (r *Residual) In() int { return r.InC * r.InH * r.InW }

// Out returns C·OutH·OutW.
func (r *Residual) Out() int { return r.C * r.OutH * r.OutW }

// Weight returns the packed kernels (1 × total; see Segments).
func (r *Residual) Weight() *tensor.Mat { return r.w }

// Bias returns the packed biases, γ and β.
func (r *Residual) Bias() []float32 { return r.bias }

// Output returns the result of the last Forward.
func (r *Residual) Output() *tensor.Mat { return &r.out }

// Forward returns z for batch x (batch × In; batch × Out).
func (r *Residual) Forward(x *tensor.Mat) *tensor.Mat {
	r.x, r.ready, r.readyDy = x, nil, nil
	h1 := r.Act.Forward(r.BN1.Forward(r.Conv1.Forward(x), r.training))
	n2 := r.BN2.Forward(r.Conv2.Forward(h1), r.training)
	s := r.shortcut(x)
	r.out.Resize(x.Rows, r.Out())
	tensor.Add(r.out.Data, n2.Data, s.Data)
	return &r.out
}

// shortcut returns S(x) (for the projection through ConvP and BNP, whose
// Forward it runs; for option A in r.sc).
func (r *Residual) shortcut(x *tensor.Mat) *tensor.Mat {
	switch {
	case r.identity():
		return x
	case r.Proj:
		return r.BNP.Forward(r.ConvP.Forward(x), r.training)
	}
	r.sc.Resize(x.Rows, r.Out())
	r.sc.Zero()
	r.optionA(x, &r.sc, false)
	return &r.sc
}

// optionA adds the option-A shortcut of x (batch × In) into dst (batch ×
// Out), or with adjoint its transpose: dst (batch × In) += Sᵀ x (x batch ×
// Out).
func (r *Residual) optionA(x, dst *tensor.Mat, adjoint bool) {
	lo := (r.C - r.InC) / 2
	ip, op := r.InH*r.InW, r.OutH*r.OutW
	for n := 0; n < x.Rows; n++ {
		xi, di := x.Row(n), dst.Row(n)
		for c := 0; c < r.InC; c++ {
			for oy := 0; oy < r.OutH; oy++ {
				for ox := 0; ox < r.OutW; ox++ {
					in := c*ip + oy*r.Stride*r.InW + ox*r.Stride
					out := (c+lo)*op + oy*r.OutW + ox
					if adjoint {
						di[in] += xi[out]
					} else {
						di[out] += xi[in]
					}
				}
			}
		}
	}
}

// SetInner sets the kernels (Weight's shape) standing in for the block's
// own in the following ParamGrad's transposed convolution inside the block
// (conv₂ᵀ); nil means the block's own (backprop).
func (r *Residual) SetInner(w *tensor.Mat) { r.inner = w }

// ParamGrad writes the gradients of every kernel, bias, γ and β given dy
// at the block's output (pre-activation), the error reaching conv₁ passing
// through conv₂ᵀ or its stand-in (SetInner).
func (r *Residual) ParamGrad(dy, gW *tensor.Mat, gB []float32) {
	w := r.inner
	if w == nil {
		w = r.w
	}
	c := r.C
	cut := func(k int) []float32 { return gB[k*c : (k+1)*c] }
	var gp, bp []float32
	if r.Proj {
		gp, bp = cut(7), cut(8)
	}
	r.backInner(dy, w, cut(4), cut(5), cut(2), cut(3), gp, bp)
	r.Conv2.ParamGrad(r.da2, r.seg(gW, 1), cut(1))
	r.Conv1.ParamGrad(r.da1, r.seg(gW, 0), cut(0))
	if r.Proj {
		r.ConvP.ParamGrad(r.dap, r.seg(gW, 2), cut(6))
	}
	r.ready, r.readyDy = w, nil
}

// innerFor makes da1, da2 and dap those of dy and w, computing them unless
// they hold already, and keys them by dy.
func (r *Residual) innerFor(dy, w *tensor.Mat) {
	if r.ready != w || (r.readyDy != nil && r.readyDy != dy) {
		r.backInner(dy, w, nil, nil, nil, nil, nil, nil)
	}
	r.ready, r.readyDy = w, dy
}

// backInner computes the errors at conv₁'s and the projection's outputs
// (r.da1, r.dap) given dy at the block's output and kernels w, and the γ,
// β gradients when the slices are non-nil.
func (r *Residual) backInner(dy, w *tensor.Mat, g2, b2, g1, b1, gp, bp []float32) {
	r.da2 = r.BN2.Backward(dy, g2, b2)
	r.Conv2.InputGrad(r.da2, r.seg(w, 1), &r.dh1)
	r.da1 = r.BN1.Backward(r.Act.Backward(&r.dh1), g1, b1)
	if r.Proj {
		r.dap = r.BNP.Backward(dy, gp, bp)
	}
}

// InputGrad writes the error at the block's input given dy at its output,
// with w (Weight's shape) in place of every kernel set: conv₁ᵀ and conv₂ᵀ
// (and the projection's) use w's segments, normalisation and shortcut are
// exact.
func (r *Residual) InputGrad(dy, w, dx *tensor.Mat) {
	r.innerFor(dy, w)
	r.Conv1.InputGrad(r.da1, r.seg(w, 0), dx)
	switch {
	case r.identity():
		tensor.Axpy(1, dy.Data, dx.Data)
	case r.Proj:
		r.ConvP.InputGrad(r.dap, r.seg(w, 2), &r.tmp)
		tensor.Axpy(1, r.tmp.Data, dx.Data)
	default:
		r.optionA(dy, dx, true)
	}
}

// FeedbackGrad implements Core: the gradient in w (Weight's shape) of
// ⟨r, InputGrad(dy, w)⟩. InputGrad is conv₁ᵀ(w₁; BN₁ᵀ(σ'·conv₂ᵀ(w₂;
// BN₂ᵀ dy))) + the shortcut's, so w₁'s part (and the projection's) is the
// kernel gradient with r in place of the input, and w₂'s is the kernel
// gradient with r carried back through the inner layers' adjoints:
// σ'·BN₁ᵀ(conv₁(w₁; r)) (each normalisation's backward pass is its own
// adjoint, σ' is diagonal). A block with an identity or option-A shortcut
// has no weights in it.
func (r *Residual) FeedbackGrad(dy, w, res, dst *tensor.Mat) {
	dst.Resize(r.w.Rows, r.w.Cols)
	r.innerFor(dy, w)
	r.ready = nil // BN₁'s backward below overwrites da1
	r.Conv1.KernelGrad(res, r.da1, r.seg(dst, 0))
	if r.Proj {
		r.ConvP.KernelGrad(res, r.dap, r.seg(dst, 2))
	}
	r.Conv1.apply(res, r.seg(w, 0), &r.tmp)
	v := r.Act.Backward(r.BN1.Backward(&r.tmp, nil, nil))
	r.Conv2.KernelGrad(v, r.da2, r.seg(dst, 1))
}

// Tangent implements Core: the block's directional derivative along an
// input tangent dx and weight and bias tangents dW, dB (Weight's and
// Bias's shapes; nil is zero), through both normalisations with the
// statistics of the last Forward's mode.
func (r *Residual) Tangent(dx, dW *tensor.Mat, dB []float32, dst *tensor.Mat) {
	c := r.C
	cut := func(k int) []float32 {
		if dB == nil {
			return nil
		}
		return dB[k*c : (k+1)*c]
	}
	r.Conv1.Tangent(dx, r.seg(dW, 0), cut(0), &r.t1)
	u1 := r.Act.Tangent(r.BN1.Tangent(&r.t1, cut(2), cut(3)))
	r.Conv2.Tangent(u1, r.seg(dW, 1), cut(1), &r.t2)
	u2 := r.BN2.Tangent(&r.t2, cut(4), cut(5))
	dst.CopyFrom(u2)
	switch {
	case r.identity():
		if dx != nil {
			tensor.Axpy(1, dx.Data, dst.Data)
		}
	case r.Proj:
		r.ConvP.Tangent(dx, r.seg(dW, 2), cut(6), &r.tp)
		tensor.Axpy(1, r.BNP.Tangent(&r.tp, cut(7), cut(8)).Data, dst.Data)
	default:
		if dx != nil {
			r.optionA(dx, dst, false)
		}
	}
}

// EndStep folds the batch statistics into the running ones.
func (r *Residual) EndStep() {
	r.BN1.EndStep()
	r.BN2.EndStep()
	if r.BNP != nil {
		r.BNP.EndStep()
	}
}

func (r *Residual) buffers() [][]float32 {
	b := [][]float32{r.BN1.Mean, r.BN1.Var, r.BN2.Mean, r.BN2.Var}
	if r.BNP != nil {
		b = append(b, r.BNP.Mean, r.BNP.Var)
	}
	return b
}
