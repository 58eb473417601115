package nn

import (
	"math/rand/v2"

	"github.com/creditlab/credit/tensor"
)

// Dropout zeroes each unit with probability P during training and scales
// the survivors by 1/(1−P) ("inverted" dropout), so evaluation is the
// identity. A fresh mask is drawn by each Net.Forward in training mode;
// Net.Replay keeps it, so the clean and noisy passes of one step share it.
type Dropout struct {
	P    float32
	rng  *rand.Rand
	mask []float32 // 0 or 1/(1−P) per element of the last training batch
	// training and redraw are set by the Net before each pass.
	training, redraw bool
	out, dx, tan     tensor.Mat
}

// NewDropout returns a dropout layer drawing its masks from rng.
func NewDropout(p float64, rng *rand.Rand) *Dropout { return &Dropout{P: float32(p), rng: rng} }

// Output returns the result of the last Forward.
func (d *Dropout) Output() *tensor.Mat { return &d.out }

// Forward applies the mask (training) or copies x (evaluation).
func (d *Dropout) Forward(x *tensor.Mat) *tensor.Mat {
	if d.training && (d.redraw || len(d.mask) != len(x.Data)) {
		if cap(d.mask) < len(x.Data) {
			d.mask = make([]float32, len(x.Data))
		}
		d.mask = d.mask[:len(x.Data)]
		keep := 1 / (1 - d.P)
		for i := range d.mask {
			if d.rng.Float32() < d.P {
				d.mask[i] = 0
			} else {
				d.mask[i] = keep
			}
		}
		d.redraw = false
	}
	return d.masked(&d.out, x)
}

// Backward applies the same mask to the error.
func (d *Dropout) Backward(dy *tensor.Mat) *tensor.Mat { return d.masked(&d.dx, dy) }

// Tangent applies the last Forward's mask to the tangent dx (it copies dx
// in evaluation): dropout is linear in its input.
func (d *Dropout) Tangent(dx *tensor.Mat) *tensor.Mat { return d.masked(&d.tan, dx) }

// masked sets dst to src times the current mask (a copy of src in
// evaluation): Forward, Backward and Tangent alike, dropout being linear in
// its input.
func (d *Dropout) masked(dst, src *tensor.Mat) *tensor.Mat {
	dst.Resize(src.Rows, src.Cols)
	if !d.training {
		copy(dst.Data, src.Data)
		return dst
	}
	for i, v := range src.Data {
		dst.Data[i] = v * d.mask[i]
	}
	return dst
}
