package feedback

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/creditlab/credit/metrics"
	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

// teacher draws batches x ~ N(0, I), y = T·x for a fixed random T.
type teacher struct {
	rng  *rand.Rand
	T    *tensor.Mat // out × in
	x, y *tensor.Mat
}

func newTeacher(seed uint64, in, out, batch int) *teacher {
	rng := rand.New(rand.NewPCG(seed, 99))
	t := &teacher{rng: rng, T: tensor.New(out, in), x: tensor.New(batch, in), y: tensor.New(batch, out)}
	for i := range t.T.Data {
		t.T.Data[i] = float32(rng.NormFloat64() / math.Sqrt(float64(in)))
	}
	return t
}

func (t *teacher) next() (*tensor.Mat, *tensor.Mat) {
	for i := range t.x.Data {
		t.x.Data[i] = float32(t.rng.NormFloat64())
	}
	tensor.MatMul(false, true, 1, t.x, t.T, 0, t.y)
	return t.x, t.y
}

// train runs steps of rule r with W frozen (feedback learning only) and
// calls check every `every` steps.
func trainFeedback(r *Rule, net *nn.Net, loss nn.Loss, tch *teacher, steps, every int, check func(step int)) {
	g := nn.NewGrads(net)
	rng := rand.New(rand.NewPCG(5, 5))
	for s := 1; s <= steps; s++ {
		x, y := tch.next()
		r.Step(net, loss, 1, x, y, g, rng, true)
		if s%every == 0 {
			check(s)
		}
	}
}

// E1 (SPEC §5): in a linear 30-10-10-10 network with W fixed, ridge-learned
// feedback converges to Wᵀ. The top matrix's relative error falls with
// samples and ends below 0.05 after 6.4·10⁴ batches of 32 at c = 1e-3; the
// lower matrix's falls too. A linear network with squared error gives λ̂ no
// bias, so the error is estimator variance, falling like 1/√samples: seed 1
// measures 0.094 after 10⁴ batches, 0.057 after 3·10⁴, 0.043 after 6.4·10⁴
// and 0.032 after 1.6·10⁵ (about N^-0.4), so the bound
// is checked at the end of the run.
func TestE1LinearRidgeConverges(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	net, _ := nn.NewMLP([]int{30, 10, 10, 10}, "linear", "linear", rng)
	r, err := New("np", net, Options{Noise: 1e-3, Solver: "ridge", Ridge: 0.1}, rng)
	if err != nil {
		t.Fatal(err)
	}
	var top, low []float64
	trainFeedback(r, net, nn.SquaredError{}, newTeacher(2, 30, 10, 32), 64000, 8000, func(int) {
		top = append(top, metrics.RelativeError(r.Feedback()[1].Data, net.Blocks[2].Core.Weight().Data))
		low = append(low, metrics.RelativeError(r.Feedback()[0].Data, net.Blocks[1].Core.Weight().Data))
	})
	t.Logf("relative error every 8000 steps: top %.4f", top)
	t.Logf("                                 low %.4f", low)
	if !(top[len(top)-1] < 0.05) {
		t.Errorf("top feedback relative error %.4f after 6.4·10⁴ steps, want < 0.05", top[len(top)-1])
	}
	if !(top[len(top)-1] < top[0]/2) {
		t.Errorf("top error did not fall: %.4f → %.4f", top[0], top[len(top)-1])
	}
	if !(low[len(low)-1] < low[0]) || !(low[len(low)-1] < 0.5) {
		t.Errorf("lower feedback error did not fall: %.4f → %.4f", low[0], low[len(low)-1])
	}
}

