package nn

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Spec is a parsed network description. Two forms are accepted:
//
//   - widths, input to output: "784-50-20-10" (Input is 784);
//   - comma-separated layers, the input shape coming from the data:
//     "conv5x5x96,pool3s2,conv5x5x128,pool3s2,fc2048,drop0.5,fc10".
//
// Layer tokens: convKxKxF (K×K filters, F of them; optional suffixes sS
// for stride, default 1, and pP for padding, default (K−1)/2, "same" at
// stride 1), poolKsS (K×K max pool, stride S, "same" padding), fcN (dense,
// N units), dropP (dropout with probability P of the layer before), and
// flatten (accepted for readability; rows are always flat). Every conv and
// fc layer but the last is followed by the hidden activation, the last by
// the output activation, unless the token names its own after a colon
// (fc2:linear, the autoencoder's linear bottleneck); pooling and dropout
// follow the activation of the layer before them, so a hidden site is the
// output of its block: after pooling for a conv block, after dropout for an
// fc block.
type Spec struct {
	Input  int // input width for the widths form; 0 when it comes from the data
	Layers []LayerSpec
}

// LayerSpec is one token of a Spec.
type LayerSpec struct {
	Kind   string // "conv", "pool", "fc", "drop"
	Size   int    // kernel or window size (conv, pool), units (fc)
	Filter int    // conv output channels
	Stride int
	Pad    int
	P      float64 // dropout probability
	Act    string  // activation after a conv, fc or res layer, overriding the default ("" = default)
	Proj   bool    // res: a 1×1-conv projection shortcut (option B) where the shape changes
	Fit32  bool    // conv: pad a smaller input to 32×32 (lenet's first layer on 28×28 MNIST)
}

// ParseSpec parses a network description.
func ParseSpec(s string) (*Spec, error) {
	if a, ok := architectures[s]; ok {
		sp, err := ParseSpec(a.layers)
		if err == nil && a.fit32 {
			sp.Layers[0].Fit32 = true
		}
		return sp, err
	}
	if !strings.ContainsAny(s, "abcdefghijklmnopqrstuvwxyz,") {
		sizes, err := ParseSizes(s)
		if err != nil {
			return nil, err
		}
		return mlpSpec(sizes), nil
	}
	sp := &Spec{}
	for _, tok := range strings.Split(s, ",") {
		l, err := parseToken(tok)
		if err != nil && !strings.Contains(s, ",") {
			return nil, fmt.Errorf("unknown architecture %q (want one of %s, layer widths such as 784-50-10, or comma-separated layers such as conv5x5x16,pool2,fc10)", s, strings.Join(Architectures, ", "))
		}
		if err != nil {
			return nil, fmt.Errorf("layer %q in %q: %v", tok, s, err)
		}
		if l.Kind == "flatten" {
			continue
		}
		sp.Layers = append(sp.Layers, l)
	}
	if len(sp.Layers) > 0 && sp.Layers[0].Kind == "res" {
		return nil, fmt.Errorf("%q must start with a conv or fc layer: a residual block cannot be the first (the rules' feedback reaches inside a block from the site below it)", s)
	}
	if len(sp.Layers) == 0 || !sp.Layers[0].weighted() {
		return nil, fmt.Errorf("%q must start with a conv or fc layer", s)
	}
	for i, l := range sp.Layers {
		if l.Kind == "bn" && (i == 0 || (sp.Layers[i-1].Kind != "conv" && sp.Layers[i-1].Kind != "fc")) {
			return nil, fmt.Errorf("%q: bn must follow a conv or fc layer (it normalises that layer's output, before its activation)", s)
		}
	}
	if last := sp.Layers[len(sp.Layers)-1]; last.Kind != "fc" {
		return nil, fmt.Errorf("%q must end with an fc output layer", s)
	}
	seenFC := false
	for _, l := range sp.Layers {
		if l.Kind == "fc" {
			seenFC = true
		}
		if seenFC && (l.Kind == "conv" || l.Kind == "pool" || l.Kind == "res" || l.Kind == "gap") {
			return nil, fmt.Errorf("%q: conv, res, pool and gap layers must come before the fc layers", s)
		}
	}
	return sp, nil
}

