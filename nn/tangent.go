package nn

import "github.com/creditlab/credit/tensor"

// Tangent runs the forward-mode (Jacobian–vector product) pass of the last
// Forward and returns dŷ (batch × Out), the directional derivative of the
// network's output along
//   - weight and bias tangents dW[b] (block b's W shape) and dB[b] (its
//     bias's length), one per block; dW == nil, or a nil entry of both, is
//     a zero tangent for that block;
//   - site tangents dSite[i] (batch × SiteWidth(i)), added to the tangent
//     at hidden site i, where Forward adds noise: dSite == nil, or a nil
//     entry, is zero. A site tangent ξ gives the derivative of the noisy
//     pass Forward(x, c·ξ) with respect to c at c = 0.
//
// The input's tangent is zero, and blocks below the first non-zero tangent
// are skipped. Tangent reads what the last Forward (or Rerun, Replay) kept,
// dropout masks included, and changes nothing that Backward needs, so it
// may run any number of times between a clean pass and Backward. The
// result is valid until the next Tangent; with no tangent at all it is
// zero.
func (n *Net) Tangent(dW []*tensor.Mat, dB [][]float32, dSite []*tensor.Mat) *tensor.Mat {
	if len(n.tan) != len(n.Blocks) {
		n.tan = make([]tensor.Mat, len(n.Blocks))
		n.tanSite = make([]tensor.Mat, n.Sites())
	}
	var t *tensor.Mat // nil: zero so far
	for b := range n.Blocks {
		blk := &n.Blocks[b]
		var w *tensor.Mat
		var bias []float32
		if dW != nil {
			w = dW[b]
		}
		if dB != nil {
			bias = dB[b]
		}
		if t != nil || w != nil || bias != nil {
			blk.Core.Tangent(t, w, bias, &n.tan[b])
			t = &n.tan[b]
			for _, l := range blk.Post {
				t = l.Tangent(t)
			}
		}
		if b < n.Sites() && dSite != nil && dSite[b] != nil {
			if t == nil {
				t = dSite[b]
			} else {
				buf := &n.tanSite[b]
				tensor.Add(buf.Resize(t.Rows, t.Cols).Data, t.Data, dSite[b].Data)
				t = buf
			}
		}
	}
	if t == nil {
		last := &n.tan[len(n.tan)-1]
		last.Resize(n.Blocks[len(n.Blocks)-1].out().Rows, n.Out())
		last.Zero()
		t = last
	}
	return t
}
