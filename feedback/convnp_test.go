package feedback

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/creditlab/credit/metrics"
	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

// convTeacherNet is a tanh conv network whose first hidden site lies
// below a convolution: 2×6×6 images, conv3x3x4 (same padding), conv3x3x4,
// fc3.
func convTeacherNet(t *testing.T, seed uint64) *nn.Net {
	t.Helper()
	sp, err := nn.ParseSpec("conv3x3x4p1,conv3x3x4p1,fc3")
	if err != nil {
		t.Fatal(err)
	}
	net, err := sp.Build(2*6*6, [3]int{2, 6, 6}, "tanh", "linear", rand.New(rand.NewPCG(seed, 1)), rand.New(rand.NewPCG(seed, 2)))
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// np on a conv network with W frozen: the learned feedback kernels of the
// convolution above the first site approach its forward kernels, far below
// fa's chance angle of about 90° (seed 1 measures 90° at the start, 46°
// after 400 batches of 32, 23° after 800, 16° after 1200 at η_B = 1e-4,
// and about 12° from 2000 on).
func TestConvNPAligns(t *testing.T) {
	net := convTeacherNet(t, 1)
	np, err := New("np", net, Options{Noise: 1e-3, Solver: "sgd", FeedbackLR: 1e-4}, rand.New(rand.NewPCG(3, 3)))
	if err != nil {
		t.Fatal(err)
	}
	fa, _ := New("fa", net, Options{}, rand.New(rand.NewPCG(4, 4)))
	angle := func(r *Rule, i int) float64 {
		return metrics.Angle(r.Feedback()[i].Data, net.Blocks[i+1].Core.Weight().Data)
	}
	start := angle(np, 0)
	var a []float64
	trainFeedback(np, net, nn.SquaredError{}, newTeacher(6, 72, 3, 32), 1200, 400, func(int) { a = append(a, angle(np, 0)) })
	t.Logf("conv kernels' weight angle: %.1f° at the start, %.1f every 400 steps; fa's %.1f°", start, a, angle(fa, 0))
	if end := a[len(a)-1]; !(end < 30) || !(end < angle(fa, 0)-45) {
		t.Errorf("np's conv feedback kernels end %.1f° from W (fa's %.1f°), want below 30° and well below fa's", end, angle(fa, 0))
	}
}

// With its feedback kernels set to the forward kernels, np on a conv
// network delivers backprop's error, bit for bit.
func TestConvNPWithWIsBP(t *testing.T) {
	net := convTeacherNet(t, 2)
	x, y := batch(net, 4, rand.New(rand.NewPCG(5, 5)))
	bp := step(t, "bp", net, x, y, nil)
	np := step(t, "np", net, x, y, tieToW(net))
	for _, b := range differing(np, bp) {
		t.Errorf("block %d: conv np with F = W differs from bp", b)
	}
}

// The kernels' step is the gradient of the batch-summed regression loss
// ½‖convᵀ(F, ẽ) − λ̂‖²: it matches central differences of coreLoss.
func TestConvKernelStepIsGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	c := nn.NewConv2D(2, 5, 5, 3, 3, 1, 1, rng)
	e, lam := tensor.New(4, c.Out()), tensor.New(4, c.In())
	for _, m := range []*tensor.Mat{e, lam} {
		for k := range m.Data {
			m.Data[k] = float32(rng.NormFloat64())
		}
	}
	F := c.W.Clone()
	k := &coreSGD{lr: 1}
	before := F.Clone()
	k.update(c, F, e, nil, lam)
	const h = 1e-2
	for _, j := range []int{0, 7, 20, len(F.Data) - 1} {
		p, m := before.Clone(), before.Clone()
		p.Data[j] += h
		m.Data[j] -= h
		num := float64(e.Rows) * (coreLoss(c, p, e, lam) - coreLoss(c, m, e, lam)) / (2 * h)
		got := float64(before.Data[j] - F.Data[j]) // one step at η_B = 1
		if math.Abs(got-num) > 1e-2*(1+math.Abs(num)) {
			t.Errorf("kernel %d: step %v, numerical gradient %v", j, got, num)
		}
	}
}
