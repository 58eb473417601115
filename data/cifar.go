package data

import (
	"archive/tar"
	"bufio"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// CIFAR-10 binary layout: every record is one label byte followed by
// 1024 red, 1024 green and 1024 blue pixel bytes, each plane 32×32 row-major.
const (
	// CIFAR10Archive is the name of the official archive, which holds the
	// batch files in the folder CIFAR10ArchiveFolder.
	CIFAR10Archive       = "cifar-10-binary.tar.gz"
	CIFAR10ArchiveFolder = "cifar-10-batches-bin"

	// MaxCIFARRecords is the most records one batch file may hold (the
	// official files hold 10,000). Larger files are refused before their
	// contents are buffered.
	MaxCIFARRecords = 10001

	cifarSide    = 32
	cifarPixels  = 3 * cifarSide * cifarSide // values per image, CHW
	cifarRecord  = 1 + cifarPixels           // bytes per record
	cifarClasses = 10
)

// cifarFiles are the six batch files: five training batches, in order, then
// the test batch.
var cifarFiles = [...]string{
	"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin",
	"test_batch.bin",
}

const cifarTrainBatches = len(cifarFiles) - 1

// CIFAR10Dir returns the default CIFAR-10 location, the first existing
// directory among $CREDIT_DATA/cifar10 (when CREDIT_DATA is set),
// ../shared/data/cifar10 and ../../shared/data/cifar10 (relative to the
// working directory), made absolute. It is an error, telling the user to
// pass --data-dir, if none exists.
func CIFAR10Dir() (string, error) {
	var tried []string
	if env := os.Getenv("CREDIT_DATA"); env != "" {
		tried = append(tried, filepath.Join(env, "cifar10"))
	}
	tried = append(tried, filepath.Join("..", "shared", "data", "cifar10"), filepath.Join("..", "..", "shared", "data", "cifar10"))
	for _, dir := range tried {
		if st, err := os.Stat(dir); err == nil && st.IsDir() {
			if abs, err := filepath.Abs(dir); err == nil {
				dir = abs
			}
			return dir, nil
		}
	}
	wd, _ := os.Getwd()
	return "", fmt.Errorf("data: cifar10: no CIFAR-10 directory found (tried %s from %s); pass --data-dir with a directory holding data_batch_1..5.bin and test_batch.bin (plain or .gz) or %s, or the archive itself",
		strings.Join(tried, ", "), wd, CIFAR10Archive)
}

// errCIFARReplan reports that a file did not hold the number of records
// planned from its size or gzip trailer (say, a multi-member gzip file).
var errCIFARReplan = errors.New("cifar10: record count differs from the plan")

// loadCIFAR10 reads CIFAR-10 from dir (a directory of batch files, a
// directory holding the official archive or its extracted folder, or the
// archive itself) and keeps the first trainSize training examples (all if 0).
//
// Batch files whose record counts are known in advance (plain files from
// their size, gzipped ones from the trailer's ISIZE) are decoded straight
// into the result as each is read, two at a time; otherwise, or if a file
// turns out not to match, every file is read into memory first.
func loadCIFAR10(name, dir string, trainSize int) (train, test *Dataset, err error) {
	paths, archive, err := findCIFARSource(dir)
	if err != nil {
		return nil, nil, err
	}
	var batches [len(cifarFiles)][]byte
	if archive != "" {
		batches, err = readCIFARArchive(archive)
	} else {
		if counts, ok := plannedCIFARCounts(paths); ok {
			train, test, err = streamCIFARFiles(name, paths, counts, trainSize)
			if !errors.Is(err, errCIFARReplan) {
				return train, test, err
			}
		}
		batches, err = readCIFARFiles(paths)
	}
	if err != nil {
		return nil, nil, err
	}
	var counts [len(cifarFiles)]int
	for i, b := range batches {
		counts[i] = len(b) / cifarRecord
	}
	nTrain, err := cifarTrainRows(name, dir, counts, trainSize)
	if err != nil {
		return nil, nil, err
	}
	train = newCIFARSet(name, nTrain)
	test = newCIFARSet(name, counts[cifarTrainBatches])
	rows := cifarFirstRows(counts)
	parallelDo(len(batches), func(_, i int) {
		decodeCIFARBatch(train, test, i, rows[i], batches[i])
	})
	return train, test, nil
}

// cifarTrainRows returns how many training rows to keep: trainSize, or all
// when it is 0; an error if the files hold fewer.
func cifarTrainRows(name, dir string, counts [len(cifarFiles)]int, trainSize int) (int, error) {
	n := 0
	for _, c := range counts[:cifarTrainBatches] {
		n += c
	}
	if trainSize > n {
		return 0, &TrainSizeError{Name: name, Dir: dir, Want: trainSize, Have: n}
	}
	if trainSize > 0 {
		n = trainSize
	}
	return n, nil
}

// cifarFirstRows gives each batch's first row in its set (the test batch
// starts at 0).
func cifarFirstRows(counts [len(cifarFiles)]int) (rows [len(cifarFiles)]int) {
	for i := 1; i < cifarTrainBatches; i++ {
		rows[i] = rows[i-1] + counts[i-1]
	}
	return rows
}

// decodeCIFARBatch decodes batch i (raw records starting at row) into the
// test set or, as far as it has room, the training set.
func decodeCIFARBatch(train, test *Dataset, i, row int, raw []byte) {
	if i == cifarTrainBatches {
		decodeCIFAR(test, 0, raw)
		return
	}
	if n := min(len(raw)/cifarRecord, train.N-row); n > 0 {
		decodeCIFAR(train, row, raw[:n*cifarRecord])
	}
}

// plannedCIFARCounts returns each file's record count as its size (plain)
// or its gzip trailer (ISIZE) says, and false if any is unknown or not a
// plausible whole number of records.
func plannedCIFARCounts(paths [len(cifarFiles)]string) (counts [len(cifarFiles)]int, ok bool) {
	for i, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return counts, false
		}
		size := int64(-1)
		var b [4]byte
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			if _, err := f.ReadAt(b[:2], 0); err == nil && hasGzipMagic(b[:2]) {
				if _, err := f.ReadAt(b[:], st.Size()-4); st.Size() >= 18 && err == nil {
					size = int64(binary.LittleEndian.Uint32(b[:]))
				}
			} else {
				size = st.Size()
			}
		}
		f.Close()
		if size < 0 || checkCIFARSize(p, "size", size) != nil {
			return counts, false
		}
		counts[i] = int(size / cifarRecord)
	}
	return counts, true
}

