package nn

import (
	"math/rand/v2"
	"testing"

	"github.com/creditlab/credit/tensor"
)

// One bp training step of ResNet-20 on random CIFAR-shaped images:
// go test -run XXX -bench ResNet20Step ./nn (batch 128; the momentum step over 0.27M parameters, which this leaves out, is negligible).
func BenchmarkResNet20Step(b *testing.B) {
	sp, _ := ParseSpec("resnet20")
	net, err := sp.Build(3072, [3]int{3, 32, 32}, "relu", "linear", rand.New(rand.NewPCG(1, 1)), nil)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 2))
	x, y := randMat(rng, 128, 3072, 1), tensor.New(128, 10)
	for n := 0; n < 128; n++ {
		y.Data[n*10+rng.IntN(10)] = 1
	}
	g := NewGrads(net)
	net.Training = true
	var d tensor.Mat
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		yhat := net.Forward(x, nil)
		SoftmaxCE{}.Grad(yhat, y, 1.0/128, &d)
		net.Backward(&d, exact{}, g)
		net.EndStep()
	}
	b.ReportMetric(float64(128*b.N)/b.Elapsed().Seconds(), "images/s")
}
