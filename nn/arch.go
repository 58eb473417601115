package nn

import (
	"fmt"
	"strings"
)

// architecture is a named network: its layer tokens.
type architecture struct {
	layers string
	fit32  bool // the first conv pads smaller images to 32×32
}

// Architectures lists the named networks --net accepts.
var Architectures = []string{"lenet", "lenet-mnist", "resnet20", "resnet32", "resnet56"}

var architectures = map[string]architecture{
	// BioTorch's LeNets (biotorch/models/le_net.py, jsalbert/biotorch at
	// b07962b). lenet is its le_net_cifar, the network of its CIFAR-10
	// benchmark: three unpadded 3×3 convolutions of 32, 64 and 128 filters,
	// each followed by ReLU, the first two by 2×2 max pooling, global
	// average pooling, fc256 with ReLU and fc10. One departure: credit's
	// pooling has TensorFlow's SAME padding, so 13×13 pools to 7×7 where
	// PyTorch's floors to 6×6 (32 → 30 → 15 → 13 → 7 → 5 → 1, one more
	// row and column of the third conv averaged). lenet-mnist is its
	// le_net_mnist: unpadded 5×5 convolutions of 6, 16 and 120 filters with
	// ReLU, pooling after the first two, fc84 with ReLU and fc10, for 32×32
	// inputs; on 28×28 images (MNIST) the first convolution pads by 2, as
	// padding the digits to 32×32 does (32 → 28 → 14 → 10 → 5 → 1).
	"lenet":       {layers: "conv3x3x32p0:relu,pool2s2,conv3x3x64p0:relu,pool2s2,conv3x3x128p0:relu,gap,fc256:relu,fc10"},
	"lenet-mnist": {layers: "conv5x5x6p0:relu,pool2s2,conv5x5x16p0:relu,pool2s2,conv5x5x120p0:relu,fc84:relu,fc10", fit32: true},
	"resnet20":    {layers: resnet(3)},
	"resnet32":    {layers: resnet(5)},
	"resnet56":    {layers: resnet(9)},
}

// resnet returns He et al. (2016)'s CIFAR ResNet-(6n+2): a 3×3 conv of 16
// filters with batch normalisation and ReLU, three stages of n basic
// blocks of 16, 32 and 64 filters (the first block of the second and third
// stage with stride 2 and an option-A shortcut), global average pooling
// and fc10.
func resnet(n int) string {
	t := []string{"conv3x3x16:relu", "bn"}
	for s, f := range []int{16, 32, 64} {
		for b := 0; b < n; b++ {
			tok := fmt.Sprintf("res%d:relu", f)
			if s > 0 && b == 0 {
				tok = fmt.Sprintf("res%ds2:relu", f)
			}
			t = append(t, tok)
		}
	}
	return strings.Join(append(t, "gap", "fc10"), ",")
}

// parseRes parses resF[sS][p][:act]: a basic residual block of F filters,
// stride S on its first convolution (default 1), p for a projection
// shortcut (option B) where the shape changes (default: option A).
func parseRes(tok string) (LayerSpec, error) {
	l := LayerSpec{Kind: "res", Size: 3, Stride: 1, Pad: 1}
	rest := tok[3:]
	var err error
	if l.Filter, rest, err = number(rest); err != nil {
		return l, fmt.Errorf("want resF (F filters): %v", err)
	}
	for rest != "" {
		switch rest[0] {
		case 's':
			if l.Stride, rest, err = number(rest[1:]); err != nil {
				return l, err
			}
		case 'p':
			l.Proj, rest = true, rest[1:]
		default:
			return l, fmt.Errorf("unexpected %q (want resF, resFsS, resFsSp)", rest)
		}
	}
	return l, nil
}
