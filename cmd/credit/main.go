// Command credit trains networks with backprop and with the rules that
// replace its transposed weights, and measures how close each comes to the
// true gradient.
//
// Usage:
//
//	credit train [flags]             train one network (no flags: the main job)
//	credit reproduce NAME [flags]    run one of the paper's experiments (e1, e2, e2a, e2b, e3, e4) or the comparison of every rule (zoo)
//	credit bench [flags]             GEMM and training speed against OpenBLAS and PyTorch
//	credit rules                     list the learning rules
//
// Run `credit train -h` for the flags.
package main

import (
	"errors"
	"runtime"
	"strings"

	"flag"
	"fmt"
	"github.com/creditlab/credit/bench"
	"github.com/creditlab/credit/experiment"
	"io"
	"os"
	"time"

	"github.com/creditlab/credit/feedback"
	"github.com/creditlab/credit/train"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "credit:", err)
		}
		os.Exit(2)
	}
}

const usage = `usage: credit <command> [flags]

commands:
  train      train one network (with no flags: the paper's 784-50-20-10 MNIST network)
  reproduce  run one of the paper's experiments or the comparison of every rule: credit reproduce e1|e2|e2a|e2b|e3|e4|zoo [--scale quick|full]
  bench      GEMM and training speed, side by side with PyTorch (and OpenBLAS under -tags openblas)
  rules      list the learning rules
`

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "train":
		return trainCmd(args[1:], stdout)
	case "reproduce":
		return reproduceCmd(args[1:], stdout)
	case "bench":
		return benchCmd(args[1:], stdout)
	case "rules":
		for _, n := range feedback.Names() {
			fmt.Fprintf(stdout, "%-9s %s\n", n, feedback.Doc(n))
		}
		return nil
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q (want train, reproduce, bench or rules)", args[0])
}

// trainFlags binds the train flags to c.
func trainFlags(c *train.Config) *flag.FlagSet {
	fs := flag.NewFlagSet("credit train", flag.ContinueOnError)
	fs.StringVar(&c.Data, "data", c.Data, "data set: mnist, fashion-mnist, cifar10 or linear (x ~ N(0,I), y = T x)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory holding the data set's files (default: the built-in location)")
	fs.IntVar(&c.TrainSize, "train-size", c.TrainSize, "use the first `N` training examples (0: all)")
	fs.StringVar(&c.Net, "net", c.Net, "layer widths, input to output, or layers such as conv5x5x16,pool3s2,fc128,drop0.5,fc10 (see README)")
	fs.StringVar(&c.Act, "act", c.Act, "hidden activation: sigmoid, tanh, relu, linear")
	fs.StringVar(&c.OutAct, "out-act", c.OutAct, "output activation: sigmoid, tanh, relu, linear")
	fs.StringVar(&c.Loss, "loss", c.Loss, "loss: mse (½‖ŷ−y‖²), ce (softmax cross-entropy) or softmax-mse (½‖softmax(ŷ)−y‖²)")
	fs.StringVar(&c.Reduction, "reduction", c.Reduction, "loss reduction over the batch: sum (the paper's) or mean")
	fs.StringVar(&c.Rule, "rule", c.Rule, "learning rule (credit rules lists them)")
	fs.StringVar(&c.Opt, "opt", c.Opt, "optimiser: sgd, momentum, adam")
	fs.Float64Var(&c.LR, "lr", c.LR, "learning rate (per summed loss when --reduction sum)")
	fs.Float64Var(&c.Momentum, "momentum", c.Momentum, "momentum coefficient for --opt momentum")
	fs.Float64Var(&c.AdamEps, "adam-eps", c.AdamEps, "Adam's ε")
	fs.IntVar(&c.Batch, "batch", c.Batch, "minibatch size")
	fs.IntVar(&c.Epochs, "epochs", c.Epochs, "passes over the training set")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "seed of every random stream")
	fs.Float64Var(&c.WeightDecay, "weight-decay", c.WeightDecay, "per-step decay λ of the forward weights, W ← (1−λ)W before each optimiser step (kp's feedback shares it)")
	fs.Float64Var(&c.Noise, "noise", c.Noise, "node-perturbation noise scale c (np, npdfa, nodepert)")
	fs.StringVar(&c.FeedbackSolver, "feedback-solver", c.FeedbackSolver, "how np and npdfa learn feedback: sgd or ridge (least squares over all history)")
	fs.Float64Var(&c.FeedbackLR, "feedback-lr", c.FeedbackLR, "feedback learning rate η_B for --feedback-solver sgd and for wm's mirror")
	fs.Float64Var(&c.FeedbackDecay, "feedback-decay", c.FeedbackDecay, "wm: per-step decay λ of the feedback, which settles at (η_B/λ)·Wᵀ")
	fs.Float64Var(&c.Ridge, "ridge", c.Ridge, "ridge regulariser γ for --feedback-solver ridge")
	fs.StringVar(&c.NPLoss, "np-loss", c.NPLoss, "loss in node perturbation's loss difference, if not the training loss (e.g. softmax-mse, as the paper's CNN code)")
	fs.IntVar(&c.Warmup, "warmup", c.Warmup, "first `epochs` update only the feedback, not the forward weights")
	fs.BoolVar(&c.FreezeWeights, "freeze-weights", c.FreezeWeights, "never update the forward weights (fixed-W experiments)")
	fs.BoolVar(&c.Autoencoder, "autoencoder", c.Autoencoder, "train to reconstruct the inputs (targets = inputs)")
	fs.Float64Var(&c.InputNoise, "input-noise", c.InputNoise, "sd of Gaussian noise added to training inputs (a denoising autoencoder)")
	fs.Float64Var(&c.ActivityNoise, "activity-noise", c.ActivityNoise, "noise scale at hidden layers in training passes, for bp, fa, dfa (the control for np's noise)")
	fs.IntVar(&c.DiagBatch, "diag-batch", c.DiagBatch, "size of the held-out diagnostic batch (the first test examples)")
	fs.IntVar(&c.DiagEvery, "diag-every", c.DiagEvery, "also record diagnostics every `k` steps in diag.jsonl (0: per epoch only)")
	fs.StringVar(&c.Out, "out", c.Out, "run directory (default runs/<time>-<rule>-seed<seed>)")
	return fs
}

