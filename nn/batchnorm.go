package nn

import (
	"math"

	"github.com/creditlab/credit/tensor"
)

// BatchNorm is batch normalisation (Ioffe & Szegedy 2015) over C channels
// of P positions each: a batch row holds C·P values in channel-major order
// (CHW for a conv layer's output, P = 1 for a dense layer's units). In
// training mode each channel is normalised by the mean and biased variance
// of its batch·P values, y = γ·(x − μ)/√(σ² + ε) + β; in evaluation mode by
// the running statistics. EndStep folds the last training pass's batch
// statistics into the running ones with momentum m, as PyTorch does:
// mean ← (1 − m)·mean + m·μ, var ← (1 − m)·var + m·σ²·n/(n − 1) (the
// unbiased variance), n = batch·P. Sums are taken in float64.
//
// γ and β (length C each) are slices owned by the core that holds the
// layer (among its biases), so that the optimiser moves them with the
// network's other parameters.
type BatchNorm struct {
	C, P        int
	Eps, Mom    float64
	Gamma, Beta []float32
	Mean, Var   []float32 // running statistics, saved in checkpoints (Net.Buffers)

	training bool       // mode of the last Forward
	xhat     tensor.Mat // normalised input of the last Forward
	inv      []float32  // 1/√(σ² + ε) per channel of the last Forward
	bMean    []float64  // batch statistics of the last training Forward
	bVar     []float64
	bN       int // its batch·P; 0: nothing to fold
	out, dx  tensor.Mat
	tan      tensor.Mat

	// The operands of the call in progress, for the per-channel functions
	// that channels runs (set once: a call allocates nothing).
	x, dy, dxt          *tensor.Mat
	dGamma, dBeta       []float32
	fwdFn, bwdFn, tanFn func(c, slot int)
}

// bnParallelMin is the number of values from which channels spreads the
// channels over the kernel threads.
const bnParallelMin = 1 << 15

// channels calls f(c, ·) for every channel c, spread over the kernel
// threads when the batch holds values or more values. The channels are
// independent (each its own sums, in the same order either way), so the
// results do not depend on the thread count.
func (b *BatchNorm) channels(values int, f func(c, slot int)) {
	if values < bnParallelMin {
		for c := 0; c < b.C; c++ {
			f(c, 0)
		}
		return
	}
	tensor.Parallel(b.C, b.C, f)
}

// NewBatchNorm returns batch normalisation of c channels of p positions
// with γ, β in the given slices (set to 1 and 0), running mean 0 and
// variance 1, ε = 1e-5 and momentum 0.1 (PyTorch's defaults).
func NewBatchNorm(c, p int, gamma, beta []float32) *BatchNorm {
	b := &BatchNorm{C: c, P: p, Eps: 1e-5, Mom: 0.1, Gamma: gamma, Beta: beta,
		Mean: make([]float32, c), Var: make([]float32, c), inv: make([]float32, c),
		bMean: make([]float64, c), bVar: make([]float64, c)}
	for i := range gamma {
		gamma[i], beta[i], b.Var[i] = 1, 0, 1
	}
	return b
}

// Forward normalises x (batch × C·P) with batch statistics when training,
// the running ones otherwise, and returns y (valid until the next Forward).
func (b *BatchNorm) Forward(x *tensor.Mat, training bool) *tensor.Mat {
	b.training = training
	b.xhat.Resize(x.Rows, x.Cols)
	b.out.Resize(x.Rows, x.Cols)
	if b.fwdFn == nil {
		b.fwdFn = b.forwardChannel
	}
	b.x = x
	b.channels(len(x.Data), b.fwdFn)
	b.x = nil
	if training {
		b.bN = x.Rows * b.P
	}
	return &b.out
}

// forwardChannel normalises channel c of the Forward's input.
func (b *BatchNorm) forwardChannel(c, _ int) {
	x, n, p := b.x, b.x.Rows, b.P
	var mean, v float64
	if b.training {
		var s float64
		for i := 0; i < n; i++ {
			for _, e := range x.Row(i)[c*p : (c+1)*p] {
				s += float64(e)
			}
		}
		mean = s / float64(n*p)
		var q float64
		for i := 0; i < n; i++ {
			for _, e := range x.Row(i)[c*p : (c+1)*p] {
				d := float64(e) - mean
				q += d * d
			}
		}
		v = q / float64(n*p)
		b.bMean[c], b.bVar[c] = mean, v
	} else {
		mean, v = float64(b.Mean[c]), float64(b.Var[c])
	}
	inv := float32(1 / math.Sqrt(v+b.Eps))
	b.inv[c] = inv
	m, g, be := float32(mean), b.Gamma[c], b.Beta[c]
	for i := 0; i < n; i++ {
		xr, hr, yr := x.Row(i)[c*p:(c+1)*p], b.xhat.Row(i)[c*p:(c+1)*p], b.out.Row(i)[c*p:(c+1)*p]
		for j, e := range xr {
			h := (e - m) * inv
			hr[j] = h
			yr[j] = g*h + be
		}
	}
}

// Output returns the result of the last Forward.
func (b *BatchNorm) Output() *tensor.Mat { return &b.out }

