package data

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
)

// FashionMNISTDir is where Debian's dataset-fashion-mnist package installs the files.
const FashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// Defaults for the synthetic "linear" data set.
const (
	DefaultLinearTrainSize = 10000 // training examples when Options.TrainSize is 0
	DefaultLinearTestSize  = 1000  // test examples when Options.TestSize is 0
)

// maxLinearValues bounds each synthetic matrix (N×In, N×Out, Out×In) so a
// typo in the options gives an error instead of an out-of-memory crash.
const maxLinearValues = 1 << 28

// pcgStream is the second PCG seed word; the teacher, training set and test
// set use pcgStream+0, +1 and +2 so that each is fixed by Seed alone.
const pcgStream = 0x6c696e6561720000 // "linear\0\0"

// Options selects and shapes a data source.
type Options struct {
	Name      string // "mnist", "fashion-mnist", "cifar10", "linear"
	Dir       string // directory holding the data files (for cifar10 also the .tar.gz archive itself); "" = the built-in location for the name
	TrainSize int    // use only the first TrainSize training examples; 0 = all. Error if > available or < 0.
	// For "linear" only (synthetic teacher x ~ N(0, I), y = T x, T ~ N(0, 1/In) entrywise, fixed by Seed):
	In, Out  int    // widths (required for linear)
	TestSize int    // linear test examples; 0 = 1000
	Seed     uint64 // seeds the teacher and the samples; same seed → identical data
}

// A TrainSizeError is an Options.TrainSize larger than the training set:
// the data set's name, where it was read, the size asked for and the
// examples there are. Callers that know the setting by another name (a
// command line's --train-size) use the fields; nobody parses the message.
type TrainSizeError struct {
	Name, Dir  string
	Want, Have int
}

func (e *TrainSizeError) Error() string {
	return fmt.Sprintf("data: %s: TrainSize = %d, but %s holds only %d training examples", e.Name, e.Want, e.Dir, e.Have)
}

// Load returns the training and test sets named by o.
//
// "mnist" and "fashion-mnist" read the four standard IDX files
// (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
// t10k-labels-idx1-ubyte, each plain or .gz, or with a dot before "idx") from
// o.Dir, defaulting to MNISTDir() and FashionMNISTDir; they give 28×28
// images with In 784, Out = Classes = 10, Shape {1,28,28}. In, Out, TestSize
// and Seed are ignored for them. The training set is the first o.TrainSize
// examples (a Head view) when TrainSize > 0; the test set is always whole.
//
// "cifar10" reads the CIFAR-10 binary batches data_batch_1.bin …
// data_batch_5.bin (training, in that order) and test_batch.bin, each plain
// or gzipped (detected by the magic bytes; named .bin or .bin.gz), from
// o.Dir; o.Dir may instead hold, or be, the official archive
// cifar-10-binary.tar.gz (read streaming, nothing is extracted) or hold its
// extracted cifar-10-batches-bin folder. The default is CIFAR10Dir(); In,
// Out, TestSize and Seed are ignored. It gives In 3072, Out = Classes = 10
// and Shape {3,32,32}, each image's X in the file's CHW order (1024 red,
// 1024 green, 1024 blue values, each plane 32×32 row-major). Pixels are
// read as 0–255 bytes, and X is per-image standardised, as TensorFlow's
// per_image_standardization: pixels scaled to [0,1], then for each image
// x ← (x − mean) / max(std, 1/√3072) over its 3072 values, so each image has
// mean 0 and standard deviation 1 (less for near-constant images; a constant
// image becomes all zeros). Apart from that floor the [0,1] scaling does not
// change the result. TrainSize keeps the first examples as for MNIST, but
// only those are converted (X is not a view of a larger array).
//
// "linear" generates a regression set: a teacher matrix T (Out×In, entries
// N(0, 1/In)), inputs x ~ N(0, I_In) and targets y = T x, with Labels nil,
// Classes 0 and Shape zero. TrainSize defaults to 10000 and TestSize to
// 1000. The teacher, training inputs and test inputs come from three
// independent streams seeded by Seed, so the same Seed gives identical data,
// a smaller TrainSize gives a prefix of a larger one, and the test set does
// not depend on TrainSize. LinearTeacher returns T.
//
// Both sets carry Name = o.Name.
func Load(o Options) (train, test *Dataset, err error) {
	switch o.Name {
	case "mnist", "fashion-mnist", "cifar10", "linear":
	default:
		return nil, nil, fmt.Errorf("data: unknown data set %q (want mnist, fashion-mnist, linear, cifar10)", o.Name)
	}
	if o.TrainSize < 0 {
		return nil, nil, fmt.Errorf("data: %s: TrainSize = %d, want ≥ 0 (0 = all)", o.Name, o.TrainSize)
	}
	switch o.Name {
	case "mnist":
		dir := o.Dir
		if dir == "" {
			if dir, err = MNISTDir(); err != nil {
				return nil, nil, err
			}
		}
		return loadIDXDir(o.Name, dir, o.TrainSize)
	case "fashion-mnist":
		dir := o.Dir
		if dir == "" {
			dir = FashionMNISTDir
			if _, err := os.Stat(dir); err != nil {
				return nil, nil, fmt.Errorf("data: fashion-mnist: %s not found (%v); run \"apt-get install dataset-fashion-mnist\" or pass --data-dir", dir, err)
			}
		}
		return loadIDXDir(o.Name, dir, o.TrainSize)
	case "cifar10":
		dir := o.Dir
		if dir == "" {
			if dir, err = CIFAR10Dir(); err != nil {
				return nil, nil, err
			}
		}
		return loadCIFAR10(o.Name, dir, o.TrainSize)
	default: // "linear"
		return loadLinear(o)
	}
}