// streamCIFARFiles reads and decodes the batch files with the planned
// record counts, reusing one read buffer per goroutine. Of the training
// files it reads only the records the first trainSize examples need (a
// small run skips most of CIFAR-10's decompression). It returns
// errCIFARReplan if the plan was wrong.
func streamCIFARFiles(name string, paths [len(cifarFiles)]string, counts [len(cifarFiles)]int, trainSize int) (train, test *Dataset, err error) {
	nTrain, err := cifarTrainRows(name, "", counts, trainSize)
	if err != nil {
		return nil, nil, errCIFARReplan // let the full read report it, with the true counts
	}
	train = newCIFARSet(name, nTrain)
	test = newCIFARSet(name, counts[cifarTrainBatches])
	rows := cifarFirstRows(counts)
	var errs [len(cifarFiles)]error
	bufs := make([][]byte, runtime.GOMAXPROCS(0))
	parallelDo(len(paths), func(w, i int) {
		if i < cifarTrainBatches {
			// Read only the records the run keeps: none of a training
			// file past trainSize, the first ones of the file it ends in.
			switch need := nTrain - rows[i]; {
			case need <= 0:
				return
			case need < counts[i]:
				raw, err := readCIFARPrefix(paths[i], need, bufs[w])
				if err != nil {
					errs[i] = errCIFARReplan // the full read reports it
					return
				}
				bufs[w] = raw[:0]
				decodeCIFARBatch(train, test, i, rows[i], raw)
				return
			}
		}
		raw, err := readCIFARFile(paths[i], bufs[w])
		if err != nil {
			errs[i] = err
			return
		}
		bufs[w] = raw[:0]
		if len(raw)/cifarRecord != counts[i] {
			errs[i] = errCIFARReplan
			return
		}
		decodeCIFARBatch(train, test, i, rows[i], raw)
	})
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	return train, test, nil
}