func (l LayerSpec) weighted() bool { return l.Kind == "conv" || l.Kind == "fc" || l.Kind == "res" }

// number reads a positive integer prefix of s.
func number(s string) (int, string, error) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	v, err := strconv.Atoi(s[:i])
	if err != nil || v <= 0 || v > 1<<20 {
		return 0, s, fmt.Errorf("want a positive integer at %q", s)
	}
	return v, s[i:], nil
}

func parseToken(tok string) (LayerSpec, error) {
	var l LayerSpec
	var err error
	if base, act, ok := strings.Cut(tok, ":"); ok {
		if l, err = parseToken(base); err != nil {
			return l, err
		}
		if !l.weighted() {
			return l, fmt.Errorf("only conv and fc layers take an activation")
		}
		if _, err := NewActivation(act); err != nil {
			return l, err
		}
		l.Act = act
		return l, nil
	}
	switch {
	case tok == "flatten":
		l.Kind = "flatten"
	case tok == "bn":
		l.Kind = "bn"
	case tok == "gap":
		l.Kind = "gap"
	case strings.HasPrefix(tok, "res"):
		return parseRes(tok)
	case strings.HasPrefix(tok, "conv"):
		l.Kind, l.Stride = "conv", 1
		rest := tok[4:]
		var k2 int
		if l.Size, rest, err = number(rest); err != nil {
			return l, err
		}
		if !strings.HasPrefix(rest, "x") {
			return l, fmt.Errorf("want convKxKxF")
		}
		if k2, rest, err = number(rest[1:]); err != nil {
			return l, err
		}
		if k2 != l.Size {
			return l, fmt.Errorf("only square kernels are supported")
		}
		if !strings.HasPrefix(rest, "x") {
			return l, fmt.Errorf("want convKxKxF")
		}
		if l.Filter, rest, err = number(rest[1:]); err != nil {
			return l, err
		}
		l.Pad = (l.Size - 1) / 2
		for rest != "" {
			switch rest[0] {
			case 's':
				if l.Stride, rest, err = number(rest[1:]); err != nil {
					return l, err
				}
			case 'p':
				rest = rest[1:]
				if strings.HasPrefix(rest, "0") {
					l.Pad, rest = 0, rest[1:]
				} else if l.Pad, rest, err = number(rest); err != nil {
					return l, err
				}
			default:
				return l, fmt.Errorf("unexpected %q (want sS or pP)", rest)
			}
		}
	case strings.HasPrefix(tok, "pool"):
		l.Kind = "pool"
		rest := tok[4:]
		if l.Size, rest, err = number(rest); err != nil {
			return l, err
		}
		l.Stride = l.Size
		if strings.HasPrefix(rest, "s") {
			if l.Stride, rest, err = number(rest[1:]); err != nil {
				return l, err
			}
		}
		if rest != "" {
			return l, fmt.Errorf("unexpected %q (want poolKsS)", rest)
		}
	case strings.HasPrefix(tok, "fc"):
		l.Kind = "fc"
		var rest string
		if l.Size, rest, err = number(tok[2:]); err != nil {
			return l, err
		}
		if rest != "" {
			return l, fmt.Errorf("unexpected %q", rest)
		}
	case strings.HasPrefix(tok, "drop"):
		l.Kind = "drop"
		if l.P, err = strconv.ParseFloat(tok[4:], 64); err != nil || !(l.P >= 0 && l.P < 1) {
			return l, fmt.Errorf("dropout probability must be in [0, 1)")
		}
	default:
		return l, fmt.Errorf("unknown layer (want convKxKxF, poolKsS, fcN, dropP, bn, gap, resF or flatten; or a whole network: lenet, lenet-mnist, resnet20, resnet32, resnet56)")
	}
	return l, nil
}

