package nn

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/creditlab/credit/tensor"
)

// Layer is a parameter-free layer with an exact backward pass: an
// activation, MaxPool or Dropout. Rows are examples.
type Layer interface {
	// Forward returns the output for batch x and keeps what Backward needs.
	Forward(x *tensor.Mat) *tensor.Mat
	// Backward returns ∂L/∂x given ∂L/∂y for the last Forward.
	Backward(dy *tensor.Mat) *tensor.Mat
	// Output returns the result of the last Forward.
	Output() *tensor.Mat
	// Tangent returns J·dx, the directional derivative of the last
	// Forward's output along the input tangent dx (batch × in; the result
	// is batch × out): the forward-mode (Jacobian–vector product) pass. It
	// uses the state the last Forward kept (a derivative, a mask, the
	// maxima's positions) and changes nothing that Backward needs. The
	// result is valid until the next Tangent.
	Tangent(dx *tensor.Mat) *tensor.Mat
}

// Core is a weighted layer (Dense, Conv2D) whose input error can be
// computed with its own weights (backprop) or with a feedback matrix of the
// same shape. Input is batch × In, output batch × Out.
type Core interface {
	// Forward returns the output for batch x and keeps what the gradients need.
	Forward(x *tensor.Mat) *tensor.Mat
	// Output returns the result of the last Forward.
	Output() *tensor.Mat
	// Weight returns the weight matrix W.
	Weight() *tensor.Mat
	// Bias returns the bias vector b.
	Bias() []float32
	// ParamGrad writes ∂L/∂W and ∂L/∂b for the last Forward given the error
	// dy at the core's output (pre-activation).
	ParamGrad(dy, gW *tensor.Mat, gB []float32)
	// InputGrad writes the error at the core's input, computed with w (of
	// W's shape) in place of W.
	InputGrad(dy, w, dx *tensor.Mat)
	// Tangent writes into dst (resized to batch × Out) the directional
	// derivative of the last Forward's output along an input tangent dx
	// (batch × In) and a weight and bias tangent dW (W's shape), dB (b's
	// length): dx·Wᵀ + x·dWᵀ + dB for a dense layer, the convolution's
	// equivalent for a Conv2D, x being the last Forward's input. A nil dx,
	// or a nil dW with a nil dB, is a zero tangent. It changes nothing
	// that ParamGrad or InputGrad need.
	Tangent(dx, dW *tensor.Mat, dB []float32, dst *tensor.Mat)
	// FeedbackGrad writes into dst (resized to W's shape) the gradient in
	// w of ⟨r, InputGrad(dy, w)⟩ at the last Forward (r batch × In): the
	// adjoint of the input-error pass in its weights argument. With
	// r = InputGrad(dy, w) − t it is the gradient of ½‖InputGrad(dy, w) − t‖²,
	// the step of a rule that regresses feedback of W's shape on a target
	// t. dyᵀ·r for a dense layer, the kernel gradient with r in place of
	// the input for a convolution; normalisation and shortcuts pass
	// exactly. It may overwrite what InputGrad and ParamGrad computed for
	// the last backward pass, not what a following Forward needs.
	FeedbackGrad(dy, w, r, dst *tensor.Mat)
	// In and Out return the input and output widths.
	In() int
	Out() int
}

// Block is a core followed by parameter-free layers. Its output is a hidden
// site unless it is the network's last block.
type Block struct {
	Core  Core
	Post  []Layer
	Width int // output width (the site's width for a hidden block)
}

// Net is a stack of blocks: ŷ = block_N(… block_1(x)).
type Net struct {
	Blocks []Block
	// Training turns dropout on for the following passes; evaluation and
	// the diagnostics run with it off.
	Training bool

	noisy    []tensor.Mat // site buffers holding h + noise in a noisy pass
	siteGrad []tensor.Mat // error delivered to each hidden site
	tan      []tensor.Mat // Tangent's core outputs, per block
	tanSite  []tensor.Mat // Tangent's site tangents plus dSite
	shadow   []Block      // see shadow.go
	shadowed shadowState
}

// Sites returns the number of hidden sites (blocks minus one).
func (n *Net) Sites() int { return len(n.Blocks) - 1 }

// SiteWidth returns the width of hidden site i (the output of block i).
func (n *Net) SiteWidth(i int) int { return n.Blocks[i].Width }

// Out returns the output width.
func (n *Net) Out() int { return n.Blocks[len(n.Blocks)-1].Width }

// setDropout prepares every dropout layer for a pass: training or not, and
// a fresh mask or the last one.
func (n *Net) setDropout(redraw bool) {
	for _, b := range n.Blocks {
		if m, ok := b.Core.(moded); ok {
			m.setTraining(n.Training)
		}
		for _, l := range b.Post {
			if d, ok := l.(*Dropout); ok {
				d.training, d.redraw = n.Training, redraw
			}
		}
	}
}

