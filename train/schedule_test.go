package train

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/data"
	"github.com/creditlab/credit/nn"
)

// Each schedule's learning rate at chosen steps (10 steps per epoch).
func TestScheduleAt(t *testing.T) {
	base := Schedule{LR: 0.1, Gamma: 0.1, Epochs: 10, Steps: 10}
	for _, tc := range []struct {
		name        string
		kind        string
		warmup      int
		ms          []int
		epoch, step int
		want        float64
	}{
		{"constant", "", 0, nil, 7, 3, 0.1},
		{"constant-warmup-first", "constant", 2, nil, 1, 0, 0.1 / 20},
		{"constant-warmup-mid", "constant", 2, nil, 2, 4, 0.1 * 15 / 20},
		{"constant-warmup-last", "constant", 2, nil, 2, 9, 0.1},
		{"constant-after-warmup", "constant", 2, nil, 3, 0, 0.1},
		{"step-before", "step", 0, []int{5, 8}, 5, 9, 0.1},
		{"step-after-first", "step", 0, []int{5, 8}, 6, 0, 0.01},
		{"step-after-second", "step", 0, []int{5, 8}, 9, 3, 0.001},
		{"cosine-start", "cosine", 0, nil, 1, 0, 0.1},
		{"cosine-middle", "cosine", 0, nil, 6, 0, 0.05},
		{"cosine-quarter", "cosine", 2, nil, 5, 0, 0.1 * 0.5 * (1 + math.Cos(math.Pi*20/80))},
		{"cosine-last", "cosine", 0, nil, 10, 9, 0.1 * 0.5 * (1 + math.Cos(math.Pi*99/100))},
	} {
		s := base
		s.Kind, s.Warmup, s.Milestones = tc.kind, tc.warmup, tc.ms
		if got := s.At(tc.epoch, tc.step); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: lr at epoch %d step %d = %g, want %g", tc.name, tc.epoch, tc.step, got, tc.want)
		}
	}
	c := config.Default()
	c.Schedule, c.Milestones, c.Epochs, c.LR = "step", "3, 6", 8, 0.5
	s := NewSchedule(c, 4)
	if s.At(4, 0) != 0.05 || math.Abs(s.At(7, 0)-0.005) > 1e-15 || s.Constant() {
		t.Errorf("schedule from config: %+v gives %g, %g", s, s.At(4, 0), s.At(7, 0))
	}
}

// The crop and flip: known shifts and flips, deterministic per seed, and
// different between seeds.
func TestCropFlip(t *testing.T) {
	img := make([]float32, 2*3*3)
	for i := range img {
		img[i] = float32(i + 1)
	}
	draw := func(seed uint64, n int) []float32 {
		x := make([]float32, 0, n*len(img))
		for i := 0; i < n; i++ {
			x = append(x, img...)
		}
		data.CropFlip(x, [3]int{2, 3, 3}, 1, rand.New(rand.NewPCG(seed, 1)), make([]float32, len(img)))
		return x
	}
	a, b, c := draw(1, 20), draw(1, 20), draw(2, 20)
	if !bytes.Equal(f32bytes(a), f32bytes(b)) {
		t.Error("the same seed gave other crops")
	}
	if bytes.Equal(f32bytes(a), f32bytes(c)) {
		t.Error("another seed gave the same crops")
	}
	// Every augmented image is a shift by at most 1 of the image or of
	// its mirror, zero outside: check each against all 18 candidates.
	for i := 0; i < 20; i++ {
		got := a[i*len(img) : (i+1)*len(img)]
		found := false
		for _, flip := range []bool{false, true} {
			for oy := -1; oy <= 1; oy++ {
				for ox := -1; ox <= 1; ox++ {
					ok := true
					for ch := 0; ch < 2; ch++ {
						for y := 0; y < 3; y++ {
							for x := 0; x < 3; x++ {
								sx := x
								if flip {
									sx = 2 - x
								}
								sx, sy := sx+ox, y+oy
								var want float32
								if sx >= 0 && sx < 3 && sy >= 0 && sy < 3 {
									want = img[ch*9+sy*3+sx]
								}
								ok = ok && got[ch*9+y*3+x] == want
							}
						}
					}
					found = found || ok
				}
			}
		}
		if !found {
			t.Errorf("image %d is no crop of the padded image or its mirror: %v", i, got)
		}
	}
}