// EndStep folds the batch statistics of the last training Forward into the
// running statistics (once: a second call does nothing).
func (b *BatchNorm) EndStep() {
	if b.bN == 0 {
		return
	}
	m := b.Mom
	unb := float64(b.bN) / float64(max(b.bN-1, 1))
	for c := range b.Mean {
		b.Mean[c] = float32((1-m)*float64(b.Mean[c]) + m*b.bMean[c])
		b.Var[c] = float32((1-m)*float64(b.Var[c]) + m*b.bVar[c]*unb)
	}
	b.bN = 0
}

// Backward returns ∂L/∂x for the last Forward given dy (batch × C·P), and
// writes ∂L/∂γ and ∂L/∂β into dGamma, dBeta (length C; nil to skip).
// Training mode: dx = γ/√(σ²+ε)·(dy − mean(dy) − x̂·mean(dy·x̂)), the means
// over the channel's batch·P values; evaluation mode: γ/√(var+ε)·dy. The
// result is valid until the next Backward; the layer's state is unchanged.
func (b *BatchNorm) Backward(dy *tensor.Mat, dGamma, dBeta []float32) *tensor.Mat {
	b.dx.Resize(dy.Rows, dy.Cols)
	if b.bwdFn == nil {
		b.bwdFn = b.backwardChannel
	}
	b.dy, b.dGamma, b.dBeta = dy, dGamma, dBeta
	b.channels(len(dy.Data), b.bwdFn)
	b.dy, b.dGamma, b.dBeta = nil, nil, nil
	return &b.dx
}

// backwardChannel is Backward on channel c.
func (b *BatchNorm) backwardChannel(c, _ int) {
	dy, n, p := b.dy, b.dy.Rows, b.P
	sdy, sdyh := b.sums(dy, c)
	if b.dGamma != nil {
		b.dGamma[c], b.dBeta[c] = float32(sdyh), float32(sdy)
	}
	k := b.Gamma[c] * b.inv[c]
	var m1, m2 float32
	if b.training {
		m1, m2 = float32(sdy/float64(n*p)), float32(sdyh/float64(n*p))
	}
	for i := 0; i < n; i++ {
		hr, dr, xr := b.xhat.Row(i)[c*p:(c+1)*p], dy.Row(i)[c*p:(c+1)*p], b.dx.Row(i)[c*p:(c+1)*p]
		for j, e := range dr {
			xr[j] = k * (e - m1 - hr[j]*m2)
		}
	}
}

// sums returns Σ d and Σ d·x̂ over channel c's batch·P values of d (an
// error or a tangent against the last Forward's x̂), in float64: the
// reductions Backward and Tangent both take.
func (b *BatchNorm) sums(d *tensor.Mat, c int) (s, sh float64) {
	p := b.P
	for i := 0; i < d.Rows; i++ {
		hr := b.xhat.Row(i)[c*p : (c+1)*p]
		for j, e := range d.Row(i)[c*p : (c+1)*p] {
			s += float64(e)
			sh += float64(e) * float64(hr[j])
		}
	}
	return s, sh
}

// Tangent returns the directional derivative of the last Forward's output
// along an input tangent dx (batch × C·P; nil is zero) and tangents dGamma,
// dBeta of γ and β (nil is zero): in training mode the batch statistics
// move with the input, γ/√(σ²+ε)·(dx − mean(dx) − x̂·mean(x̂·dx)), in
// evaluation mode γ/√(var+ε)·dx; plus x̂·dγ + dβ. Valid until the next
// Tangent; nothing that Backward needs is changed.
func (b *BatchNorm) Tangent(dx *tensor.Mat, dGamma, dBeta []float32) *tensor.Mat {
	b.tan.Resize(b.xhat.Rows, b.xhat.Cols)
	if b.tanFn == nil {
		b.tanFn = b.tangentChannel
	}
	b.dxt, b.dGamma, b.dBeta = dx, dGamma, dBeta
	b.channels(len(b.xhat.Data), b.tanFn)
	b.dxt, b.dGamma, b.dBeta = nil, nil, nil
	return &b.tan
}

// tangentChannel is Tangent on channel c.
func (b *BatchNorm) tangentChannel(c, _ int) {
	dx, n, p := b.dxt, b.xhat.Rows, b.P
	var k, m1, m2 float32
	if dx != nil {
		var s, sh float64
		if b.training {
			s, sh = b.sums(dx, c)
		}
		k, m1, m2 = b.Gamma[c]*b.inv[c], float32(s/float64(n*p)), float32(sh/float64(n*p))
	}
	var dg, db float32
	if b.dGamma != nil {
		dg = b.dGamma[c]
	}
	if b.dBeta != nil {
		db = b.dBeta[c]
	}
	for i := 0; i < n; i++ {
		hr, tr := b.xhat.Row(i)[c*p:(c+1)*p], b.tan.Row(i)[c*p:(c+1)*p]
		if dx == nil {
			for j, h := range hr {
				tr[j] = h*dg + db
			}
			continue
		}
		for j, e := range dx.Row(i)[c*p : (c+1)*p] {
			tr[j] = k*(e-m1-hr[j]*m2) + hr[j]*dg + db
		}
	}
}