// Forward runs the network on batch x (batch × In) and returns ŷ
// (batch × Out). If noise is non-nil, noise[i] (batch × SiteWidth(i)) is
// added to the output of hidden block i and propagates upward: the noisy
// pass of node perturbation. The layers keep what a following Backward
// needs, so the last pass before Backward must be a clean one.
func (n *Net) Forward(x *tensor.Mat, noise []*tensor.Mat) *tensor.Mat {
	if n.noisy == nil {
		n.noisy = make([]tensor.Mat, n.Sites())
		n.siteGrad = make([]tensor.Mat, n.Sites())
	}
	n.setDropout(true)
	return n.from(0, n.Blocks[0].forward(x), noise)
}

// Rerun is Forward without noise and with the dropout masks of the last
// Forward: the clean pass after a noisy one.
func (n *Net) Rerun(x *tensor.Mat) *tensor.Mat {
	n.setDropout(false)
	return n.from(0, n.Blocks[0].forward(x), nil)
}

// ReplayPays reports whether the first block costs at least half of a
// forward pass (counting multiply-adds as the core's input fan-in times its
// outputs), so that Replay is cheaper than a whole second pass.
func (n *Net) ReplayPays() bool {
	var first, total int
	for b, blk := range n.Blocks {
		c := blk.Core.Weight().Cols * blk.Core.Out()
		if b == 0 {
			first = c
		}
		total += c
	}
	return 2*first >= total
}

// Replay recomputes the network above the first hidden site from the
// activity that the last Forward left there, adding noise as Forward does
// (nil: clean), and returns ŷ. Node perturbation uses it so that the noisy
// pass skips the first block, which no noise reaches and which costs the
// most. A noisy Replay leaves the clean pass's layer state intact when
// ReplayKeepsState says so (its output is then the shadows', see
// shadow.go); otherwise a clean Replay restores it.
func (n *Net) Replay(noise []*tensor.Mat) *tensor.Mat {
	n.setDropout(false)
	if noise != nil && n.shadows() {
		return n.replayShadow(noise)
	}
	return n.from(0, n.Blocks[0].out(), noise)
}

// SiteOutput returns the clean activity at hidden site i from the last
// pass (batch × SiteWidth(i)), valid until the next pass.
func (n *Net) SiteOutput(i int) *tensor.Mat { return n.Blocks[i].out() }

// from continues a forward pass given h, the clean output of block b.
func (n *Net) from(b int, h *tensor.Mat, noise []*tensor.Mat) *tensor.Mat {
	return n.walk(n.Blocks, b, h, noise)
}

// walk runs blocks b+1… of blocks (the network's own or its shadows)
// from h, the clean output of block b, adding noise[i] at each hidden
// site i it passes (none when noise is nil).
func (n *Net) walk(blocks []Block, b int, h *tensor.Mat, noise []*tensor.Mat) *tensor.Mat {
	for ; ; b++ {
		if noise != nil && b < n.Sites() {
			buf := &n.noisy[b]
			tensor.Add(buf.Resize(h.Rows, h.Cols).Data, h.Data, noise[b].Data)
			h = buf
		}
		if b+1 == len(blocks) {
			return h
		}
		h = blocks[b+1].forward(h)
	}
}

func (blk *Block) forward(x *tensor.Mat) *tensor.Mat {
	h := blk.Core.Forward(x)
	for _, l := range blk.Post {
		h = l.Forward(h)
	}
	return h
}

// out returns the block's output from its last forward pass.
func (blk *Block) out() *tensor.Mat {
	if len(blk.Post) == 0 {
		return blk.Core.Output()
	}
	return blk.Post[len(blk.Post)-1].Output()
}

// Deliverer supplies the error at a hidden site: the heart of every
// credit-assignment rule.
type Deliverer interface {
	// Deliver writes into dst (resized to batch × SiteWidth(site)) the
	// rule's estimate of ∂L/∂h at hidden site `site`, given eAbove, the
	// error the rule delivered to the output of the core of block site+1
	// (batch × its Out), and eOut, the exact error at the output core.
	Deliver(n *Net, site int, eAbove, eOut, dst *tensor.Mat)
}

// Compound is a core with weighted layers inside it (Residual), whose
// parameter gradients need the error inside it, and so the transpose of an
// inner layer's weights or the rule's feedback in its place.
type Compound interface {
	Core
	// SetInner sets the matrix (W's shape) whose segments stand in for the
	// core's weights inside it in the following ParamGrad; nil: W itself.
	SetInner(w *tensor.Mat)
}