// idxFile finds the file for a standard IDX base name such as
// "train-images-idx3-ubyte" in dir, trying base, base.gz and the dotted
// variants "train-images.idx3-ubyte" and "train-images.idx3-ubyte.gz".
func idxFile(dir, base string) (string, error) {
	dotted := base
	if i := len(base) - len("-idx3-ubyte"); i > 0 {
		dotted = base[:i] + "." + base[i+1:]
	}
	for _, name := range []string{base, base + ".gz", dotted, dotted + ".gz"} {
		p := filepath.Join(dir, name)
		st, err := os.Stat(p)
		if err == nil && !st.IsDir() {
			return p, nil
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("data: %w", err)
		}
	}
	if _, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("data: data directory %s: %w", dir, err)
	}
	return "", fmt.Errorf("data: %s: missing %s (or %s.gz)", dir, base, base)
}

// loadIDXDir reads the MNIST-layout train and test pairs from dir,
// concurrently, and applies trainSize.
func loadIDXDir(name, dir string, trainSize int) (train, test *Dataset, err error) {
	var paths [4]string
	for i, base := range []string{"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"} {
		if paths[i], err = idxFile(dir, base); err != nil {
			return nil, nil, err
		}
	}
	var wg sync.WaitGroup
	var testErr error
	wg.Go(func() { test, testErr = ReadIDXPair(name, paths[2], paths[3], 10) })
	train, err = ReadIDXPair(name, paths[0], paths[1], 10)
	wg.Wait()
	if err == nil {
		err = testErr
	}
	if err != nil {
		return nil, nil, err
	}
	if train.Shape != test.Shape {
		return nil, nil, fmt.Errorf("data: %s: training images are %s but test images are %s",
			dir, dimString(train.Shape[1:]), dimString(test.Shape[1:]))
	}
	if trainSize > train.N {
		return nil, nil, &TrainSizeError{Name: name, Dir: dir, Want: trainSize, Have: train.N}
	}
	if trainSize > 0 {
		train = train.Head(trainSize)
	}
	return train, test, nil
}

// LinearTeacher returns the Out×In teacher matrix T (row-major) that the
// "linear" data set with these widths and seed uses: targets are y = T x.
// Entries are N(0, 1/In), rounded to float32. in and out must be positive.
func LinearTeacher(in, out int, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, pcgStream))
	sd := 1 / math.Sqrt(float64(in))
	t := make([]float32, out*in)
	for i := range t {
		t[i] = float32(rng.NormFloat64() * sd)
	}
	return t
}

// loadLinear builds the synthetic "linear" train and test sets.
func loadLinear(o Options) (train, test *Dataset, err error) {
	if o.In <= 0 || o.Out <= 0 {
		return nil, nil, fmt.Errorf("data: linear: In and Out must be positive (got In=%d, Out=%d)", o.In, o.Out)
	}
	if o.TestSize < 0 {
		return nil, nil, fmt.Errorf("data: linear: TestSize = %d, want ≥ 0 (0 = %d)", o.TestSize, DefaultLinearTestSize)
	}
	nTrain, nTest := o.TrainSize, o.TestSize
	if nTrain == 0 {
		nTrain = DefaultLinearTrainSize
	}
	if nTest == 0 {
		nTest = DefaultLinearTestSize
	}
	w := max(o.In, o.Out)
	if o.In > maxLinearValues/o.Out || nTrain > maxLinearValues/w || nTest > maxLinearValues/w {
		return nil, nil, fmt.Errorf("data: linear: %d inputs, %d outputs, %d training and %d test examples need a matrix of more than %d values",
			o.In, o.Out, nTrain, nTest, maxLinearValues)
	}
	t := LinearTeacher(o.In, o.Out, o.Seed)
	train = linearSet(o, t, nTrain, pcgStream+1)
	test = linearSet(o, t, nTest, pcgStream+2)
	return train, test, nil
}

// linearSet draws n examples x ~ N(0, I) with targets y = T x.
func linearSet(o Options, t []float32, n int, stream uint64) *Dataset {
	rng := rand.New(rand.NewPCG(o.Seed, stream))
	d := &Dataset{
		Name: o.Name,
		X:    make([]float32, n*o.In),
		Y:    make([]float32, n*o.Out),
		N:    n,
		In:   o.In,
		Out:  o.Out,
	}
	for i := range d.X {
		d.X[i] = float32(rng.NormFloat64())
	}
	for i := range n {
		x := d.X[i*o.In : (i+1)*o.In]
		y := d.Y[i*o.Out : (i+1)*o.Out]
		for j := range y {
			row := t[j*o.In : (j+1)*o.In]
			var s float64
			for k, v := range x {
				s += float64(row[k]) * float64(v)
			}
			y[j] = float32(s)
		}
	}
	return d
}
