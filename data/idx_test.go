package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// idxBytes builds an IDX file image with the given type byte, dims and payload.
func idxBytes(typ byte, dims []uint32, payload []byte) []byte {
	b := []byte{0, 0, typ, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, payload...)
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

func TestReadIDXValid(t *testing.T) {
	tests := []struct {
		name string
		dims []uint32
		gz   bool
	}{
		{"1d", []uint32{5}, false},
		{"1d-gz", []uint32{5}, true},
		{"3d", []uint32{4, 3, 2}, false},
		{"3d-gz", []uint32{4, 3, 2}, true},
		{"4d", []uint32{2, 1, 3, 3}, false},
		{"big-gz", []uint32{100, 28, 28}, true}, // exercises the buffered read loop
	}
	dir := t.TempDir()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := 1
			for _, d := range tc.dims {
				n *= int(d)
			}
			want := seq(n)
			b := idxBytes(0x08, tc.dims, want)
			if tc.gz {
				b = gzipBytes(t, b)
			}
			// The name deliberately lies about compression: detection is by magic bytes.
			path := writeFile(t, dir, tc.name+".idx", b)
			dims, payload, err := ReadIDX(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(dims) != len(tc.dims) {
				t.Fatalf("dims = %v, want %v", dims, tc.dims)
			}
			for i := range dims {
				if dims[i] != int(tc.dims[i]) {
					t.Fatalf("dims = %v, want %v", dims, tc.dims)
				}
			}
			if !bytes.Equal(payload, want) {
				t.Fatalf("payload differs")
			}
		})
	}
}

func TestReadIDXErrors(t *testing.T) {
	good := idxBytes(0x08, []uint32{2, 3}, seq(6))
	goodGz := gzipBytes(t, good)
	badCRC := bytes.Clone(goodGz)
	badCRC[len(badCRC)-8] ^= 0xff // CRC-32 field of the gzip trailer
	tests := []struct {
		name string
		data []byte // nil: file is not created
		want string // substring of the error
	}{
		{"missing", nil, "no such file"},
		{"empty", []byte{}, "too short"},
		{"short-header", []byte{0, 0, 8}, "too short"},
		{"short-dims", []byte{0, 0, 8, 2, 0, 0, 0, 1}, "too short"},
		{"wrong-magic", append([]byte{0x50, 0x4b}, good[2:]...), "not an IDX file"},
		{"float-type", idxBytes(0x0D, []uint32{2}, make([]byte, 8)), "0x0d (float32) not supported"},
		{"unknown-type", idxBytes(0x42, []uint32{2}, seq(2)), "unknown element type byte 0x42"},
		{"zero-ndims", idxBytes(0x08, nil, nil), "0 dimensions"},
		{"five-ndims", idxBytes(0x08, []uint32{1, 1, 1, 1, 1}, seq(1)), "5 dimensions"},
		{"zero-dim", idxBytes(0x08, []uint32{3, 0}, nil), "dimension 1 is 0"},
		{"overflow", idxBytes(0x08, []uint32{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, nil), "limit"},
		{"over-limit", idxBytes(0x08, []uint32{2, 1<<30 + 1}, nil), "limit"},
		{"truncated", idxBytes(0x08, []uint32{2, 3}, seq(5)), "header says 2 items of 3 bytes (2×3 = 6 bytes), file holds 5 bytes (1 whole items)"},
		{"truncated-gz", gzipBytes(t, idxBytes(0x08, []uint32{2, 3}, seq(5))), "file holds 5 bytes"},
		{"trailing", idxBytes(0x08, []uint32{2, 3}, seq(8)), "holds 2 more (trailing bytes)"},
		{"trailing-gz", gzipBytes(t, idxBytes(0x08, []uint32{2, 3}, seq(8))), "trailing bytes"},
		{"lying-plain", idxBytes(0x08, []uint32{2, 1 << 30}, seq(10)), "file holds 10 bytes"},
		{"lying-gz", gzipBytes(t, idxBytes(0x08, []uint32{2, 1 << 30}, seq(10))), "file holds 10 bytes"},
		{"gzip-garbage", []byte{0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, "corrupt gzip"},
		{"gzip-bad-crc", badCRC, "corrupt gzip"},
		{"gzip-cut", goodGz[:len(goodGz)-6], "corrupt gzip"},
		{"gzip-trailing-garbage", append(bytes.Clone(goodGz), "junk!junk!junk!"...), "corrupt gzip"},
	}
	dir := t.TempDir()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+"-idx3-ubyte")
			if tc.data != nil {
				writeFile(t, dir, filepath.Base(path), tc.data)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			dims, payload, err := ReadIDX(path)
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatalf("ReadIDX succeeded (dims %v, %d bytes), want error containing %q", dims, len(payload), tc.want)
			}
			msg := err.Error()
			t.Log(msg)
			if !strings.Contains(msg, path) {
				t.Errorf("error %q does not name the file %s", msg, path)
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not contain %q", msg, tc.want)
			}
			if !strings.HasPrefix(msg, "idx: ") {
				t.Errorf("error %q does not start with \"idx: \"", msg)
			}
			// A lying header must neither allocate its claimed size nor take long.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("allocated %d MB for a corrupt file", alloc>>20)
			}
			if elapsed > time.Second {
				t.Errorf("took %v", elapsed)
			}
		})
	}
}