func f32bytes(x []float32) []byte {
	b := make([]byte, 0, 4*len(x))
	for _, v := range x {
		u := math.Float32bits(v)
		b = append(b, byte(u), byte(u>>8), byte(u>>16), byte(u>>24))
	}
	return b
}

// A run with augmentation is deterministic per seed, differs from the run
// without, and never touches the test images: they are the same after
// training, and the reported test loss is the clean network's on them.
func TestAugmentRun(t *testing.T) {
	trainSet, testSet := blobs(200, 1), blobs(100, 2)
	before := append([]float32(nil), testSet.X...)
	run := func(aug bool, seed uint64) (*Result, *trainer) {
		c := config.Default()
		c.Data, c.Net, c.Act, c.Loss, c.Rule = "blobs", "conv3x3x4,bn,pool2s2,fc3", "relu", "ce", "bp"
		c.Opt, c.LR, c.Epochs, c.Batch, c.DiagBatch, c.Seed = "momentum", 0.01, 2, 20, 50, seed
		c.Augment = aug
		c.Out = filepath.Join(t.TempDir(), "run")
		spec, _ := nn.ParseSpec(c.Net)
		tr, err := newTrainer(c, spec, trainSet, testSet)
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.create(); err != nil {
			t.Fatal(err)
		}
		r, err := tr.run(t.Context(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		return r, tr
	}
	a, tr := run(true, 1)
	b, _ := run(true, 1)
	plain, _ := run(false, 1)
	if a.Summary.TrainLoss != b.Summary.TrainLoss || a.Summary.TestLoss != b.Summary.TestLoss {
		t.Error("the same seed with --augment gave another run")
	}
	if a.Summary.TrainLoss == plain.Summary.TrainLoss {
		t.Error("--augment changed nothing")
	}
	if !bytes.Equal(f32bytes(before), f32bytes(testSet.X)) {
		t.Error("training with --augment changed the test images")
	}
	if l, _ := tr.measure(testSet); metricsEq(l, float64(a.Summary.TestLoss)) == false {
		t.Errorf("reported test loss %g, the clean network's on the test images %g", float64(a.Summary.TestLoss), l)
	}
}

func metricsEq(a, b float64) bool { return a == b || math.Abs(a-b) < 1e-12*math.Abs(a) }

// A resumed run with augmentation, a schedule with warm-up, coupled L2, a
// validation split and batch normalisation in residual blocks ends
// bit-identical to the uninterrupted run (running statistics included);
// and so does one with the cosine schedule and Xavier initialisation.
func TestResumeAugmentSchedule(t *testing.T) {
	idx := tinyIDX(t)
	for name, set := range map[string]func(c *config.Config){
		"step": func(c *config.Config) {
			c.Schedule, c.Milestones, c.Gamma, c.WarmupEpochs = "step", "2,3", 0.5, 1
		},
		"cosine": func(c *config.Config) { c.Schedule, c.Init = "cosine", "xavier" },
	} {
		t.Run(name, func(t *testing.T) {
			c := config.Default()
			c.DataDir, c.Net, c.Act, c.Loss, c.Opt, c.LR = idx, "conv3x3x2s2:relu,bn,res2:relu,res4s2:relu,gap,fc10", "relu", "ce", "momentum", 1e-2
			c.Rule, c.Augment, c.L2, c.ValSize = "fa", true, 5e-4, 10 // 290 examples: 10 steps, the last of 2
			c.TrainSize, c.Epochs, c.DiagBatch, c.DiagEvery = 300, 4, 50, 7
			set(&c)
			c.Out = filepath.Join(t.TempDir(), "run")
			resumeExactly(t, c)
			b, _ := os.ReadFile(filepath.Join(c.Out, "metrics.jsonl"))
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			for i, l := range lines {
				last := i == len(lines)-1
				if !strings.Contains(l, `"val_error":`) || strings.Contains(l, `"test_error":null`) == last {
					t.Errorf("metrics line %d (last %v) has val and test fields wrong: %s", i, last, l)
				}
			}
		})
	}
}

// The new settings' bad input: one line naming the flag.
func TestBenchBadInput(t *testing.T) {
	idx := tinyIDX(t)
	for _, tc := range []struct {
		set  func(c *config.Config)
		want string
	}{
		{func(c *config.Config) { c.Data, c.Net, c.Augment = "linear", "30-10-10", true }, "--augment: random crops and flips need images"},
		{func(c *config.Config) { c.ValSize = 300 }, "--val-size: 300 must be below the 300 training examples"},
		{func(c *config.Config) { c.Schedule, c.Milestones = "step", "2,4" }, "--milestones: milestone 4 is not before the last epoch"},
		{func(c *config.Config) { c.Milestones = "2" }, "--milestones: only the step schedule"},
		{func(c *config.Config) { c.Schedule = "linear" }, "--schedule: unknown schedule"},
		{func(c *config.Config) { c.Net, c.Batch = "fc8,bn,fc10", 1 }, "--batch: batch normalisation needs at least 2"},
		{func(c *config.Config) { c.Net, c.Batch = "fc8,bn,fc10", 299 }, "--batch: the last batch of each epoch would hold 1 example"},
		{func(c *config.Config) { c.Net = "resnet21" }, "--net:"},
		{func(c *config.Config) { c.Net = "conv3x3x8,res4,fc10" }, "cannot reduce 8 channels to 4"},
		{func(c *config.Config) { c.Init = "he" }, "--init: unknown initialisation"},
		{func(c *config.Config) { c.Net, c.Rule, c.FeedbackSolver = "conv3x3x4,res4,gap,fc10", "np", "ridge" }, "--feedback-solver: rule np learns the feedback of a residual block"},
	} {
		c := config.Default()
		c.DataDir, c.TrainSize, c.Epochs, c.DiagBatch, c.Out = idx, 300, 4, 100, filepath.Join(t.TempDir(), "run")
		tc.set(&c)
		_, err := start(c)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("error %v, want one line containing %q", err, tc.want)
		}
	}
}

// Coupled L2 adds l2·W to the gradient: one plain SGD step with it moves
// W by lr·l2·W more than the same step without, and leaves the biases.
func TestCoupledL2(t *testing.T) {
	step := func(l2 float64) *trainer {
		c := config.Default()
		c.Data, c.Net, c.Rule, c.Opt, c.LR, c.L2 = "linear", "30-10-10", "bp", "sgd", 1e-2, l2
		c.Out = filepath.Join(t.TempDir(), "run")
		tr, err := build(c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.step([]int{0, 1, 2, 3}, true, false); err != nil {
			t.Fatal(err)
		}
		return tr
	}
	c := config.Default()
	c.Data, c.Net = "linear", "30-10-10"
	spec, _ := nn.ParseSpec(c.Net)
	w0, _ := spec.Build(30, [3]int{}, "sigmoid", "linear", rand.New(rand.NewPCG(1, 0x63726564<<32|streamInit)), nil)
	a, b := step(0), step(0.1)
	for k, w := range w0.Blocks[0].Core.Weight().Data {
		want := a.net.Blocks[0].Core.Weight().Data[k] - 1e-2*0.1*w
		if got := b.net.Blocks[0].Core.Weight().Data[k]; math.Abs(float64(got-want)) > 1e-6 {
			t.Fatalf("W[%d] = %g after a step with l2, want %g", k, got, want)
		}
	}
	if !bytes.Equal(f32bytes(a.net.Blocks[0].Core.Bias()), f32bytes(b.net.Blocks[0].Core.Bias())) {
		t.Error("l2 moved the biases")
	}
}
