// Command credit trains networks with backprop and with the rules that
// replace its transposed weights, and measures how close each comes to the
// true gradient.
//
// Usage:
//
//	credit train [flags]   train one network (no flags: the main job)
//	credit rules           list the learning rules
//
// Run `credit train -h` for the flags.
package main

import (
	"errors"
	"flag"
	"fmt"
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
  train    train one network (with no flags: the paper's 784-50-20-10 MNIST network)
  rules    list the learning rules
`

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "train":
		return trainCmd(args[1:], stdout)
	case "rules":
		for _, n := range feedback.Names() {
			fmt.Fprintf(stdout, "%-9s %s\n", n, feedback.Doc(n))
		}
		return nil
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q (want train or rules)", args[0])
}

// trainFlags binds the train flags to c.
func trainFlags(c *train.Config) *flag.FlagSet {
	fs := flag.NewFlagSet("credit train", flag.ContinueOnError)
	fs.StringVar(&c.Data, "data", c.Data, "data set: mnist, fashion-mnist or linear (x ~ N(0,I), y = T x)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory holding the data set's files (default: the built-in location)")
	fs.IntVar(&c.TrainSize, "train-size", c.TrainSize, "use the first `N` training examples (0: all)")
	fs.StringVar(&c.Net, "net", c.Net, "layer widths, input to output")
	fs.StringVar(&c.Act, "act", c.Act, "hidden activation: sigmoid, tanh, relu, linear")
	fs.StringVar(&c.OutAct, "out-act", c.OutAct, "output activation: sigmoid, tanh, relu, linear")
	fs.StringVar(&c.Loss, "loss", c.Loss, "loss: mse (½‖ŷ−y‖²) or ce (softmax cross-entropy)")
	fs.StringVar(&c.Reduction, "reduction", c.Reduction, "loss reduction over the batch: sum (the paper's) or mean")
	fs.StringVar(&c.Rule, "rule", c.Rule, "learning rule (credit rules lists them)")
	fs.StringVar(&c.Opt, "opt", c.Opt, "optimiser: sgd, momentum, adam")
	fs.Float64Var(&c.LR, "lr", c.LR, "learning rate (per summed loss when --reduction sum)")
	fs.Float64Var(&c.Momentum, "momentum", c.Momentum, "momentum coefficient for --opt momentum")
	fs.Float64Var(&c.AdamEps, "adam-eps", c.AdamEps, "Adam's ε")
	fs.IntVar(&c.Batch, "batch", c.Batch, "minibatch size")
	fs.IntVar(&c.Epochs, "epochs", c.Epochs, "passes over the training set")
	fs.Uint64Var(&c.Seed, "seed", c.Seed, "seed of every random stream")
	fs.IntVar(&c.DiagBatch, "diag-batch", c.DiagBatch, "size of the held-out diagnostic batch (the first test examples)")
	fs.IntVar(&c.DiagEvery, "diag-every", c.DiagEvery, "also record diagnostics every `k` steps in diag.jsonl (0: per epoch only)")
	fs.StringVar(&c.Out, "out", c.Out, "run directory (default runs/<time>-<rule>)")
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