// pairFiles writes an image and a label IDX file into dir and returns their paths.
func pairFiles(t *testing.T, dir string, imgDims []uint32, pix []byte, labDims []uint32, labels []byte) (string, string) {
	t.Helper()
	img := writeFile(t, dir, "images-idx3-ubyte", idxBytes(0x08, imgDims, pix))
	lab := writeFile(t, dir, "labels-idx1-ubyte.gz", gzipBytes(t, idxBytes(0x08, labDims, labels)))
	return img, lab
}

func TestReadIDXPair(t *testing.T) {
	// Three 2×2 images.
	pix := []byte{0, 255, 51, 102, 255, 0, 0, 0, 1, 2, 3, 4}
	tests := []struct {
		name    string
		imgDims []uint32
		pix     []byte
		labDims []uint32
		labels  []byte
		classes int
		want    string // "" = success
		inFile  string // "images" or "labels": which file the error must name
	}{
		{"ok", []uint32{3, 2, 2}, pix, []uint32{3}, []byte{0, 9, 4}, 10, "", ""},
		{"count-mismatch", []uint32{3, 2, 2}, pix, []uint32{2}, []byte{0, 9}, 10, "holds 2 labels, but image file", "labels"},
		{"label-range", []uint32{3, 2, 2}, pix, []uint32{3}, []byte{0, 10, 4}, 10, "label 10 of example 1 is out of range [0, 10)", "labels"},
		{"label-range-3", []uint32{3, 2, 2}, pix, []uint32{3}, []byte{0, 1, 3}, 3, "label 3 of example 2", "labels"},
		{"image-dims", []uint32{3, 4}, pix, []uint32{3}, []byte{0, 1, 2}, 10, "want 3", "images"},
		{"label-dims", []uint32{3, 2, 2}, pix, []uint32{3, 1}, []byte{0, 1, 2}, 10, "want 1", "labels"},
		{"classes", []uint32{3, 2, 2}, pix, []uint32{3}, []byte{0, 1, 2}, 0, "classes = 0", "labels"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, lab := pairFiles(t, t.TempDir(), tc.imgDims, tc.pix, tc.labDims, tc.labels)
			d, err := ReadIDXPair("toy", img, lab, tc.classes)
			if tc.want != "" {
				if err == nil {
					t.Fatalf("no error, want %q", tc.want)
				}
				file := map[string]string{"images": img, "labels": lab}[tc.inFile]
				if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), file) {
					t.Fatalf("error %q, want it to contain %q and %s", err, tc.want, file)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := d.Check(); err != nil {
				t.Fatal(err)
			}
			if d.Name != "toy" || d.N != 3 || d.In != 4 || d.Out != 10 || d.Classes != 10 || d.Shape != [3]int{1, 2, 2} {
				t.Fatalf("got Name %q N %d In %d Out %d Classes %d Shape %v", d.Name, d.N, d.In, d.Out, d.Classes, d.Shape)
			}
			for i, v := range pix {
				if want := float32(v) / 255; d.X[i] != want {
					t.Errorf("X[%d] = %v, want %v", i, d.X[i], want)
				}
			}
			if d.X[0] != 0 || d.X[1] != 1 || d.X[2] != 0.2 {
				t.Errorf("scaling: 0→%v 255→%v 51→%v, want 0 1 0.2", d.X[0], d.X[1], d.X[2])
			}
			for i, l := range tc.labels {
				if d.Labels[i] != int(l) {
					t.Errorf("Labels[%d] = %d, want %d", i, d.Labels[i], l)
				}
				_, y := d.Row(i)
				for j, v := range y {
					if want := float32(map[bool]int{true: 1}[j == int(l)]); v != want {
						t.Errorf("Y[%d][%d] = %v, want %v", i, j, v, want)
					}
				}
			}
		})
	}
}
