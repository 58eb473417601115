package nn

import (
	"math"
	"math/rand/v2"

	"github.com/creditlab/credit/tensor"
)

// Dense is a fully connected layer y = x·Wᵀ + b on a batch x (batch × In).
// W is Out×In (row j holds the weights into unit j, the paper's W^i), b has
// length Out.
type Dense struct {
	W *tensor.Mat
	B []float32

	x   *tensor.Mat // input of the last Forward (owned by the caller)
	out tensor.Mat

	// pat is x's pattern of non-zeros when sparse: then the products with
	// x skip its zeros (an MLP's first layer on MNIST, 81 % zeros), with
	// the same bits as the dense products.
	pat    tensor.Pattern
	sparse bool
}

// NewDense returns an in→out layer with W ~ N(0, 2/in) drawn from rng and
// b = 0.
func NewDense(in, out int, rng *rand.Rand) *Dense {
	d := &Dense{W: tensor.New(out, in), B: make([]float32, out)}
	std := math.Sqrt(2 / float64(in))
	for i := range d.W.Data {
		d.W.Data[i] = float32(rng.NormFloat64() * std)
	}
	return d
}

// In returns the input width.
func (d *Dense) In() int { return d.W.Cols }

// Out returns the output width.
func (d *Dense) Out() int { return d.W.Rows }

// Weight returns W (Out×In).
func (d *Dense) Weight() *tensor.Mat { return d.W }

// Bias returns b (length Out).
func (d *Dense) Bias() []float32 { return d.B }

// Forward returns x·Wᵀ + b (batch × Out) and remembers x for the backward pass.
func (d *Dense) Forward(x *tensor.Mat) *tensor.Mat {
	d.x = x
	d.sparse = d.pat.Sparse(x)
	d.out.Resize(x.Rows, d.Out())
	for i := 0; i < x.Rows; i++ {
		copy(d.out.Row(i), d.B)
	}
	d.timesW(x, d.W, 1, &d.out)
	return &d.out
}

// timesW sets dst ← x·wᵀ + beta·dst, skipping x's zeros when x is the
// last Forward's input and sparse.
func (d *Dense) timesW(x, w *tensor.Mat, beta float32, dst *tensor.Mat) {
	if d.sparse && x == d.x {
		tensor.MatMulSparseA(true, x, &d.pat, w, beta, dst)
		return
	}
	tensor.MatMul(false, true, 1, x, w, beta, dst)
}

// Output returns the result of the last Forward.
func (d *Dense) Output() *tensor.Mat { return &d.out }

// ParamGrad writes the gradients for the last Forward's input given the
// error dy at the output (batch × Out): gW ← dyᵀ·x (Out×In), gB ← Σ_rows dy.
func (d *Dense) ParamGrad(dy, gW *tensor.Mat, gB []float32) {
	if d.sparse {
		tensor.MatMulSparseB(true, dy, d.x, &d.pat, 0, gW)
	} else {
		tensor.MatMul(true, false, 1, dy, d.x, 0, gW)
	}
	tensor.SumRows(dy, 0, gB)
}

// InputGrad writes dx ← dy·w (batch × In), the error at the input, where w
// has W's shape: w = W gives exact backprop, any other w is a feedback
// matrix standing in for W. dx is resized.
func (d *Dense) InputGrad(dy, w, dx *tensor.Mat) {
	dx.Resize(dy.Rows, d.In())
	tensor.MatMul(false, false, 1, dy, w, 0, dx)
}

// FeedbackGrad implements Core: dst ← dyᵀ·r (Out × In).
func (d *Dense) FeedbackGrad(dy, _, r, dst *tensor.Mat) {
	dst.Resize(d.W.Rows, d.W.Cols)
	tensor.MatMul(true, false, 1, dy, r, 0, dst)
}

// Tangent writes dst ← dx·Wᵀ + x·dWᵀ + dB (batch × Out) for the last
// Forward's input x: the directional derivative of the output along an
// input tangent dx (batch × In) and weight and bias tangents dW (Out×In)
// and dB (length Out). A nil dx, dW or dB is a zero tangent. dst is
// resized; the layer's own state is not touched.
func (d *Dense) Tangent(dx, dW *tensor.Mat, dB []float32, dst *tensor.Mat) {
	n := d.x.Rows
	if dx != nil {
		n = dx.Rows
	}
	dst.Resize(n, d.Out())
	var beta float32
	if dB != nil {
		for i := 0; i < n; i++ {
			copy(dst.Row(i), dB)
		}
		beta = 1
	}
	if dx != nil {
		tensor.MatMul(false, true, 1, dx, d.W, beta, dst)
		beta = 1
	}
	if dW != nil {
		d.timesW(d.x, dW, beta, dst)
		beta = 1
	}
	if beta == 0 {
		dst.Zero()
	}
}
