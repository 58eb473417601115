package feedback

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/creditlab/credit/nn"
	"github.com/creditlab/credit/tensor"
)

// tinyResNet is a narrow ResNet on 3×8×8 images: a conv-BN stem, blocks
// with an identity, an option-A and a projection shortcut, global average
// pooling and fc3 (ResNet-20's shape at a size the tests can afford).
func tinyResNet(t *testing.T) (*nn.Net, *tensor.Mat, *tensor.Mat) {
	return resNet(t, "conv3x3x4:relu,bn,res4:relu,res6s2:relu,res8s2p:relu,gap,fc3")
}

// narrowResNet20 is ResNet-20's topology (a stem, three stages of three
// blocks, option-A shortcuts) at widths 2, 4 and 8 on 3×8×8 images.
func narrowResNet20(t *testing.T) (*nn.Net, *tensor.Mat, *tensor.Mat) {
	return resNet(t, "conv3x3x2:relu,bn,res2:relu,res2:relu,res2:relu,res4s2:relu,res4:relu,res4:relu,res8s2:relu,res8:relu,res8:relu,gap,fc3")
}

func resNet(t *testing.T, spec string) (*nn.Net, *tensor.Mat, *tensor.Mat) {
	t.Helper()
	sp, err := nn.ParseSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	net, err := sp.Build(3*8*8, [3]int{3, 8, 8}, "relu", "linear", rand.New(rand.NewPCG(1, 1)), nil)
	if err != nil {
		t.Fatal(err)
	}
	x, y := batch(net, 6, rand.New(rand.NewPCG(2, 2)))
	net.Training = true
	return net, x, y
}

func ceStep(t *testing.T, name string, net *nn.Net, x, y *tensor.Mat, setup func(*Rule)) *nn.Grads {
	t.Helper()
	r, err := New(name, net, Options{}, rand.New(rand.NewPCG(7, 7)))
	if err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(r)
	}
	g := nn.NewGrads(net)
	r.Step(net, nn.SoftmaxCE{}, 1, x, y, g, rand.New(rand.NewPCG(8, 8)), false)
	return g
}

// fa with F = W equals bp bit for bit through batch normalisation and
// residual blocks (every kernel inside a block included), in training and
// in evaluation mode; with the feedback of one convolution inside a block
// changed (its conv₂, which no site lies below), the gradients of the
// layers it reaches change, and no others.
func TestResNetFAWithTransposeIsBP(t *testing.T) {
	for _, training := range []bool{true, false} {
		// ResNet-20's shape: every block, bit for bit.
		net, x, y := narrowResNet20(t)
		net.Training = training
		bp, fa := ceStep(t, "bp", net, x, y, nil), ceStep(t, "fa", net, x, y, tieToW(net))
		for _, b := range differing(fa, bp) {
			t.Errorf("narrow ResNet-20, training %v, block %d: fa with F = W differs from bp", training, b)
		}
		net, x, y = tinyResNet(t)
		net.Training = training
		tie := tieToW(net)
		bp = ceStep(t, "bp", net, x, y, nil)
		fa = ceStep(t, "fa", net, x, y, tie)
		for _, b := range differing(fa, bp) {
			t.Errorf("training %v, block %d: fa with F = W differs from bp", training, b)
		}
		// Perturb conv₂'s feedback inside the second residual block (block
		// 2, whose feedback is F[1]): conv₁ of that block and everything
		// below it change; conv₂'s own gradient and the blocks above do not.
		res := net.Blocks[2].Core.(*nn.Residual)
		seg := nn.Segments(res)[1]
		fa = ceStep(t, "fa", net, x, y, func(r *Rule) {
			tie(r)
			f := r.Feedback()[1].Data
			for k := seg.Off; k < seg.Off+seg.Rows*seg.Cols; k++ {
				f[k] *= -1
			}
		})
		s1 := nn.Segments(res)[0]
		if equal(fa.W[2].Data[s1.Off:s1.Off+s1.Rows*s1.Cols], bp.W[2].Data[s1.Off:s1.Off+s1.Rows*s1.Cols]) {
			t.Error("conv₁'s gradient ignores the feedback standing in for conv₂ inside the block")
		}
		if !equal(fa.W[2].Data[seg.Off:seg.Off+seg.Rows*seg.Cols], bp.W[2].Data[seg.Off:seg.Off+seg.Rows*seg.Cols]) {
			t.Error("conv₂'s own gradient changed with its feedback")
		}
		for b := 3; b < len(bp.W); b++ {
			if !equal(fa.W[b].Data, bp.W[b].Data) {
				t.Errorf("block %d above the changed feedback changed", b)
			}
		}
		if equal(fa.W[0].Data, bp.W[0].Data) {
			t.Error("the stem below the changed feedback did not change")
		}
	}
}

// Every rule either runs a step on the ResNet, with finite gradients, or
// refuses it in one line naming what it cannot handle.
func TestResNetEveryRule(t *testing.T) {
	refuse := map[string]string{"wm": "residual block", "pfa": "residual block", "np": "residual block"}
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			net, x, y := tinyResNet(t)
			r, err := New(name, net, Options{Noise: 1e-3, Solver: "sgd", FeedbackLR: 1e-3, FeedbackDecay: 1e-3, Directions: 1}, rand.New(rand.NewPCG(7, 7)))
			if want, ok := refuse[name]; ok {
				if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("%s: error %v, want one line naming %q", name, err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			g := nn.NewGrads(net)
			r.Step(net, nn.SoftmaxCE{}, 1, x, y, g, rand.New(rand.NewPCG(8, 8)), true)
			for b := range g.W {
				for _, v := range g.W[b].Data {
					if v != v {
						t.Fatalf("%s: NaN gradient in block %d", name, b)
					}
				}
			}
		})
	}
}