// In a sigmoid network with W frozen, np's top feedback matrix aligns with
// Wᵀ far beyond fa's chance level of about 90°, and keeps aligning with more
// samples; the lower matrix aligns too; np's error delivery beats fa's.
func TestNPAlignsNonlinear(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	net, _ := nn.NewMLP([]int{20, 30, 20, 10}, "sigmoid", "linear", rng)
	fa, _ := New("fa", net, Options{}, rand.New(rand.NewPCG(4, 4)))
	np, _ := New("np", net, Options{Noise: 1e-3, Solver: "ridge", Ridge: 0.1}, rng)
	angle := func(r *Rule, i int) float64 {
		return metrics.Angle(r.Feedback()[i].Data, net.Blocks[i+1].Core.Weight().Data)
	}
	var topA, lowA []float64
	trainFeedback(np, net, nn.SquaredError{}, newTeacher(6, 20, 10, 32), 4000, 1000, func(int) {
		topA = append(topA, angle(np, 1))
		lowA = append(lowA, angle(np, 0))
	})
	t.Logf("np weight angles every 1000 steps: top %.1f, low %.1f; fa: top %.1f, low %.1f", topA, lowA, angle(fa, 1), angle(fa, 0))
	if !(topA[len(topA)-1] < 20) || !(topA[len(topA)-1] < topA[0]) {
		t.Errorf("np top weight angle %.1f° → %.1f°, want falling below 20°", topA[0], topA[len(topA)-1])
	}
	if !(lowA[len(lowA)-1] < lowA[0]-5) || !(lowA[len(lowA)-1] < angle(fa, 0)-15) {
		t.Errorf("np lower weight angle %.1f° → %.1f°, fa's %.1f°: want falling, and well below fa's", lowA[0], lowA[len(lowA)-1], angle(fa, 0))
	}
	// Delta angles on a fresh batch, against backprop.
	x, y := newTeacher(7, 20, 10, 256).next()
	deltaAngle := func(r *Rule) float64 {
		bp, _ := New("bp", net, Options{}, rng)
		gr, gb := nn.NewGrads(net), nn.NewGrads(net)
		r.Step(net, nn.SquaredError{}, 1, x, y, gr, rand.New(rand.NewPCG(8, 8)), false)
		bp.Step(net, nn.SquaredError{}, 1, x, y, gb, nil, false)
		return metrics.Angle(gr.Delta[0].Data, gb.Delta[0].Data)
	}
	if a, b := deltaAngle(np), deltaAngle(fa); !(a < b-20) {
		t.Errorf("lowest-layer delta angle: np %.1f°, fa %.1f°", a, b)
	}
}

// exactLambda returns ∂L/∂h at every hidden site from a backprop pass.
func exactLambda(net *nn.Net, x, y *tensor.Mat) []*tensor.Mat {
	bp, _ := New("bp", net, Options{}, nil)
	g := nn.NewGrads(net)
	bp.Step(net, nn.SquaredError{}, 1, x, y, g, nil, false)
	var lam []*tensor.Mat
	for i := 0; i < net.Sites(); i++ {
		c := net.Blocks[i+1].Core
		m := &tensor.Mat{}
		c.InputGrad(g.Delta[i+1], c.Weight(), m)
		lam = append(lam, m)
	}
	return lam
}

// The mean of λ̂ over many noise draws matches the exact ∂L/∂h (to first
// order in c; c = 1e-3 makes the bias negligible). With D draws the mean's
// relative error is about √(width/D)·(spread of ξ·λ̂): 20000 draws give a
// few percent, so 0.1 is a safe bound that a wrong sign or scale fails.
func TestLambdaUnbiased(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	net, _ := nn.NewMLP([]int{8, 6, 5, 4}, "sigmoid", "linear", rng)
	x, y := newTeacher(10, 8, 4, 4).next()
	want := exactLambda(net, x, y)
	r, _ := New("nodepert", net, Options{Noise: 1e-3}, rng)
	g := nn.NewGrads(net)
	sum := []*tensor.Mat{tensor.New(4, 6), tensor.New(4, 5)}
	const draws = 20000
	noise := rand.New(rand.NewPCG(11, 11))
	for d := 0; d < draws; d++ {
		r.Step(net, nn.SquaredError{}, 1, x, y, g, noise, false)
		for i := range sum {
			tensor.Axpy(1.0/draws, r.Lambda(i).Data, sum[i].Data)
		}
	}
	for i := range sum {
		re := metrics.RelativeError(sum[i].Data, want[i].Data)
		t.Logf("site %d: relative error of mean λ̂ %.4f", i, re)
		if !(re < 0.1) {
			t.Errorf("site %d: mean of λ̂ is off the exact gradient by %.3f", i, re)
		}
	}
}

