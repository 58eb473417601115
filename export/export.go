// Package export turns a run directory into files other tools read: the
// network's tensors as a NumPy .npz archive (WriteNPZ) and the metrics as
// a CSV table with one row per epoch and hidden layer (WriteCSV). It only
// reads the run directory.
//
// Tensors are named by layer, counting weighted layers (dense or conv) from
// 1 at the input, and keep their natural shapes:
//
//	W1, b1, W2, …   a dense layer's weights out × in and biases (out);
//	                a conv layer's kernels out × in × k × k (its stored
//	                out × in·k·k matrix, rows in (channel, ky, kx) order,
//	                reshaped without moving a value) and biases
//	F1, F2, …       the feedback that carries error to hidden layer i
//	                (the output of block i): layer-wise rules store it in
//	                the shape of W(i+1) (B(i+1) transposed: out × in, or
//	                kernels out × in × k × k), direct rules as n_out × n_i
//	                (D transposed, n_i the flat width of the site)
//	V1, M1, …       the ridge learner's running sums for F_i (float64):
//	                V s × s and M s × t for F_i of shape s × t (empty
//	                until the site's first update)
//	velocity_W1 …   momentum's velocity, of its parameter's shape
//	adam_m_W1 …     Adam's moments, of their parameter's shape
//
// Batch-normalisation statistics would follow the same pattern; credit has
// no such layer yet. The npz also holds network.json, a description of the
// network (settings, layers, the checkpoint's position) and of every
// tensor.
package export

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/feedback"
	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/rundir"
	"github.com/creditlab/credit/train"
)

// Tensor is one named array: float32 (F32) or float64 (F64) values in C
// (row-major) order of Shape.
type Tensor struct {
	Name  string
	Shape []int
	F32   []float32
	F64   []float64
	Doc   string // what it is, for network.json
}

// Layer describes one weighted layer of the network in network.json.
type Layer struct {
	Kind       string `json:"kind"` // "fc" or "conv"
	In         int    `json:"in"`   // input width (flat)
	Out        int    `json:"out"`  // output width (flat)
	Activation string `json:"activation"`
	// Conv layers: input channels and image, kernel, stride, padding,
	// output image.
	InC    int `json:"in_channels,omitempty"`
	InH    int `json:"in_height,omitempty"`
	InW    int `json:"in_width,omitempty"`
	OutC   int `json:"out_channels,omitempty"`
	K      int `json:"kernel,omitempty"`
	Stride int `json:"stride,omitempty"`
	Pad    int `json:"pad,omitempty"`
	OutH   int `json:"out_height,omitempty"`
	OutW   int `json:"out_width,omitempty"`
	// Post lists what follows the activation: "pool3s2", "drop0.5".
	Post []string `json:"post,omitempty"`
	// Width is the block's output width (the hidden site's, after
	// pooling), the input width of the next layer.
	Width int `json:"width"`
}

// Model is a run's network as its checkpoint holds it.
type Model struct {
	Config  config.Config
	Epoch   int // epochs done at the checkpoint
	Step    int // and steps done of the next epoch (0 at an epoch's end)
	Steps   int // optimiser steps so far
	Layers  []Layer
	Tensors []Tensor
}

// dataShape returns the input width and image shape of c's data set
// without loading it (0 and a zero shape where the data do not fix them).
func dataShape(c config.Config, sp *nn.Spec) (int, [3]int) {
	switch c.Data {
	case "mnist", "fashion-mnist":
		return 784, [3]int{1, 28, 28}
	case "cifar10":
		return 3072, [3]int{3, 32, 32}
	}
	return sp.Input, [3]int{}
}