func trainCmd(args []string, stdout io.Writer) error {
	c := train.Default()
	fs := trainFlags(&c)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fmt.Fprintln(stdout, "usage: credit train [flags]")
			fs.PrintDefaults()
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("train: unexpected argument %q", fs.Arg(0))
	}
	if c.Out == "" {
		c.Out = fmt.Sprintf("runs/%s-%s-seed%d", time.Now().Format("20060102-150405"), c.Rule, c.Seed)
	}
	_, err := train.Run(c, stdout)
	return err
}

func reproduceCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("credit reproduce", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	scale := fs.String("scale", "quick", "quick (minutes on 2 cores) or full (the paper's schedule)")
	out := fs.String("out", "", "output directory (default runs/reproduce-<name>-<scale>)")
	jobs := fs.Int("jobs", runtime.GOMAXPROCS(0), "runs trained at once")
	usage := func() {
		fmt.Fprintf(stdout, "usage: credit reproduce NAME [flags], NAME one of %s\n", strings.Join(experiment.Names(), ", "))
		fs.SetOutput(stdout)
		fs.PrintDefaults()
	}
	// The experiment name may come before or after the flags.
	var name string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage()
		}
		return err
	}
	if name == "" && fs.NArg() > 0 {
		name = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return fmt.Errorf("reproduce: unexpected argument %q", fs.Arg(0))
	}
	if name == "" {
		return fmt.Errorf("reproduce: name an experiment (%s)", strings.Join(experiment.Names(), ", "))
	}
	if _, err := experiment.Lookup(name); err != nil {
		return fmt.Errorf("reproduce: %v", err)
	}
	if *out == "" {
		*out = fmt.Sprintf("runs/reproduce-%s-%s", name, *scale)
	}
	return experiment.Reproduce(name, experiment.Options{Scale: experiment.Scale(*scale), Dir: *out, Jobs: *jobs, Log: stdout})
}

func benchCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("credit bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := bench.Options{Out: stdout}
	fs.Float64Var(&o.Seconds, "seconds", 2, "measuring time per entry")
	fs.Float64Var(&o.Peak, "peak", 144, "the machine's fp32 peak in GFLOP/s (2 Zen 3 cores with AVX2 FMA: 144)")
	fs.StringVar(&o.Python, "python", "/usr/bin/python3", "Python with PyTorch for the peer (\"\" skips it)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "usage: credit bench [flags]")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
		}
		return err
	}
	if !(o.Seconds > 0) || !(o.Peak > 0) {
		return fmt.Errorf("bench: --seconds and --peak must be positive")
	}
	return bench.Run(o)
}
