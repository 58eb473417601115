package data

import (
	"archive/tar"
	"bytes"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// cifarImage returns the 3072 pixel bytes of synthetic image k: a different
// pattern per channel, row and column, so that any reordering shows.
func cifarImage(k int) []byte {
	pix := make([]byte, cifarPixels)
	for c := range 3 {
		for y := range 32 {
			for x := range 32 {
				pix[c*1024+y*32+x] = byte((c*83 + y*7 + x*x*3 + k*31 + (x*y)%13) % 256)
			}
		}
	}
	return pix
}

// cifarBatch builds records with the given labels; image k of the batch is
// cifarImage(first+k), except that images listed in special replace it.
func cifarBatch(first int, labels []byte, special map[int][]byte) []byte {
	var b []byte
	for k, l := range labels {
		pix := cifarImage(first + k)
		if s, ok := special[first+k]; ok {
			pix = s
		}
		b = append(b, l)
		b = append(b, pix...)
	}
	return b
}

// constImage is all 77; lowContrast alternates 10 and 11 (std below the floor).
var (
	constImage  = bytes.Repeat([]byte{77}, cifarPixels)
	lowContrast = func() []byte {
		p := make([]byte, cifarPixels)
		for i := range p {
			p[i] = byte(10 + i%2)
		}
		return p
	}()
)

// cifarSynth holds the contents of the six synthetic batch files
// (3 records per training batch, 4 in the test batch) and what they encode.
type cifarSynth struct {
	files       [6][]byte
	trainLabels []int
	testLabels  []int
	trainPix    [][]byte // per image
	testPix     [][]byte
}

func newCIFARSynth() *cifarSynth {
	s := &cifarSynth{}
	special := map[int][]byte{4: constImage, 7: lowContrast}
	for b := range 5 {
		labels := []byte{byte(b * 2 % 10), byte((b*2 + 1) % 10), byte((b + 7) % 10)}
		s.files[b] = cifarBatch(3*b, labels, special)
		for k, l := range labels {
			s.trainLabels = append(s.trainLabels, int(l))
			s.trainPix = append(s.trainPix, s.files[b][k*cifarRecord+1:(k+1)*cifarRecord])
		}
	}
	labels := []byte{9, 0, 3, 9}
	s.files[5] = cifarBatch(100, labels, map[int][]byte{101: constImage})
	for k, l := range labels {
		s.testLabels = append(s.testLabels, int(l))
		s.testPix = append(s.testPix, s.files[5][k*cifarRecord+1:(k+1)*cifarRecord])
	}
	return s
}

// writeDir writes the six files to a new directory; gz(i) says whether
// file i is gzipped (and named .bin.gz).
func (s *cifarSynth) writeDir(t *testing.T, gz func(i int) bool) string {
	t.Helper()
	dir := t.TempDir()
	for i, name := range cifarFiles {
		if gz(i) {
			writeFile(t, dir, name+".gz", gzipBytes(t, s.files[i]))
		} else {
			writeFile(t, dir, name, s.files[i])
		}
	}
	return dir
}

// tarMember is one entry of a synthetic archive.
type tarMember struct {
	name string
	body []byte
}

// tarBytes builds a tar archive (gzipped if gz) holding members, preceded
// by the folder entry, as the official archive has.
func tarBytes(t *testing.T, gz bool, members []tarMember) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: CIFAR10ArchiveFolder + "/", Typeflag: tar.TypeDir, Mode: 0o755}); err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if err := tw.WriteHeader(&tar.Header{Name: m.name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(m.body))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(m.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if gz {
		return gzipBytes(t, buf.Bytes())
	}
	return buf.Bytes()
}

// archiveMembers returns the official members (with two extra files) for
// the batches whose index keep accepts.
func (s *cifarSynth) archiveMembers(keep func(i int) bool) []tarMember {
	m := []tarMember{{CIFAR10ArchiveFolder + "/readme.html", []byte("<html></html>")}}
	for i, name := range cifarFiles {
		if keep(i) {
			m = append(m, tarMember{CIFAR10ArchiveFolder + "/" + name, s.files[i]})
		}
	}
	return append(m, tarMember{CIFAR10ArchiveFolder + "/batches.meta.txt", []byte("airplane\n")})
}

// wantStandardized computes per_image_standardization of pix directly, in
// float64, on pixels scaled to [0,1].
func wantStandardized(pix []byte) []float64 {
	x := make([]float64, len(pix))
	var mean float64
	for i, v := range pix {
		x[i] = float64(v) / 255
		mean += x[i]
	}
	mean /= float64(len(x))
	var v float64
	for _, xi := range x {
		v += (xi - mean) * (xi - mean)
	}
	sd := max(math.Sqrt(v/float64(len(x))), 1/math.Sqrt(float64(len(x))))
	for i := range x {
		x[i] = (x[i] - mean) / sd
	}
	return x
}

// checkCIFARSet checks shape, labels, one-hot targets and that X is the
// per-image standardisation of pix in the file's order.
func checkCIFARSet(t *testing.T, what string, d *Dataset, labels []int, pix [][]byte) {
	t.Helper()
	if d.Name != "cifar10" || d.N != len(labels) || d.In != 3072 || d.Out != 10 || d.Classes != 10 || d.Shape != [3]int{3, 32, 32} {
		t.Fatalf("%s: Name %q N %d In %d Out %d Classes %d Shape %v; want N %d",
			what, d.Name, d.N, d.In, d.Out, d.Classes, d.Shape, len(labels))
	}
	if err := d.Check(); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	for i := range d.N {
		if d.Labels[i] != labels[i] {
			t.Fatalf("%s: label %d = %d, want %d", what, i, d.Labels[i], labels[i])
		}
		x, _ := d.Row(i)
		want := wantStandardized(pix[i])
		for j, v := range x {
			if math.IsNaN(float64(v)) || math.Abs(float64(v)-want[j]) > 1e-5 {
				t.Fatalf("%s: image %d value %d = %v, want %v", what, i, j, v, want[j])
			}
		}
		mean, variance := moments(x)
		if math.Abs(mean) > 1e-5 {
			t.Errorf("%s: image %d mean %v, want 0", what, i, mean)
		}
		switch {
		case bytes.Equal(pix[i], constImage):
			for j, v := range x {
				if v != 0 {
					t.Fatalf("%s: constant image %d value %d = %v, want 0", what, i, j, v)
				}
			}
		case bytes.Equal(pix[i], lowContrast):
			// std 0.5/255 is below the floor 1/√3072: values are ±(0.5/255)·√3072.
			if sd := math.Sqrt(variance); math.Abs(sd-0.5/255*math.Sqrt(3072)) > 1e-5 {
				t.Errorf("%s: low-contrast image %d std %v", what, i, sd)
			}
		default:
			if sd := math.Sqrt(variance); math.Abs(sd-1) > 1e-5 {
				t.Errorf("%s: image %d std %v, want 1", what, i, sd)
			}
		}
	}
}

func TestLoadCIFAR10Valid(t *testing.T) {
	s := newCIFARSynth()
	all := func(int) bool { return true }
	archiveDir := func(gz bool) func(t *testing.T) string {
		return func(t *testing.T) string {
			dir := t.TempDir()
			writeFile(t, dir, CIFAR10Archive, tarBytes(t, gz, s.archiveMembers(all)))
			return dir
		}
	}
	tests := []struct {
		name string
		dir  func(t *testing.T) string
	}{
		{"plain", func(t *testing.T) string { return s.writeDir(t, func(int) bool { return false }) }},
		{"gzip", func(t *testing.T) string { return s.writeDir(t, all) }},
		{"mixed", func(t *testing.T) string { return s.writeDir(t, func(i int) bool { return i%2 == 0 }) }},
		{"archive in dir", archiveDir(true)},
		{"archive path", func(t *testing.T) string { return filepath.Join(archiveDir(true)(t), CIFAR10Archive) }},
		{"plain tar", func(t *testing.T) string { return filepath.Join(archiveDir(false)(t), CIFAR10Archive) }},
		// Multi-member gzip files: the trailer gives the last member's size
		// only (1 record here, then 0), so the planned counts are wrong.
		{"multi-member gzip", func(t *testing.T) string {
			dir := s.writeDir(t, all)
			b := s.files[1]
			writeFile(t, dir, cifarFiles[1]+".gz", append(gzipBytes(t, b[:2*cifarRecord]), gzipBytes(t, b[2*cifarRecord:])...))
			return dir
		}},
		{"empty last gzip member", func(t *testing.T) string {
			dir := s.writeDir(t, all)
			writeFile(t, dir, cifarFiles[5]+".gz", append(gzipBytes(t, s.files[5]), gzipBytes(t, nil)...))
			return dir
		}},
		{"extracted folder", func(t *testing.T) string {
			dir := t.TempDir()
			sub := filepath.Join(dir, CIFAR10ArchiveFolder)
			if err := os.Mkdir(sub, 0o755); err != nil {
				t.Fatal(err)
			}
			for i, name := range cifarFiles {
				writeFile(t, sub, name, s.files[i])
			}
			return dir
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			train, test, err := Load(Options{Name: "cifar10", Dir: tc.dir(t)})
			if err != nil {
				t.Fatal(err)
			}
			checkCIFARSet(t, "train", train, s.trainLabels, s.trainPix)
			checkCIFARSet(t, "test", test, s.testLabels, s.testPix)
		})
	}
}

// TestCIFARChannelOrder checks CHW order on an image whose planes differ:
// red 200, green 100, blue 0, with one bright pixel at channel 1, row 2,
// column 3.
func TestCIFARChannelOrder(t *testing.T) {
	pix := make([]byte, cifarPixels)
	for i := range 1024 {
		pix[i], pix[1024+i] = 200, 100
	}
	spot := 1024 + 2*32 + 3
	pix[spot] = 255
	dir := t.TempDir()
	rec := append([]byte{6}, pix...)
	for _, name := range cifarFiles {
		writeFile(t, dir, name, rec)
	}
	train, test, err := Load(Options{Name: "cifar10", Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if train.N != 5 || test.N != 1 || test.Labels[0] != 6 {
		t.Fatalf("N %d/%d, test label %d", train.N, test.N, test.Labels[0])
	}
	x, _ := test.Row(0)
	r, g, b := x[0], x[1025], x[2048]
	if !(r > 0 && g < 0 && b < g && x[spot] > r) {
		t.Errorf("red %v green %v blue %v spot %v: want spot > red > 0 > green > blue", r, g, b, x[spot])
	}
	for i, v := range x {
		c := i / 1024
		want := []float32{r, g, b}[c]
		if i == spot {
			continue
		}
		if v != want {
			t.Fatalf("value %d (channel %d) = %v, want %v", i, c, v, want)
		}
	}
}

func TestLoadCIFAR10TrainSize(t *testing.T) {
	s := newCIFARSynth()
	dir := s.writeDir(t, func(i int) bool { return i == 1 })
	full, _, err := Load(Options{Name: "cifar10", Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 4, 15} { // 4 spans two batch files
		train, test, err := Load(Options{Name: "cifar10", Dir: dir, TrainSize: n})
		if err != nil {
			t.Fatal(err)
		}
		if test.N != 4 {
			t.Errorf("TrainSize %d: test N = %d, want 4", n, test.N)
		}
		checkCIFARSet(t, "train", train, s.trainLabels[:n], s.trainPix[:n])
		if !slicesEqual(train.X, full.X[:n*3072]) {
			t.Errorf("TrainSize %d: X is not the first %d rows of the full set", n, n)
		}
	}
	for n, want := range map[int]string{16: "TrainSize = 16, but " + dir + " holds only 15 training examples", -1: "TrainSize = -1"} {
		if _, _, err := Load(Options{Name: "cifar10", Dir: dir, TrainSize: n}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("TrainSize %d: %v, want error containing %q", n, err, want)
		}
	}
}

// A small run reads only the training records it keeps: a file past
// TrainSize is never read, so a bad label there (label 200, which a full
// load refuses) does not stop it.
func TestLoadCIFAR10ReadsOnlyWhatItNeeds(t *testing.T) {
	s := newCIFARSynth()
	bad := append([]byte(nil), s.files[4]...)
	bad[0] = 200
	s.files[4] = bad
	dir := s.writeDir(t, func(i int) bool { return i == 1 })
	train, _, err := Load(Options{Name: "cifar10", Dir: dir, TrainSize: 4})
	if err != nil {
		t.Fatalf("TrainSize 4 read the fifth file: %v", err)
	}
	checkCIFARSet(t, "train", train, s.trainLabels[:4], s.trainPix[:4])
	if _, _, err := Load(Options{Name: "cifar10", Dir: dir}); err == nil || !strings.Contains(err.Error(), "data_batch_5.bin") {
		t.Errorf("the full load: %v, want an error naming data_batch_5.bin", err)
	}
}

func slicesEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestLoadCIFAR10Errors(t *testing.T) {
	s := newCIFARSynth()
	all := func(int) bool { return true }
	plainDir := func(t *testing.T) string { return s.writeDir(t, func(int) bool { return false }) }
	gzDir := func(t *testing.T) string { return s.writeDir(t, all) }
	badLabel := append([]byte(nil), s.files[5]...)
	badLabel[2*cifarRecord] = 10
	gz := gzipBytes(t, s.files[1])
	flipped := append([]byte(nil), gz...)
	flipped[len(flipped)/2] ^= 0xff
	flipped[len(flipped)/2+1] ^= 0x55
	tooMany := gzipBytes(t, make([]byte, (MaxCIFARRecords+1)*cifarRecord))
	archive := func(gz bool, keep func(int) bool) func(t *testing.T) string {
		return func(t *testing.T) string {
			return writeFile(t, t.TempDir(), CIFAR10Archive, tarBytes(t, gz, s.archiveMembers(keep)))
		}
	}
	withArchive := func(f func(t *testing.T, p string)) func(t *testing.T) string {
		return func(t *testing.T) string {
			p := archive(true, all)(t)
			f(t, p)
			return p
		}
	}
	// replace writes name into dir (from base) after removing name and name.gz.
	replace := func(base func(t *testing.T) string, name string, b []byte) func(t *testing.T) string {
		return func(t *testing.T) string {
			dir := base(t)
			stem := strings.TrimSuffix(name, ".gz")
			os.Remove(filepath.Join(dir, stem))
			os.Remove(filepath.Join(dir, stem+".gz"))
			if b != nil {
				writeFile(t, dir, name, b)
			}
			return dir
		}
	}
	tests := []struct {
		name string
		dir  func(t *testing.T) string
		want []string
	}{
		{"truncated plain", replace(plainDir, "data_batch_3.bin", s.files[2][:3*cifarRecord-5]),
			[]string{"data_batch_3.bin: size 9214 bytes is not a multiple of the 3073-byte record", "remainder 3068 after 2 whole records"}},
		{"truncated gzip content", replace(gzDir, "data_batch_3.bin.gz", gzipBytes(t, s.files[2][:cifarRecord+1])),
			[]string{"data_batch_3.bin.gz: uncompressed size 3074 bytes is not a multiple", "remainder 1 after 1 whole records"}},
		{"empty", replace(plainDir, "data_batch_1.bin", []byte{}), []string{"data_batch_1.bin: empty"}},
		{"label 10 plain", replace(plainDir, "test_batch.bin", badLabel),
			[]string{"test_batch.bin: label 10 of record 2 (byte offset 6146) is out of range [0, 10)"}},
		{"label 10 gzip", replace(gzDir, "test_batch.bin.gz", gzipBytes(t, badLabel)),
			[]string{"test_batch.bin.gz: label 10 of record 2"}},
		{"missing test batch", replace(plainDir, "test_batch.bin", nil), []string{": missing test_batch.bin (or test_batch.bin.gz"}},
		{"missing dir", func(t *testing.T) string { return filepath.Join(t.TempDir(), "nope") }, []string{"data directory", "nope"}},
		{"corrupt gzip data", replace(gzDir, "data_batch_2.bin.gz", flipped), []string{"data_batch_2.bin.gz: corrupt gzip stream"}},
		{"truncated gzip", replace(gzDir, "data_batch_2.bin.gz", gz[:len(gz)/2]), []string{"data_batch_2.bin.gz: corrupt gzip stream"}},
		{"bad gzip header", replace(gzDir, "data_batch_2.bin.gz", []byte{0x1f, 0x8b, 1, 2, 3}), []string{"data_batch_2.bin.gz: corrupt gzip stream"}},
		{"too many records gzip", replace(gzDir, "data_batch_4.bin.gz", tooMany),
			[]string{"data_batch_4.bin.gz: uncompressed size over", "more than the 10001 records"}},
		{"too many records plain", func(t *testing.T) string {
			dir := plainDir(t)
			// A sparse file: the size check must refuse it before reading.
			if err := os.Truncate(filepath.Join(dir, "data_batch_5.bin"), (MaxCIFARRecords+1)*cifarRecord); err != nil {
				t.Fatal(err)
			}
			return dir
		}, []string{"data_batch_5.bin: size 30736146 bytes = 10002 records, more than the 10001"}},
		{"archive missing member", archive(true, func(i int) bool { return i != 5 }),
			[]string{CIFAR10Archive + ": archive has no member cifar-10-batches-bin/test_batch.bin"}},
		{"archive missing batch 3", func(t *testing.T) string {
			dir := t.TempDir()
			writeFile(t, dir, CIFAR10Archive, tarBytes(t, true, s.archiveMembers(func(i int) bool { return i != 2 })))
			return dir
		}, []string{CIFAR10Archive + ": archive has no member cifar-10-batches-bin/data_batch_3.bin"}},
		{"archive truncated", withArchive(func(t *testing.T, p string) {
			b, _ := os.ReadFile(p)
			writeFile(t, filepath.Dir(p), CIFAR10Archive, b[:len(b)/2])
		}), []string{CIFAR10Archive + ": "}},
		{"archive corrupt gzip", withArchive(func(t *testing.T, p string) {
			b, _ := os.ReadFile(p)
			b[len(b)/2] ^= 0xff
			b[len(b)/2+1] ^= 0x55
			writeFile(t, filepath.Dir(p), CIFAR10Archive, b)
		}), []string{CIFAR10Archive + ": corrupt gzip stream"}},
		{"archive checksum", withArchive(func(t *testing.T, p string) {
			b, _ := os.ReadFile(p)
			b[len(b)-5] ^= 1 // CRC-32 in the trailer
			writeFile(t, filepath.Dir(p), CIFAR10Archive, b)
		}), []string{CIFAR10Archive + ": corrupt gzip stream", "checksum"}},
		{"not a tar", func(t *testing.T) string {
			return writeFile(t, t.TempDir(), CIFAR10Archive, gzipBytes(t, bytes.Repeat([]byte("not a tar file "), 100)))
		}, []string{CIFAR10Archive + ": corrupt tar archive"}},
		{"archive bad member size", func(t *testing.T) string {
			m := s.archiveMembers(all)
			m[2].body = m[2].body[:100]
			return writeFile(t, t.TempDir(), CIFAR10Archive, tarBytes(t, true, m))
		}, []string{CIFAR10Archive + ": member cifar-10-batches-bin/data_batch_2.bin: size 100 bytes is not a multiple"}},
		{"archive bad label", func(t *testing.T) string {
			m := s.archiveMembers(all)
			m[6].body = badLabel
			return writeFile(t, t.TempDir(), CIFAR10Archive, tarBytes(t, true, m))
		}, []string{"member cifar-10-batches-bin/test_batch.bin: label 10 of record 2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := tc.dir(t)
			_, _, err := Load(Options{Name: "cifar10", Dir: dir})
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			t.Log(msg)
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error spans lines: %q", msg)
			}
			if !strings.Contains(msg, dir) && !strings.Contains(msg, filepath.Dir(dir)) {
				t.Errorf("error %q does not name %s", msg, dir)
			}
		})
	}
}

func TestCIFAR10Dir(t *testing.T) {
	s := newCIFARSynth()
	root := t.TempDir()
	if err := os.Mkdir(filepath.Join(root, "cifar10"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i, name := range cifarFiles {
		writeFile(t, filepath.Join(root, "cifar10"), name+".gz", gzipBytes(t, s.files[i]))
	}
	t.Setenv("CREDIT_DATA", root)
	dir, err := CIFAR10Dir()
	if err != nil || dir != filepath.Join(root, "cifar10") {
		t.Fatalf("CIFAR10Dir() = %q, %v; want %s", dir, err, filepath.Join(root, "cifar10"))
	}
	train, _, err := Load(Options{Name: "cifar10"})
	if err != nil || train.N != 15 {
		t.Fatalf("Load with default dir: %v", err)
	}

	// The relative candidates, from a working directory two levels down.
	work := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(filepath.Join(root, "shared", "data", "cifar10"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(work)
	t.Setenv("CREDIT_DATA", filepath.Join(root, "elsewhere"))
	if dir, err := CIFAR10Dir(); err != nil || dir != filepath.Join(root, "shared", "data", "cifar10") {
		t.Errorf("CIFAR10Dir() from %s = %q, %v", work, dir, err)
	}

	// Nothing found: the error names the flag.
	t.Chdir(t.TempDir())
	if _, err := CIFAR10Dir(); err == nil || !strings.Contains(err.Error(), "--data-dir") || !strings.Contains(err.Error(), "elsewhere") {
		t.Errorf("CIFAR10Dir() with nothing present: %v", err)
	}
	if _, _, err := Load(Options{Name: "cifar10"}); err == nil || !strings.Contains(err.Error(), "--data-dir") {
		t.Errorf("Load with nothing present: %v", err)
	}
}

// TestLoadCIFAR10Real loads the workplace copy, if there is one.
func TestLoadCIFAR10Real(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 60,000 images")
	}
	dir, err := CIFAR10Dir()
	if err != nil {
		t.Skip(err)
	}
	t.Cleanup(debug.FreeOSMemory) // give the ~0.8 GB back before the next test
	start := time.Now()
	train, test, err := Load(Options{Name: "cifar10", Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded %s in %v", dir, time.Since(start))
	if train.N != 50000 || test.N != 10000 {
		t.Fatalf("N = %d/%d, want 50000/10000", train.N, test.N)
	}
	for _, d := range []*Dataset{train, test} {
		if d.In != 3072 || d.Out != 10 || d.Classes != 10 || d.Shape != [3]int{3, 32, 32} || len(d.X) != d.N*3072 {
			t.Fatalf("In %d Out %d Classes %d Shape %v len(X) %d", d.In, d.Out, d.Classes, d.Shape, len(d.X))
		}
		for i := range 5 {
			if l := d.Labels[i]; l < 0 || l > 9 || d.Y[i*10+l] != 1 {
				t.Errorf("label %d = %d", i, l)
			}
			x, _ := d.Row(i)
			if m, v := moments(x); math.Abs(m) > 1e-5 || v > 1+1e-4 {
				t.Errorf("image %d: mean %v variance %v", i, m, v)
			}
		}
	}
	var count [10]int
	for _, l := range test.Labels {
		count[l]++
	}
	for c, n := range count {
		if n != 1000 {
			t.Errorf("test class %d has %d images, want 1000", c, n)
		}
	}
}

func BenchmarkStandardizeImage(b *testing.B) {
	pix := cifarImage(1)
	dst := make([]float32, cifarPixels)
	b.SetBytes(cifarPixels)
	for b.Loop() {
		standardizeImage(dst, pix)
	}
}
