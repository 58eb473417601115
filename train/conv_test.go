package train

import (
	"context"
	"github.com/creditlab/credit/config"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/creditlab/credit/data"
	"github.com/creditlab/credit/feedback"
	"github.com/creditlab/credit/nn"
)

// blobs is a synthetic image task: 2×8×8 images of noise (sd 0.5) with a
// faint 3×3 blob (+0.5) whose position (one of three) and channel give the
// class.
func blobs(n int, seed uint64) *data.Dataset {
	rng := rand.New(rand.NewPCG(seed, 7))
	const c, h, w, classes = 2, 8, 8, 3
	d := &data.Dataset{Name: "blobs", N: n, In: c * h * w, Out: classes, Classes: classes, Shape: [3]int{c, h, w},
		X: make([]float32, n*c*h*w), Y: make([]float32, n*classes), Labels: make([]int, n)}
	corners := [classes][2]int{{1, 1}, {1, 4}, {4, 2}}
	for i := 0; i < n; i++ {
		k := rng.IntN(classes)
		d.Labels[i], d.Y[i*classes+k] = k, 1
		img := d.X[i*c*h*w : (i+1)*c*h*w]
		for j := range img {
			img[j] = float32(rng.NormFloat64() * 0.5)
		}
		ch := k % c
		for y := 0; y < 3; y++ {
			for x := 0; x < 3; x++ {
				img[ch*h*w+(corners[k][0]+y)*w+corners[k][1]+x] += 0.5
			}
		}
	}
	return d
}

// A short conv run on the synthetic task learns under every rule: chance
// is 67 % error; after 8 epochs of 600 images seed 1 measures bp 12 %,
// dfa 14 %, npdfa 14 %, fa 15 %, usf 9 %, brsf 12 %, frsf 11 %, wm 14 %,
// kp 14 %, np 13 % at a 3× smaller step and plain node perturbation 20 % at
// a 30× smaller step (at 1/10 it measured 27 % with one GEMM kernel and 53 %
// with another: its per-step noise makes it unstable near there). np at the
// full step is unstable too: seeds 1–8 ended at chance on 2 of 8 seeds (4
// of 6 with the earlier NormFloat64 noise); at 1/3 every seed ended between
// 10 % and 17 % with either noise generator. Bounds: 25 %, and 45 % for
// nodepert. fga at nodepert's step measures 12 % (bound 45 %), fgw at a
// 330× smaller step 40 % (its noise spans all 1,167 parameters; bound 55 %).
func TestConvEveryRuleLearns(t *testing.T) {
	trainSet, testSet := blobs(600, 1), blobs(300, 2)
	for _, rule := range feedback.Names() {
		t.Run(rule, func(t *testing.T) {
			c := config.Default()
			c.Data, c.Net, c.Act, c.Loss, c.Rule = "blobs", "conv3x3x4,pool2s2,fc16,drop0.1,fc3", "tanh", "ce", rule
			c.Opt, c.LR, c.Epochs, c.Batch, c.DiagBatch = "momentum", 0.01, 8, 20, 100
			c.Noise, c.FeedbackSolver = 1e-2, "ridge"
			c.Out = filepath.Join(t.TempDir(), "run")
			bound := 0.25
			switch rule {
			case "nodepert":
				c.LR, bound = 3e-4, 0.45
			case "np":
				c.LR = 3e-3
			case "fga":
				c.LR, bound = 3e-4, 0.45
			case "fgw":
				c.LR, bound = 3e-5, 0.55
			}
			spec, err := nn.ParseSpec(c.Net)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := newTrainer(c, spec, trainSet, testSet)
			if err != nil {
				t.Fatal(err)
			}
			if err := tr.create(); err != nil {
				t.Fatal(err)
			}
			s, err := summary(tr.run(context.Background(), Options{}))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: test error %.3f, delta angles %.1f° %.1f°", rule, float64(s.TestError), float64(s.Layers[0].DeltaAngle), float64(s.Layers[1].DeltaAngle))
			if e := float64(s.TestError); !(e < bound) {
				t.Errorf("%s: test error %.3f after %d epochs, want < %.2f", rule, e, c.Epochs, bound)
			}
		})
	}
}