// Read reads the checkpoint of the run directory dir (the weights at the
// end of the last epoch it finished, or where it was stopped) and returns
// its network. It writes nothing. A directory without a checkpoint, a
// corrupt one, or one whose arrays do not fit the network its settings
// describe is an error naming the file.
func Read(dir string) (*Model, error) {
	h, err := train.ReadCheckpoint(dir)
	if err != nil {
		return nil, err
	}
	path := rundir.Path(dir, rundir.CheckpointFile)
	c := h.Config
	sp, err := nn.ParseSpec(c.Net)
	if err != nil {
		return nil, fmt.Errorf("%s: net %q: %v", path, c.Net, err)
	}
	in, shape := dataShape(c, sp)
	if in == 0 && len(h.Params) > 0 && sp.Layers[0].Kind == "fc" && sp.Layers[0].Size > 0 {
		in = len(h.Params[0]) / sp.Layers[0].Size // W1 is out × in
	}
	rng := rand.New(rand.NewPCG(0, 0))
	net, err := sp.Build(in, shape, c.Act, c.OutAct, rng, rng)
	if err != nil {
		return nil, fmt.Errorf("%s: net %q on %s: %v", path, c.Net, c.Data, err)
	}
	m := &Model{Config: c, Epoch: h.Epoch - 1, Step: h.Step, Steps: h.Steps}
	params, fb, opt, learner := h.Params, h.Feedback, h.Opt, h.Learner
	bufs := h.Buffers
	misfit := func(what string, i, got, want int) error {
		return fmt.Errorf("%s: %s array %d has %d values, the network of its settings (net %s) %d", path, what, i, got, c.Net, want)
	}

	// Parameters: W then b, block by block (nn.Net.Params).
	want := net.Params()
	if len(params) != len(want) {
		return nil, fmt.Errorf("%s: %d parameter arrays, the network of its settings (net %s) has %d", path, len(params), c.Net, len(want))
	}
	pshape := make([][]int, len(want))
	pname := make([]string, len(want))
	for i, blk := range net.Blocks {
		n := strconv.Itoa(i + 1)
		l := describeBlock(blk)
		m.Layers = append(m.Layers, l)
		w := blk.Core.Weight()
		ws := []int{w.Rows, w.Cols} // a dense layer's out × in; a residual block's packed 1 × total
		if cv, ok := plainCore(blk.Core).(*nn.Conv2D); ok {
			ws = []int{cv.OutC, cv.InC, cv.K, cv.K}
		}
		bs := []int{len(blk.Core.Bias())}
		pname[2*i], pshape[2*i] = "W"+n, ws
		pname[2*i+1], pshape[2*i+1] = "b"+n, bs
		m.Tensors = append(m.Tensors,
			Tensor{Name: "W" + n, Shape: ws, Doc: fmt.Sprintf("layer %d's weights (%s)", i+1, shapeText(ws))},
			Tensor{Name: "b" + n, Shape: bs, Doc: fmt.Sprintf("layer %d's biases", i+1)})
	}
	for i := range params {
		if len(params[i]) != len(want[i]) {
			return nil, misfit("parameter", i, len(params[i]), len(want[i]))
		}
		m.Tensors[i].F32 = params[i]
	}

	// Feedback: the rule's matrices, one per hidden site, in order.
	rule, err := feedback.New(c.Rule, net, c.FeedbackOptions(), rng)
	if err != nil {
		return nil, fmt.Errorf("%s: rule %s: %v", path, c.Rule, err)
	}
	F := rule.Feedback()
	fshape := make([][]int, len(F))
	for i, f := range F {
		fshape[i] = []int{f.Rows, f.Cols}
		if cv, ok := plainCore(net.Blocks[i+1].Core).(*nn.Conv2D); ok && f.Rows == cv.OutC && f.Cols == cv.InC*cv.K*cv.K {
			fshape[i] = []int{cv.OutC, cv.InC, cv.K, cv.K}
		}
	}
	if len(fb) == len(F) {
		for i, f := range F {
			if len(fb[i]) != f.Rows*f.Cols {
				return nil, misfit("feedback", i, len(fb[i]), f.Rows*f.Cols)
			}
			kind := "layer-wise, the shape of W" + strconv.Itoa(i+2)
			if _, direct := rule.Parts()[0].(*feedback.Direct); direct {
				kind = "direct, n_out × n_" + strconv.Itoa(i+1)
			}
			m.Tensors = append(m.Tensors, Tensor{Name: "F" + strconv.Itoa(i+1), Shape: fshape[i], F32: fb[i],
				Doc: fmt.Sprintf("feedback to hidden layer %d (%s)", i+1, kind)})
		}
	} else {
		for i, v := range fb { // a rule whose state is not its feedback matrices
			m.Tensors = append(m.Tensors, Tensor{Name: "feedback" + strconv.Itoa(i+1), Shape: []int{len(v)}, F32: v,
				Doc: "rule state array, flat"})
		}
	}

	// Optimiser state: one array per parameter (momentum) or two (Adam).
	switch {
	case len(opt) == 0:
	case c.Opt == "momentum" && len(opt) == len(params):
		for i, v := range opt {
			m.Tensors = append(m.Tensors, Tensor{Name: "velocity_" + pname[i], Shape: pshape[i], F32: v, Doc: "momentum's velocity of " + pname[i]})
		}
	case c.Opt == "adam" && len(opt) == 2*len(params):
		for i, v := range opt {
			k, p := "adam_m_", i
			if i >= len(params) {
				k, p = "adam_v_", i-len(params)
			}
			m.Tensors = append(m.Tensors, Tensor{Name: k + pname[p], Shape: pshape[p], F32: v, Doc: "Adam's moment of " + pname[p]})
		}
	default:
		for i, v := range opt {
			m.Tensors = append(m.Tensors, Tensor{Name: "opt" + strconv.Itoa(i+1), Shape: []int{len(v)}, F32: v, Doc: "optimiser state array, flat"})
		}
	}

	// Batch normalisation's running statistics, layer by layer in the
	// network's order (nn.Net.Buffers: mean, then variance).
	for i, v := range bufs {
		k, what := "bn_mean", "running mean"
		if i%2 == 1 {
			k, what = "bn_var", "running variance"
		}
		n := strconv.Itoa(i/2 + 1)
		m.Tensors = append(m.Tensors, Tensor{Name: k + n, Shape: []int{len(v)}, F32: v, Doc: "batch normalisation " + n + "'s " + what + ", per channel or unit"})
	}

	// Learner state: ridge's V and M per site, else flat arrays.
	if c.FeedbackSolver == "ridge" && len(learner) == 2*len(F) && len(F) > 0 {
		for i, f := range F {
			n := strconv.Itoa(i + 1)
			v, mm := learner[2*i], learner[2*i+1]
			vs, ms := []int{f.Rows, f.Rows}, []int{f.Rows, f.Cols}
			if len(v) == 0 && len(mm) == 0 {
				vs, ms = []int{0}, []int{0}
			} else if len(v) != f.Rows*f.Rows || len(mm) != f.Rows*f.Cols {
				return nil, fmt.Errorf("%s: ridge state of site %d has %d and %d values, want %d×%d and %d×%d", path, i, len(v), len(mm), f.Rows, f.Rows, f.Rows, f.Cols)
			}
			m.Tensors = append(m.Tensors,
				Tensor{Name: "V" + n, Shape: vs, F64: nonNil(v), Doc: "ridge's V = γI + Σ eᵀe for F" + n + " (summed-loss units)"},
				Tensor{Name: "M" + n, Shape: ms, F64: nonNil(mm), Doc: "ridge's M = Σ eᵀλ̂ for F" + n + " (summed-loss units)"})
		}
	} else {
		for i, v := range learner {
			m.Tensors = append(m.Tensors, Tensor{Name: "learner" + strconv.Itoa(i+1), Shape: []int{len(v)}, F64: nonNil(v), Doc: "learner state array, flat"})
		}
	}
	return m, nil
}