// nodepert's weight update averages to backprop's over many draws, but a
// single step is far noisier than np's with learned feedback.
func TestNodePertUnbiasedButNoisy(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	net, _ := nn.NewMLP([]int{8, 20, 20, 4}, "sigmoid", "linear", rng)
	x, y := newTeacher(13, 8, 4, 16).next()
	bp, _ := New("bp", net, Options{}, nil)
	gb := nn.NewGrads(net)
	bp.Step(net, nn.SquaredError{}, 1, x, y, gb, nil, false)

	r, _ := New("nodepert", net, Options{Noise: 1e-3}, rng)
	g := nn.NewGrads(net)
	mean := tensor.New(20, 8)
	noise := rand.New(rand.NewPCG(14, 14))
	const draws = 20000
	var single float64
	for d := 0; d < draws; d++ {
		r.Step(net, nn.SquaredError{}, 1, x, y, g, noise, false)
		if d == 0 {
			single = metrics.Angle(g.W[0].Data, gb.W[0].Data)
		}
		tensor.Axpy(1.0/draws, g.W[0].Data, mean.Data)
	}
	avg := metrics.Angle(mean.Data, gb.W[0].Data)

	// np with feedback learned on the frozen network first.
	np, _ := New("np", net, Options{Noise: 1e-3, Solver: "ridge", Ridge: 0.1}, rng)
	trainFeedback(np, net, nn.SquaredError{}, newTeacher(15, 8, 4, 32), 3000, 3000, func(int) {})
	gn := nn.NewGrads(net)
	np.Step(net, nn.SquaredError{}, 1, x, y, gn, noise, false)
	npAngle := metrics.Angle(gn.W[0].Data, gb.W[0].Data)
	t.Logf("first-layer update angle to bp: nodepert one step %.1f°, mean of %d %.1f°; np one step %.1f°", single, draws, avg, npAngle)
	if !(avg < 10) {
		t.Errorf("nodepert's mean update is %.1f° from backprop's", avg)
	}
	if !(single > 45) || !(npAngle < single-30) {
		t.Errorf("one step: nodepert %.1f°, np %.1f°; want nodepert far noisier", single, npAngle)
	}
}

// With no noise and no feedback learning np is fa, bit for bit.
func TestNPWithoutNoiseIsFA(t *testing.T) {
	net, x, y := fixture(t, 6)
	fa := step(t, "fa", net, x, y, nil)
	r, _ := New("np", net, Options{Noise: 0, Solver: "sgd", FeedbackLR: 0}, rand.New(rand.NewPCG(7, 7)))
	g := nn.NewGrads(net)
	r.Step(net, nn.SquaredError{}, 1, x, y, g, rand.New(rand.NewPCG(8, 8)), true)
	for b := range g.W {
		if !equal(g.W[b].Data, fa.W[b].Data) {
			t.Errorf("block %d: np without noise differs from fa", b)
		}
	}
}

// The two solvers agree: SGD on the feedback converges to the ridge
// solution on a fixed regression problem.
func TestSolversAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 16))
	e, lam := tensor.New(64, 3), tensor.New(64, 5)
	truth := tensor.New(3, 5)
	for _, m := range []*tensor.Mat{e, truth} {
		for i := range m.Data {
			m.Data[i] = float32(rng.NormFloat64())
		}
	}
	tensor.MatMul(false, false, 1, e, truth, 0, lam)
	ridge, sgd := tensor.New(3, 5), tensor.New(3, 5)
	rl, sl := &Ridge{Gamma: 1e-6}, &SGD{LR: 0.005}
	rl.Update(0, ridge, e, lam, 1)
	for k := 0; k < 2000; k++ {
		sl.Update(0, sgd, e, lam, 1)
	}
	if re := metrics.RelativeError(ridge.Data, truth.Data); re > 1e-4 {
		t.Errorf("ridge relative error %.2g on noiseless data", re)
	}
	if re := metrics.RelativeError(sgd.Data, truth.Data); re > 1e-3 {
		t.Errorf("sgd relative error %.2g on noiseless data", re)
	}
}

// With PerturbLoss set, λ̂ estimates the gradient of that loss, not of the
// training loss (the paper's CNN variant): its mean matches backprop's
// ∂L/∂h under ½‖softmax(ŷ) − y‖², and is far from the cross-entropy one.
func TestPerturbLoss(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 21))
	net, _ := nn.NewMLP([]int{8, 6, 4}, "tanh", "linear", rng)
	x, y := newTeacher(22, 8, 4, 4).next()
	for n := 0; n < 4; n++ { // one-hot targets
		row := y.Row(n)
		clear(row)
		row[n%4] = 1
	}
	exact := func(loss nn.Loss) *tensor.Mat {
		bp, _ := New("bp", net, Options{}, nil)
		g := nn.NewGrads(net)
		bp.Step(net, loss, 1, x, y, g, nil, false)
		m := &tensor.Mat{}
		c := net.Blocks[1].Core
		c.InputGrad(g.Delta[1], c.Weight(), m)
		return m
	}
	r, _ := New("nodepert", net, Options{Noise: 1e-3, PerturbLoss: "softmax-mse"}, rng)
	g := nn.NewGrads(net)
	mean := tensor.New(4, 6)
	noise := rand.New(rand.NewPCG(23, 23))
	const draws = 20000
	for d := 0; d < draws; d++ {
		r.Step(net, nn.SoftmaxCE{}, 1, x, y, g, noise, false)
		tensor.Axpy(1.0/draws, r.Lambda(0).Data, mean.Data)
	}
	mse, ce := exact(nn.SoftmaxMSE{}), exact(nn.SoftmaxCE{})
	reMSE, reCE := metrics.RelativeError(mean.Data, mse.Data), metrics.RelativeError(mean.Data, ce.Data)
	t.Logf("mean λ̂ vs softmax-mse gradient %.3f, vs ce gradient %.3f", reMSE, reCE)
	if !(reMSE < 0.1) || !(reCE > 0.3) {
		t.Errorf("mean λ̂: relative error %.3f to the softmax-mse gradient, %.3f to the ce gradient", reMSE, reCE)
	}
}

