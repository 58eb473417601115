package data

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzIDX reads arbitrary bytes as an IDX file, plain and gzipped: it must
// return an error or a payload of exactly the size its header gives, and
// never allocate much more than the input holds.
func FuzzIDX(f *testing.F) {
	f.Add(idxBytes(0x08, []uint32{3}, []byte{1, 2, 3}), false)
	f.Add(idxBytes(0x08, []uint32{2, 2, 2}, seq(8)), true)
	f.Add(idxBytes(0x08, []uint32{60000, 28, 28}, seq(10)), false) // lying header
	f.Add(idxBytes(0x08, []uint32{1 << 31, 1 << 31}, nil), true)
	f.Add(idxBytes(0x0D, []uint32{1}, []byte{0, 0, 0, 0}), false)
	f.Add([]byte{0, 0, 8}, false)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte, gz bool) {
		if gz {
			b = gzipBytes(t, b)
		}
		p := filepath.Join(dir, "x-idx")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		dims, payload, err := ReadIDX(p)
		if err != nil {
			return
		}
		n := 1
		for _, d := range dims {
			n *= d
		}
		if len(payload) != n {
			t.Fatalf("dims %v but %d payload bytes", dims, len(payload))
		}
	})
}

// FuzzCIFAR reads arbitrary bytes as a CIFAR-10 batch file (plain or
// gzipped) and as the tar archive, decoding whatever is accepted.
func FuzzCIFAR(f *testing.F) {
	rec := cifarBatch(0, []byte{3, 9}, nil)
	var arch bytes.Buffer
	tw := tar.NewWriter(&arch)
	for _, name := range cifarFiles {
		tw.WriteHeader(&tar.Header{Name: CIFAR10ArchiveFolder + "/" + name, Mode: 0o644, Size: int64(len(rec)), Typeflag: tar.TypeReg})
		tw.Write(rec)
	}
	tw.Close()
	f.Add(rec, byte(0))
	f.Add(rec[:100], byte(1))
	f.Add(append([]byte{10}, rec[1:]...), byte(0))
	f.Add(arch.Bytes(), byte(2))
	f.Add(arch.Bytes()[:1000], byte(3))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte, mode byte) {
		if mode&1 != 0 {
			b = gzipBytes(t, b)
		}
		p := filepath.Join(dir, "x.bin")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		var raws [][]byte
		if mode&2 == 0 {
			raw, err := readCIFARFile(p, nil)
			if err != nil {
				return
			}
			raws = append(raws, raw)
		} else {
			batches, err := readCIFARArchive(p)
			if err != nil {
				return
			}
			raws = batches[:]
		}
		for _, raw := range raws {
			if len(raw)%cifarRecord != 0 || len(raw) == 0 || len(raw) > MaxCIFARRecords*cifarRecord {
				t.Fatalf("accepted %d bytes", len(raw))
			}
			d := newCIFARSet("cifar10", len(raw)/cifarRecord)
			for i := range d.N {
				decodeCIFAR(d, i, raw[i*cifarRecord:(i+1)*cifarRecord])
			}
		}
	})
}

// An IDX header asking for more than the memory available once loaded as
// float32 is refused before the payload is read: here a gzipped file of
// 16 MB of zeros, a few kilobytes on disk, under a 50 MB limit.
func TestIDXMemoryLimit(t *testing.T) {
	old := memoryLimit
	memoryLimit = func() (int64, string) { return 50e6, "the test's limit" }
	defer func() { memoryLimit = old }()
	dims := []uint32{1 << 14, 32, 32}
	b := gzipBytes(t, idxBytes(0x08, dims, make([]byte, 1<<24)))
	p := writeFile(t, t.TempDir(), "x-idx.gz", b)
	_, _, err := ReadIDX(p)
	want := "ask for 16777216 bytes, about 0.0839 GB once loaded as float32; 0.05 GB is the test's limit"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want …%s", err, want)
	}
	// A smaller file fits.
	p = writeFile(t, t.TempDir(), "y-idx.gz", gzipBytes(t, idxBytes(0x08, []uint32{1000, 32, 32}, make([]byte, 1000*1024))))
	if _, _, err := ReadIDX(p); err != nil {
		t.Fatal(err)
	}
}