// newCIFARSet allocates an n-example CIFAR-10 Dataset.
func newCIFARSet(name string, n int) *Dataset {
	return &Dataset{
		Name:    name,
		X:       make([]float32, n*cifarPixels),
		Y:       make([]float32, n*cifarClasses),
		Labels:  make([]int, n),
		N:       n,
		In:      cifarPixels,
		Out:     cifarClasses,
		Classes: cifarClasses,
		Shape:   [3]int{3, cifarSide, cifarSide},
	}
}

// decodeCIFAR fills rows row, row+1, … of d from the (already validated)
// records in raw: label, one-hot target and standardised pixels.
func decodeCIFAR(d *Dataset, row int, raw []byte) {
	for r := range len(raw) / cifarRecord {
		rec := raw[r*cifarRecord : (r+1)*cifarRecord]
		i := row + r
		l := int(rec[0])
		d.Labels[i] = l
		d.Y[i*cifarClasses+l] = 1
		standardizeImage(d.X[i*cifarPixels:(i+1)*cifarPixels], rec[1:])
	}
}

// standardizeImage writes pix, scaled to [0,1], standardised as TensorFlow's
// per_image_standardization does, to dst: (x − mean) / max(std, 1/√n) with the
// mean and population standard deviation taken over all n values. The [0,1]
// scaling does not change the result except through the 1/√n floor, which
// applies to the scaled values. Sums are taken exactly in integers.
func standardizeImage(dst []float32, pix []byte) {
	dst = dst[:len(pix)]
	var s, ss int64
	for _, v := range pix {
		s += int64(v)
		ss += int64(v) * int64(v)
	}
	n := int64(len(pix))
	mean := float64(s) / float64(n)                       // in byte units
	sd := math.Sqrt(float64(n*ss-s*s)/float64(n*n)) / 255 // in [0,1] units
	inv := 1 / (255 * max(sd, 1/math.Sqrt(float64(n))))
	var lut [256]float32
	for v := range lut {
		lut[v] = float32((float64(v) - mean) * inv)
	}
	for i, v := range pix {
		dst[i] = lut[v]
	}
}

// findCIFARSource locates the data in dir: the six batch files (in
// cifarFiles order) in dir or in its extracted-archive folder, or else an
// archive (dir itself when it is a file, or CIFAR10Archive in dir).
func findCIFARSource(dir string) (paths [len(cifarFiles)]string, archive string, err error) {
	st, err := os.Stat(dir)
	if err != nil {
		return paths, "", fmt.Errorf("data: cifar10: data directory %s: %w", dir, err)
	}
	if !st.IsDir() {
		return paths, dir, nil
	}
	paths, missing, err := cifarFilePaths(dir)
	if err != nil || missing == "" {
		return paths, "", err
	}
	archive = filepath.Join(dir, CIFAR10Archive)
	if st, err := os.Stat(archive); err == nil && !st.IsDir() {
		return paths, archive, nil
	}
	sub := filepath.Join(dir, CIFAR10ArchiveFolder)
	if st, err := os.Stat(sub); err == nil && st.IsDir() {
		if p, m, err := cifarFilePaths(sub); err == nil && m == "" {
			return p, "", nil
		}
	}
	return paths, "", fmt.Errorf("data: cifar10: %s: missing %s (or %s.gz; or pass %s itself)", dir, missing, missing, CIFAR10Archive)
}

// readCIFARFiles reads the six batch files, two at a time.
func readCIFARFiles(paths [len(cifarFiles)]string) (batches [len(cifarFiles)][]byte, err error) {
	var errs [len(cifarFiles)]error
	parallelDo(len(paths), func(_, i int) {
		batches[i], errs[i] = readCIFARFile(paths[i], nil)
	})
	for _, err := range errs {
		if err != nil {
			return batches, err
		}
	}
	return batches, nil
}

// cifarFilePaths finds each batch file in dir, plain or with .gz; missing
// names the first file found in neither form.
func cifarFilePaths(dir string) (paths [len(cifarFiles)]string, missing string, err error) {
	for i, base := range cifarFiles {
		for _, name := range []string{base, base + ".gz"} {
			p := filepath.Join(dir, name)
			st, err := os.Stat(p)
			if err == nil && !st.IsDir() {
				paths[i] = p
				break
			}
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return paths, "", fmt.Errorf("data: cifar10: %w", err)
			}
		}
		if paths[i] == "" && missing == "" {
			missing = base
		}
	}
	return paths, missing, nil
}