// nonNil returns v, or an empty non-nil slice, so that an empty float64
// array is still written as '<f8'.
func nonNil(v []float64) []float64 {
	if v == nil {
		return []float64{}
	}
	return v
}

// plainCore returns the dense or conv layer of a batch-normalised core,
// and any other core as it is.
func plainCore(c nn.Core) nn.Core {
	if nc, ok := c.(*nn.Normed); ok {
		return nc.Inner
	}
	return c
}

// describeBlock describes a block's core, activation and what follows it.
func describeBlock(b nn.Block) Layer {
	l := Layer{Kind: "fc", In: b.Core.In(), Out: b.Core.Out(), Width: b.Width}
	core := b.Core
	if nc, ok := core.(*nn.Normed); ok { // batch-normalised: γ, β follow the biases in b
		core = nc.Inner
		l.Post = append(l.Post, "bn")
	}
	if r, ok := core.(*nn.Residual); ok { // kernels packed as nn.Segments says
		l.Kind = "res"
		l.InC, l.InH, l.InW, l.OutC, l.K, l.Stride, l.OutH, l.OutW = r.InC, r.InH, r.InW, r.C, 3, r.Stride, r.OutH, r.OutW
	}
	if cv, ok := core.(*nn.Conv2D); ok {
		l.Kind = "conv"
		l.InC, l.InH, l.InW, l.OutC, l.K, l.Stride, l.Pad, l.OutH, l.OutW = cv.InC, cv.InH, cv.InW, cv.OutC, cv.K, cv.Stride, cv.Pad, cv.OutH, cv.OutW
	}
	for i, p := range b.Post {
		switch p := p.(type) {
		case *nn.MaxPool:
			l.Post = append(l.Post, fmt.Sprintf("pool%ds%d", p.Size, p.Stride))
		case *nn.Dropout:
			l.Post = append(l.Post, "drop"+strconv.FormatFloat(float64(p.P), 'g', -1, 32))
		default:
			if a, ok := p.(*nn.Activation); ok && i == 0 {
				l.Activation = a.Kind
			}
		}
	}
	return l
}

// shapeText writes a shape as "50 × 784".
func shapeText(s []int) string {
	t := ""
	for i, n := range s {
		if i > 0 {
			t += " × "
		}
		t += strconv.Itoa(n)
	}
	return t
}

// describe returns network.json: the settings, the checkpoint's position,
// the layers and each tensor's name, shape, dtype and meaning.
func (m *Model) describe() ([]byte, error) {
	type tensor struct {
		Name  string `json:"name"`
		Shape []int  `json:"shape"`
		DType string `json:"dtype"`
		Doc   string `json:"doc"`
	}
	d := struct {
		Format  string        `json:"format"`
		Config  config.Config `json:"config"`
		Epoch   int           `json:"epochs_done"`    // epochs done at the checkpoint
		Step    int           `json:"steps_in_epoch"` // steps done of the next epoch
		Steps   int           `json:"steps"`          // optimiser steps in all
		Layers  []Layer       `json:"layers"`
		Tensors []tensor      `json:"tensors"`
	}{Format: "credit export 1", Config: m.Config, Epoch: m.Epoch, Step: m.Step, Steps: m.Steps, Layers: m.Layers}
	for _, t := range m.Tensors {
		dt := "float32"
		if t.F64 != nil {
			dt = "float64"
		}
		d.Tensors = append(d.Tensors, tensor{t.Name, t.Shape, dt, t.Doc})
	}
	return json.MarshalIndent(d, "", "  ")
}
