package feedback

import (
	"math/rand/v2"

	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

func init() {
	Register(Def{Name: "kp", Doc: "Kolen–Pollack (Akrout et al. 2019): layer-wise B receives the same update as Wᵀ and the same weight decay λ (--weight-decay), so B − Wᵀ shrinks by (1−λ) each step; with λ = 0 it stays at its random start", Parts: func() []Part { return []Part{&LayerWise{}, &Tracking{}} }})
}

// Tracking is Kolen–Pollack learning (Akrout et al. 2019): layer-wise
// feedback receives exactly the change the optimiser made to W and the
// same weight decay λ = Options.WeightDecay, F ← (1 − λ)F + ΔW, computed
// as F_new = W_new − (1 − λ)(W_old − F_old), so that W − F shrinks by
// (1 − λ) every step whatever the optimiser. Steps that do not move W do
// not move F.
type Tracking struct {
	f    []*tensor.Mat
	keep float32
	gap  []*tensor.Mat // W − F before the optimiser's step
}

// Attach implements Part.
func (k *Tracking) Attach(r *Rule, net *nn.Net, _ *rand.Rand) error {
	var err error
	k.f, err = layerWise(r, net, "Kolen–Pollack tracking")
	k.keep, k.gap = float32(1-r.Opt.WeightDecay), mats(len(k.f))
	return err
}

// Move implements Mover.
func (k *Tracking) Move(net *nn.Net, update func()) {
	for i, f := range k.f {
		w, d := net.Blocks[i+1].Core.Weight().Data, k.gap[i].Resize(f.Rows, f.Cols).Data
		for j, v := range f.Data {
			d[j] = w[j] - v
		}
	}
	update()
	for i, f := range k.f {
		w, d := net.Blocks[i+1].Core.Weight().Data, k.gap[i].Data
		for j := range f.Data {
			f.Data[j] = w[j] - k.keep*d[j]
		}
	}
}