// Ridge's state restored into a new learner continues exactly: two more
// updates give the same feedback, bit for bit, as the original learner's.
// State that does not fit the feedback shapes is refused.
func TestRidgeState(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 17))
	batch := func() (*tensor.Mat, *tensor.Mat) {
		e, lam := tensor.New(8, 3), tensor.New(8, 5)
		for _, m := range []*tensor.Mat{e, lam} {
			for i := range m.Data {
				m.Data[i] = float32(rng.NormFloat64())
			}
		}
		return e, lam
	}
	F := []*tensor.Mat{tensor.New(3, 5), tensor.New(4, 2)}
	a := &Ridge{Gamma: 0.1}
	e, lam := batch()
	a.Update(0, F[0], e, lam, 1) // site 1 never updated: its state stays empty
	var _ StatefulSolver = a
	b := &Ridge{Gamma: 0.1}
	if err := b.SetState(F, a.State()); err != nil {
		t.Fatal(err)
	}
	Fb := tensor.New(3, 5)
	copy(Fb.Data, F[0].Data)
	for k := 0; k < 2; k++ {
		e, lam = batch()
		a.Update(0, F[0], e, lam, 1)
		b.Update(0, Fb, e, lam, 1)
	}
	for i := range Fb.Data {
		if math.Float32bits(Fb.Data[i]) != math.Float32bits(F[0].Data[i]) {
			t.Fatalf("restored ridge differs at %d: %v vs %v", i, Fb.Data[i], F[0].Data[i])
		}
	}
	bad := [][][]float64{
		{make([]float64, 9)},                                // odd count
		{make([]float64, 9), make([]float64, 14)},           // M of the wrong shape
		{make([]float64, 4), make([]float64, 15)},           // V of the wrong shape
		make([][]float64, 6),                                // more sites than matrices
		{nil, nil, make([]float64, 16), make([]float64, 8)}, // site 1 is 4×2: V 16, M 8 fits
	}
	for i, s := range bad[:4] {
		if err := b.SetState(F, s); err == nil {
			t.Errorf("bad state %d accepted", i)
		}
	}
	if err := b.SetState(F, bad[4]); err != nil {
		t.Errorf("good state refused: %v", err)
	}
}

// Ridge's γ is in summed-loss units whatever the reduction: the same steps
// with a mean over the batch (scale 1/b, so ẽ and λ̂ are 1/b of their summed
// values) learn the same B as with the sum, to float rounding. Without the
// rescaling, γ = 0.1 would act as 0.1·b² = 6.4 here and pin B near zero
// (the relative difference would be of order 1).
func TestRidgeGammaInSummedUnits(t *testing.T) {
	for _, name := range []string{"np", "npdfa"} {
		var fs [2][]*tensor.Mat
		for k, scale := range []float32{1, 1.0 / 8} {
			net, x, y := fixture(t, 31)
			r, err := New(name, net, Options{Noise: 1e-3, Solver: "ridge", Ridge: 0.1}, rand.New(rand.NewPCG(7, 7)))
			if err != nil {
				t.Fatal(err)
			}
			g, rng := nn.NewGrads(net), rand.New(rand.NewPCG(8, 8))
			for s := 0; s < 5; s++ {
				r.Step(net, nn.SquaredError{}, scale, x, y, g, rng, true)
			}
			fs[k] = r.Feedback()
		}
		for i := range fs[0] {
			if e := metrics.RelativeError(fs[1][i].Data, fs[0][i].Data); !(e < 1e-4) {
				t.Errorf("%s: B at site %d under the mean is %.3g from the sum's (relative)", name, i+1, e)
			}
		}
	}
}