// InnerFeedback is a Deliverer with feedback for the weighted layers
// inside compound cores: InnerFeedback returns the matrix (W's shape)
// standing in for block `block`'s weights inside it, or nil for W itself
// (backprop, and rules whose feedback does not reach inside a block).
type InnerFeedback interface {
	InnerFeedback(n *Net, block int) *tensor.Mat
}

// EndStep ends a training step: every batch normalisation folds the batch
// statistics of the last training pass (the one whose state Backward
// used) into its running statistics. The trainer calls it once per step.
func (n *Net) EndStep() {
	for _, b := range n.Blocks {
		if s, ok := b.Core.(stepper); ok {
			s.EndStep()
		}
	}
}

// Buffers returns the network's running statistics (batch normalisation's
// mean and variance, per layer in order), state that is not a parameter
// but that a checkpoint saves; none for a network without normalisation.
func (n *Net) Buffers() [][]float32 {
	var a [][]float32
	for _, b := range n.Blocks {
		if s, ok := b.Core.(stepper); ok {
			a = append(a, s.buffers()...)
		}
	}
	return a
}

// Grads holds per-block gradients and the errors that produced them.
type Grads struct {
	W     []*tensor.Mat // ∂L/∂W per block, W's shape
	B     [][]float32   // ∂L/∂b per block
	Delta []*tensor.Mat // error at each block's core output (batch × Out): ẽ^i
}

// NewGrads returns zeroed gradient storage for n.
func NewGrads(n *Net) *Grads {
	g := &Grads{}
	for _, b := range n.Blocks {
		w := b.Core.Weight()
		g.W = append(g.W, tensor.New(w.Rows, w.Cols))
		g.B = append(g.B, make([]float32, len(b.Core.Bias())))
		g.Delta = append(g.Delta, &tensor.Mat{})
	}
	return g
}

// Backward computes the gradients for the last Forward given dOut = ∂L/∂ŷ
// (batch × Out), asking d for the error at each hidden site. Inside each
// block the backward pass is exact.
func (n *Net) Backward(dOut *tensor.Mat, d Deliverer, g *Grads) {
	e := dOut
	last := len(n.Blocks) - 1
	for b := last; b >= 0; b-- {
		blk := &n.Blocks[b]
		for i := len(blk.Post) - 1; i >= 0; i-- {
			e = blk.Post[i].Backward(e)
		}
		g.Delta[b].CopyFrom(e)
		if c, ok := blk.Core.(Compound); ok {
			var w *tensor.Mat
			if f, ok := d.(InnerFeedback); ok {
				w = f.InnerFeedback(n, b)
			}
			c.SetInner(w)
		}
		blk.Core.ParamGrad(e, g.W[b], g.B[b])
		if b > 0 {
			site := &n.siteGrad[b-1]
			d.Deliver(n, b-1, g.Delta[b], g.Delta[last], site)
			e = site
		}
	}
}

// Params returns the network's parameters as flat slices (W then b, block
// by block); Grads.Slices returns the matching gradients.
func (n *Net) Params() [][]float32 {
	var p [][]float32
	for _, b := range n.Blocks {
		p = append(p, b.Core.Weight().Data, b.Core.Bias())
	}
	return p
}

// Slices returns the gradients in the order of Net.Params.
func (g *Grads) Slices() [][]float32 {
	var p [][]float32
	for i := range g.W {
		p = append(p, g.W[i].Data, g.B[i])
	}
	return p
}

// ParseSizes parses a layer-width list such as "784-50-20-10".
func ParseSizes(s string) ([]int, error) {
	parts := strings.Split(s, "-")
	if len(parts) < 2 {
		return nil, fmt.Errorf("want at least an input and an output width, like 784-50-20-10, got %q", s)
	}
	sizes := make([]int, len(parts))
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v <= 0 || v > 1<<20 {
			return nil, fmt.Errorf("width %q in %q is not a positive integer", p, s)
		}
		sizes[i] = v
	}
	return sizes, nil
}

// NewMLP returns a fully connected network with the given widths, act on
// every hidden layer and outAct on the output, weights drawn from rng as
// NewDense says.
func NewMLP(sizes []int, act, outAct string, rng *rand.Rand) (*Net, error) {
	return mlpSpec(sizes).Build(sizes[0], [3]int{}, act, outAct, rng, nil)
}

func mlpSpec(sizes []int) *Spec {
	sp := &Spec{Input: sizes[0]}
	for _, n := range sizes[1:] {
		sp.Layers = append(sp.Layers, LayerSpec{Kind: "fc", Size: n})
	}
	return sp
}