// PlainDense reports whether every core of the network sp describes is a
// plain dense layer (fc layers, with dropout and flatten between them; no
// convolution, normalisation or residual block).
func (sp *Spec) PlainDense() bool {
	for _, l := range sp.Layers {
		if l.Kind != "fc" && l.Kind != "drop" && l.Kind != "flatten" {
			return false
		}
	}
	return true
}

// Build returns the network sp describes for inputs of width in (and, for
// conv layers, image shape {channels, height, width}), with act on hidden
// layers and outAct on the output. Weights come from initRng, dropout
// masks from dropRng.
func (sp *Spec) Build(in int, shape [3]int, act, outAct string, initRng, dropRng *rand.Rand) (*Net, error) {
	if sp.Input != 0 && sp.Input != in {
		return nil, fmt.Errorf("input width %d does not match the data's %d", sp.Input, in)
	}
	n := &Net{}
	c, h, w := shape[0], shape[1], shape[2]
	flat := in // width when the activity is treated as a flat vector
	image := sp.Layers[0].Kind == "conv"
	if image && sp.Layers[0].Fit32 && h < 32 && w < 32 && c*h*w == in {
		sp.Layers[0].Pad = (32 - h) / 2
	}
	if image && c*h*w != in {
		return nil, fmt.Errorf("conv layers need image data (this data set has no image shape)")
	}
	lastCore := 0
	for i, l := range sp.Layers {
		if l.weighted() {
			lastCore = i
		}
	}
	for i, l := range sp.Layers {
		switch l.Kind {
		case "conv":
			if h+2*l.Pad < l.Size || w+2*l.Pad < l.Size {
				return nil, fmt.Errorf("conv%dx%d: kernel larger than its %dx%d input", l.Size, l.Size, h, w)
			}
			conv := NewConv2D(c, h, w, l.Filter, l.Size, l.Stride, l.Pad, initRng)
			c, h, w = conv.OutC, conv.OutH, conv.OutW
			flat = conv.Out()
			if err := n.addBlock(conv, l.activation(i == lastCore, act, outAct)); err != nil {
				return nil, err
			}
		case "pool":
			p := NewMaxPool(c, h, w, l.Size, l.Stride)
			h, w = p.OutH, p.OutW
			flat = p.Out()
			n.addPost(p, flat)
		case "fc":
			if err := n.addBlock(NewDense(flat, l.Size, initRng), l.activation(i == lastCore, act, outAct)); err != nil {
				return nil, err
			}
			flat = l.Size
		case "drop":
			n.addPost(NewDropout(l.P, dropRng), flat)
		case "bn":
			b := &n.Blocks[len(n.Blocks)-1]
			b.Core = NewNormed(b.Core)
		case "gap":
			if h*w == flat/max(c, 1) && c*h*w == flat && len(n.Blocks) > 0 {
				n.addPost(NewGlobalAvgPool(c, h*w), c)
				h, w, flat = 1, 1, c
			} else {
				return nil, fmt.Errorf("gap needs image activity (after conv, res or pool layers)")
			}
		case "res":
			kind := l.activation(i == lastCore, act, outAct)
			r, err := NewResidual(c, h, w, l.Filter, l.Stride, l.Proj, kind, initRng)
			if err != nil {
				return nil, fmt.Errorf("res%d: %v", l.Filter, err)
			}
			c, h, w = r.C, r.OutH, r.OutW
			flat = r.Out()
			if err := n.addBlock(r, kind); err != nil {
				return nil, err
			}
		}
	}
	return n, nil
}

// activation returns the activation that follows layer l.
func (l LayerSpec) activation(last bool, act, outAct string) string {
	switch {
	case l.Act != "":
		return l.Act
	case last:
		return outAct
	}
	return act
}

func (n *Net) addBlock(core Core, kind string) error {
	a, err := NewActivation(kind)
	if err != nil {
		return err
	}
	n.Blocks = append(n.Blocks, Block{Core: core, Post: []Layer{a}, Width: core.Out()})
	return nil
}

func (n *Net) addPost(l Layer, width int) {
	b := &n.Blocks[len(n.Blocks)-1]
	b.Post = append(b.Post, l)
	b.Width = width
}