// hasGzipMagic reports whether b starts with the gzip magic bytes 0x1f 0x8b.
func hasGzipMagic(b []byte) bool {
	return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b
}

// readCIFARFile reads one batch file, plain or gzipped (detected by the
// magic bytes), and checks it. It reads into buf when buf has room.
func readCIFARFile(p string, buf []byte) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("cifar10: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cifar10: %w", err)
	}
	br := bufio.NewReaderSize(f, 1<<16)
	magic, _ := br.Peek(2)

	if !hasGzipMagic(magic) && st.Mode().IsRegular() {
		// Plain file: check the size before allocating.
		if err := checkCIFARSize(p, "size", st.Size()); err != nil {
			return nil, err
		}
		raw := buf[:0]
		if int64(cap(raw)) < st.Size() {
			raw = make([]byte, st.Size())
		}
		raw = raw[:st.Size()]
		if n, err := io.ReadFull(br, raw); err != nil {
			return nil, fmt.Errorf("cifar10: %s: read %d of %d bytes: %v", p, n, len(raw), err)
		}
		return raw, checkCIFARLabels(p, raw)
	}

	var r io.Reader = br
	what, hint := "size", 0
	if hasGzipMagic(magic) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("cifar10: %s: corrupt gzip stream: %v", p, err)
		}
		defer zr.Close()
		r, what = zr, "uncompressed size"
		// The gzip trailer's ISIZE (uncompressed size mod 2³²) is only a
		// hint for the first allocation; the limit below is what counts.
		var tail [4]byte
		if st.Mode().IsRegular() && st.Size() >= 18 {
			if _, err := f.ReadAt(tail[:], st.Size()-4); err == nil {
				hint = int(binary.LittleEndian.Uint32(tail[:]))
			}
		}
	}
	limit := MaxCIFARRecords * cifarRecord
	raw, err := readLimited(r, buf, hint, limit)
	if err != nil {
		if what != "size" {
			return nil, fmt.Errorf("cifar10: %s: corrupt gzip stream after %d bytes: %v", p, len(raw), err)
		}
		return nil, fmt.Errorf("cifar10: %s: %v", p, err)
	}
	if len(raw) > limit {
		return nil, fmt.Errorf("cifar10: %s: %s over %d bytes, more than the %d records a CIFAR-10 batch file may hold",
			p, what, limit, MaxCIFARRecords)
	}
	if err := checkCIFARSize(p, what, int64(len(raw))); err != nil {
		return nil, err
	}
	return raw, checkCIFARLabels(p, raw)
}

// readCIFARPrefix reads the first n records of one batch file, plain or
// gzipped, decompressing no further, and checks their labels.
func readCIFARPrefix(p string, n int, buf []byte) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("cifar10: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	var r io.Reader = br
	if magic, _ := br.Peek(2); hasGzipMagic(magic) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("cifar10: %s: corrupt gzip stream: %v", p, err)
		}
		defer zr.Close()
		r = zr
	}
	raw := buf[:0]
	if cap(raw) < n*cifarRecord {
		raw = make([]byte, n*cifarRecord)
	}
	raw = raw[:n*cifarRecord]
	if got, err := io.ReadFull(r, raw); err != nil {
		return nil, fmt.Errorf("cifar10: %s: read %d of the first %d bytes: %v", p, got, len(raw), err)
	}
	return raw, checkCIFARLabels(p, raw)
}

