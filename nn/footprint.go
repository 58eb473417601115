package nn

import "fmt"

// Footprint is the size of the network a Spec describes, worked out from the
// Spec and the data's shape without building it, so that a network far too
// large for the machine can be refused before its weights are allocated.
// Counts are of float32 values (a pooling layer's int32 indices count as
// values too) and are float64, so that no network the grammar allows (widths
// up to 2²⁰) overflows.
type Footprint struct {
	// Per block (a conv or fc layer with what follows it), input to output:
	Weights []float64 // entries of the weight matrix W (Out×In for fc, Filters×(InC·K·K) for conv)
	Biases  []float64 // entries of the bias
	Outs    []float64 // the core's output width per example (ẽ's width)
	Widths  []float64 // the block's output width per example (after pooling and dropout): a hidden site's width, but for the last block

	// Activations is the number of values one forward and backward pass
	// keeps per example: each layer's output and its input error, dropout
	// masks and pooling indices, but for the errors at the hidden sites
	// (the blocks' Widths but the last), which a rule delivers.
	Activations float64
	// Scratch is the number of values a worker thread holds whatever the
	// batch (a conv layer's im2col matrices), and Shared those held once
	// (a conv layer's partial weight gradients).
	Scratch, Shared float64
}

// Params returns the number of weights and biases.
func (f *Footprint) Params() float64 {
	var n float64
	for i := range f.Weights {
		n += f.Weights[i] + f.Biases[i]
	}
	return n
}

// Footprint returns the size of the network Build(in, shape, …) would
// return, or the error Build would return for a network that does not fit
// the data. It allocates nothing that grows with the network.
func (sp *Spec) Footprint(in int, shape [3]int) (*Footprint, error) {
	if sp.Input != 0 && sp.Input != in {
		return nil, fmt.Errorf("input width %d does not match the data's %d", sp.Input, in)
	}
	f := &Footprint{}
	c, h, w := float64(shape[0]), float64(shape[1]), float64(shape[2])
	flat := float64(in)
	if sp.Layers[0].Kind == "conv" && c*h*w != flat {
		return nil, fmt.Errorf("conv layers need image data (this data set has no image shape)")
	}
	for _, l := range sp.Layers {
		switch l.Kind {
		case "conv":
			k, s, p := float64(l.Size), float64(l.Stride), float64(l.Pad)
			if h+2*p < k || w+2*p < k {
				return nil, fmt.Errorf("conv%dx%d: kernel larger than its %.0fx%.0f input", l.Size, l.Size, h, w)
			}
			oh, ow := floorDiv(h+2*p-k, s)+1, floorDiv(w+2*p-k, s)+1
			fan := c * k * k
			out := float64(l.Filter) * oh * ow
			f.add(float64(l.Filter)*fan, float64(l.Filter), out)
			// im2col and its transpose's product, per thread; the
			// partial weight gradients of convGroups groups.
			f.Scratch += 2 * fan * oh * ow
			f.Shared += convGroups*float64(l.Filter)*fan + out
			c, h, w, flat = float64(l.Filter), oh, ow, out
		case "pool":
			s := float64(l.Stride)
			h, w = floorDiv(h+s-1, s), floorDiv(w+s-1, s)
			out := c * h * w
			f.Activations += 2*out + flat // output, indices, input error
			f.Widths[len(f.Widths)-1] = out
			flat = out
		case "fc":
			f.add(float64(l.Size)*flat, float64(l.Size), float64(l.Size))
			flat = float64(l.Size)
		case "drop":
			f.Activations += 3 * flat // output, mask, input error
		}
	}
	return f, nil
}

// add records a block whose core gives out values per example, with the given
// numbers of weights and biases: the core's output and its activation's
// output and input error. (The core's input error is the error at the
// hidden site below, which the caller counts with the sites.)
func (f *Footprint) add(weights, biases, out float64) {
	f.Weights = append(f.Weights, weights)
	f.Biases = append(f.Biases, biases)
	f.Outs = append(f.Outs, out)
	f.Widths = append(f.Widths, out)
	f.Activations += 3 * out
}

// floorDiv is ⌊a/b⌋ for a ≥ 0, b > 0 held exactly in float64.
func floorDiv(a, b float64) float64 {
	q := a / b
	return float64(int64(q))
}
