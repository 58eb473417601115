package nn

import "github.com/creditlab/credit/tensor"

// A noisy Replay runs the blocks above the first through shadows: copies
// that share the blocks' weights but own their buffers, so that the clean
// pass's state, which Backward needs, survives the noisy pass and no clean
// Replay has to restore it. Shadows exist for blocks made of Dense cores
// and activations only (a dropout layer's mask, a pooling layer's argmax
// or a convolution's scratch would have to be shared or copied); for other
// networks a noisy Replay overwrites the state as before.

// shadowState says whether the shadows have been looked for.
type shadowState int8

const (
	shadowUnknown shadowState = iota
	shadowNone                // some block above the first cannot be shadowed
	shadowReady
)

// ReplayKeepsState reports whether a noisy Replay leaves the layers' state
// of the last clean pass intact (then Backward may follow it directly);
// otherwise a clean Replay must run before Backward.
func (n *Net) ReplayKeepsState() bool { return n.shadows() }

// shadows makes the shadow blocks on first use and reports whether they
// exist. The shadows' weights are pointed at the blocks' own before each
// use, so a Net whose weight matrices are replaced stays consistent.
func (n *Net) shadows() bool {
	if n.shadowed == shadowUnknown {
		n.shadowed = shadowNone
		sh := make([]Block, len(n.Blocks))
		for b := 1; b < len(n.Blocks); b++ {
			blk := n.Blocks[b]
			d, ok := blk.Core.(*Dense)
			if !ok {
				return false
			}
			s := Block{Core: &Dense{W: d.W, B: d.B}, Width: blk.Width}
			for _, l := range blk.Post {
				a, ok := l.(*Activation)
				if !ok {
					return false
				}
				s.Post = append(s.Post, &Activation{Kind: a.Kind})
			}
			sh[b] = s
		}
		n.shadow, n.shadowed = sh, shadowReady
	}
	if n.shadowed != shadowReady {
		return false
	}
	for b := 1; b < len(n.Blocks); b++ {
		d, s := n.Blocks[b].Core.(*Dense), n.shadow[b].Core.(*Dense)
		s.W, s.B = d.W, d.B
	}
	return true
}

// replayShadow is the noisy Replay through the shadows: the same
// operations on the same values as through the blocks themselves.
func (n *Net) replayShadow(noise []*tensor.Mat) *tensor.Mat {
	return n.walk(n.shadow, 0, n.Blocks[0].out(), noise)
}
