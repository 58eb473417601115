package analysis

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creditlab/credit/experiment"
	"github.com/creditlab/credit/feedback"
	"github.com/creditlab/credit/nn"
)

// Every run of configs/biotorch.yaml, at both scales, is valid and its
// rule accepts its network (ResNet-20 or LeNet on CIFAR-10's shape), and
// every rule of the table is there or has a reason not to be.
func TestBiotorchRunsBuild(t *testing.T) {
	es, _ := experiment.Lookup("biotorch")
	for _, scale := range []experiment.Scale{experiment.Quick, experiment.Full} {
		runs := es[0].Runs(scale)
		if len(runs) == 0 {
			t.Fatalf("%s: no runs", scale)
		}
		for _, r := range runs {
			c := r.Config
			c.Out = "x"
			if err := c.Validate(); err != nil {
				t.Errorf("%s %s: %v", scale, r.Group, err)
				continue
			}
			sp, _ := nn.ParseSpec(c.Net)
			net, err := sp.Build(3072, [3]int{3, 32, 32}, c.Act, c.OutAct, rand.New(rand.NewPCG(1, 1)), nil)
			if err != nil {
				t.Fatalf("%s: %v", r.Group, err)
			}
			if _, err := feedback.New(c.Rule, net, c.FeedbackOptions(), rand.New(rand.NewPCG(1, 1))); err != nil {
				t.Errorf("%s %s: %v", scale, r.Group, err)
			}
			if !strings.HasSuffix(r.Group, " "+c.Rule) {
				t.Errorf("group %q does not end in its rule %s", r.Group, c.Rule)
			}
		}
	}
}

// The report on tiny runs (MNIST-shaped random images, a narrow ResNet
// and LeNet, one epoch): a row per run, BioTorch's numbers beside
// ResNet-20's, the validation columns, the figure.
func TestBiotorchReport(t *testing.T) {
	mnist := tinyMNIST(t, 300, 100)
	dir := reproduceTiny(t, "biotorch", func(r *experiment.Run) {
		c := &r.Config
		c.Data, c.DataDir, c.TrainSize, c.ValSize, c.Epochs, c.Milestones, c.DiagBatch = "mnist", mnist, 0, 40, 2, "1", 50
		if c.Net == "resnet20" {
			c.Net = "conv3x3x4s2:relu,bn,res4:relu,res8s2:relu,gap,fc10"
		} else {
			c.Net = "conv3x3x4p0s2:relu,pool2s2,conv3x3x4p0:relu,gap,fc8:relu,fc10"
		}
	})
	for _, f := range []string{"biotorch.md", "biotorch.csv", "biotorch.png", "biotorch.svg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(dir, "biotorch.md"))
	for _, want := range []string{"ResNet-20", "LeNet", "8.63", "32.16", "ResNet-20 | wm", "ResNet-20 | np ", "ResNet-20 | pfa"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("biotorch.md lacks %q:\n%s", want, md)
		}
	}
}