// readLimited reads r to EOF but stops after limit+1 bytes. It reads into
// buf if that has room for hint bytes (when hint is in range), else into a
// new buffer of that size, doubling it as data arrives.
func readLimited(r io.Reader, buf []byte, hint, limit int) ([]byte, error) {
	c := 1 << 20
	if hint > 0 && hint <= limit {
		c = hint + 1 // +1: room for the read that reports EOF
	}
	if c = min(c, limit+1); cap(buf) < c {
		buf = make([]byte, 0, c)
	}
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			if len(buf) > limit {
				return buf, nil
			}
			grown := make([]byte, len(buf), min(2*cap(buf), limit+1))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// checkCIFARSize checks that size bytes are a whole, plausible number of
// records; what says which size ("size", "uncompressed size").
func checkCIFARSize(where, what string, size int64) error {
	switch {
	case size == 0:
		return fmt.Errorf("cifar10: %s: empty, want %d-byte records (1 label + %d pixels)", where, cifarRecord, cifarPixels)
	case size%cifarRecord != 0:
		return fmt.Errorf("cifar10: %s: %s %d bytes is not a multiple of the %d-byte record (1 label + %d pixels): remainder %d after %d whole records",
			where, what, size, cifarRecord, cifarPixels, size%cifarRecord, size/cifarRecord)
	case size/cifarRecord > MaxCIFARRecords:
		return fmt.Errorf("cifar10: %s: %s %d bytes = %d records, more than the %d a CIFAR-10 batch file may hold",
			where, what, size, size/cifarRecord, MaxCIFARRecords)
	}
	return nil
}

// checkCIFARLabels checks that every record's label byte is in [0, 10).
func checkCIFARLabels(where string, raw []byte) error {
	for off := 0; off < len(raw); off += cifarRecord {
		if l := raw[off]; l >= cifarClasses {
			return fmt.Errorf("cifar10: %s: label %d of record %d (byte offset %d) is out of range [0, %d)",
				where, l, off/cifarRecord, off, cifarClasses)
		}
	}
	return nil
}

// readCIFARArchive reads the six batch files from the official tar archive
// (gzipped or not, detected by the magic bytes), streaming, without
// extracting anything to disk.
func readCIFARArchive(p string) (batches [len(cifarFiles)][]byte, err error) {
	f, err := os.Open(p)
	if err != nil {
		return batches, fmt.Errorf("cifar10: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	var r io.Reader = br
	gz := false
	if magic, _ := br.Peek(2); hasGzipMagic(magic) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return batches, fmt.Errorf("cifar10: %s: corrupt gzip stream: %v", p, err)
		}
		defer zr.Close()
		r, gz = zr, true
	}
	fail := func(err error) ([len(cifarFiles)][]byte, error) {
		var ce flate.CorruptInputError
		switch {
		case gz && (errors.As(err, &ce) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader)):
			return batches, fmt.Errorf("cifar10: %s: corrupt gzip stream: %v", p, err)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return batches, fmt.Errorf("cifar10: %s: truncated archive: %v", p, err)
		default:
			return batches, fmt.Errorf("cifar10: %s: corrupt tar archive: %v", p, err)
		}
	}

	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(err)
		}
		name := path.Clean(strings.TrimPrefix(hdr.Name, "./"))
		dir, base := path.Split(name)
		if dir != CIFAR10ArchiveFolder+"/" || hdr.Typeflag != tar.TypeReg {
			continue
		}
		i := 0
		for i < len(cifarFiles) && cifarFiles[i] != base {
			i++
		}
		if i == len(cifarFiles) {
			continue
		}
		where := p + ": member " + name
		if batches[i] != nil {
			return batches, fmt.Errorf("cifar10: %s appears twice", where)
		}
		if err := checkCIFARSize(where, "size", hdr.Size); err != nil {
			return batches, err
		}
		raw := make([]byte, hdr.Size)
		if _, err := io.ReadFull(tr, raw); err != nil {
			return fail(err)
		}
		if err := checkCIFARLabels(where, raw); err != nil {
			return batches, err
		}
		batches[i] = raw
	}
	if gz {
		// Drain the rest so that gzip verifies its checksum.
		if _, err := io.Copy(io.Discard, r); err != nil {
			return fail(err)
		}
	}
	for i, b := range batches {
		if b == nil {
			return batches, fmt.Errorf("cifar10: %s: archive has no member %s/%s", p, CIFAR10ArchiveFolder, cifarFiles[i])
		}
	}
	return batches, nil
}

// parallelDo calls f(w, i) for i = 0, …, n-1 on up to GOMAXPROCS
// goroutines; w in [0, GOMAXPROCS) identifies the goroutine.
func parallelDo(n int, f func(w, i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range min(n, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(w, i)
			}
		})
	}
	wg.Wait()
}
