package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/creditlab/credit/internal/memlimit"
)

// MaxIDXPayload is the largest IDX payload, in bytes, that ReadIDX accepts.
// A header asking for more is refused before anything is allocated.
const MaxIDXPayload = 1 << 31

// memoryLimit is the memory this process may use (0: unknown); tests
// replace it.
var memoryLimit = memlimit.Available

// idxTypeNames names the IDX element types other than unsigned byte, for
// error messages.
var idxTypeNames = map[byte]string{
	0x09: "signed byte",
	0x0B: "int16",
	0x0C: "int32",
	0x0D: "float32",
	0x0E: "float64",
}

// ReadIDX reads an IDX file (gzipped or not, detected by the gzip magic bytes
// 0x1f 0x8b, not by the name) and returns its dimensions and raw
// unsigned-byte payload. Only the unsigned-byte type (0x08) is accepted.
//
// The payload is laid out row-major over dims (the last dimension varies
// fastest) and has exactly dims[0]×…×dims[len(dims)-1] bytes. Errors name the
// file and say what is wrong: not an IDX file, unsupported type, bad
// dimension count (must be 1–4) or zero dimension, a header asking for more
// than MaxIDXPayload bytes or for more than the memory available holds once
// the payload is loaded as float32 (five bytes per byte), a payload shorter or longer than the header says,
// or a corrupt gzip stream. A lying header cannot make ReadIDX allocate much
// more than the file actually holds.
func ReadIDX(path string) (dims []int, payload []byte, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("idx: %w", err)
	}
	defer f.Close()

	fail := func(format string, args ...any) ([]int, []byte, error) {
		return nil, nil, fmt.Errorf("idx: %s: "+format, append([]any{path}, args...)...)
	}

	br := bufio.NewReaderSize(f, 1<<16)
	var r io.Reader = br
	gz := false
	remaining := int64(-1) // bytes left in a plain file, -1 if unknown
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fail("corrupt gzip stream: %v", err)
		}
		defer zr.Close()
		r, gz = zr, true
	} else if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		remaining = st.Size()
	}

	// readErr turns an error from the underlying reader into a message.
	readErr := func(what string, err error) ([]int, []byte, error) {
		if gz && !errors.Is(err, io.EOF) {
			return fail("corrupt gzip stream while reading %s: %v", what, err)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fail("not an IDX file: too short for the %s", what)
		}
		return fail("reading %s: %v", what, err)
	}

	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return readErr("header", err)
	}
	if hdr[0] != 0 || hdr[1] != 0 {
		return fail("not an IDX file (starts with bytes %#02x %#02x, want 0x00 0x00)", hdr[0], hdr[1])
	}
	if hdr[2] != 0x08 {
		if name, ok := idxTypeNames[hdr[2]]; ok {
			return fail("IDX element type %#02x (%s) not supported; only unsigned byte (0x08) is", hdr[2], name)
		}
		return fail("not an IDX file: unknown element type byte %#02x (only unsigned byte 0x08 is supported)", hdr[2])
	}
	nd := int(hdr[3])
	if nd == 0 || nd > 4 {
		return fail("IDX header has %d dimensions, want 1 to 4", nd)
	}
	var dimBuf [16]byte
	if _, err := io.ReadFull(r, dimBuf[:4*nd]); err != nil {
		return readErr(fmt.Sprintf("%d dimension sizes in the header", nd), err)
	}
	dims = make([]int, nd)
	size := int64(1)
	for i := range dims {
		d := int64(binary.BigEndian.Uint32(dimBuf[4*i:]))
		if d == 0 {
			return fail("IDX dimension %d is 0", i)
		}
		if size > MaxIDXPayload/d {
			for j := i + 1; j < nd; j++ {
				dims[j] = int(binary.BigEndian.Uint32(dimBuf[4*j:]))
			}
			dims[i] = int(d)
			return fail("IDX header dimensions %s ask for more than the %d-byte limit", dimString(dims), int64(MaxIDXPayload))
		}
		size *= d
		dims[i] = int(d)
	}
	if remaining >= 0 {
		remaining -= int64(4 + 4*nd)
	}
	// The payload and, once loaded, its float32 copy (five bytes per byte)
	// must fit the memory available: a gzipped file can hold gigabytes of
	// zeros in a few megabytes.
	if avail, what := memoryLimit(); avail > 0 && 5*size > avail {
		return fail("IDX header dimensions %s ask for %d bytes, about %.3g GB once loaded as float32; %.3g GB is %s",
			dimString(dims), size, float64(5*size)/1e9, float64(avail)/1e9, what)
	}

	// truncated and trailing build the two size-mismatch messages.
	item := size / int64(dims[0])
	truncated := func(got int64) ([]int, []byte, error) {
		return fail("truncated: header says %d items of %d bytes (%s = %d bytes), file holds %d bytes (%d whole items)",
			dims[0], item, dimString(dims), size, got, got/item)
	}
	trailing := func(extra string) ([]int, []byte, error) {
		return fail("header says %s = %d payload bytes, file holds %s more (trailing bytes)", dimString(dims), size, extra)
	}

	if remaining >= 0 {
		// Plain file: the size is known up front, so check before allocating.
		if remaining < size {
			return truncated(remaining)
		}
		if remaining > size {
			return trailing(fmt.Sprint(remaining - size))
		}
		payload = make([]byte, size)
		if n, err := io.ReadFull(r, payload); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return truncated(int64(n)) // the file shrank under us
			}
			return fail("reading payload: %v", err)
		}
		if n, _ := io.ReadFull(r, dimBuf[:1]); n > 0 {
			return trailing("at least 1")
		}
		return dims, payload, nil
	}

	// Gzip (or non-regular) input: the real size is unknown, so read through
	// a LimitReader of size+1 bytes and grow the buffer only as data arrives.
	lr := io.LimitReader(r, size+1)
	payload = make([]byte, min(size, 1<<24))
	n := int64(0)
	for n < size {
		if n == int64(len(payload)) {
			grown := make([]byte, min(size, 2*n))
			copy(grown, payload)
			payload = grown
		}
		m, err := lr.Read(payload[n:])
		n += int64(m)
		if err == io.EOF {
			break
		}
		if err != nil {
			if gz {
				return fail("corrupt gzip stream after %d payload bytes: %v", n, err)
			}
			return fail("reading payload: %v", err)
		}
	}
	if n < size {
		return truncated(n)
	}
	// One more byte must give a clean EOF (which also makes gzip verify its
	// checksum).
	for {
		m, err := lr.Read(dimBuf[:1])
		if m > 0 {
			return trailing("at least 1")
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			if gz {
				return fail("corrupt gzip stream at end of payload: %v", err)
			}
			return fail("reading payload: %v", err)
		}
	}
	return dims, payload, nil
}

// dimString formats dims as "60000×28×28".
func dimString(dims []int) string {
	s := make([]string, len(dims))
	for i, d := range dims {
		s[i] = fmt.Sprint(d)
	}
	return strings.Join(s, "×")
}

// ReadIDXPair reads an image file and a label file (as in MNIST) and returns
// a classification Dataset named name with pixels scaled to [0,1] (byte v
// becomes v/255, so 0→0 and 255→1), X of shape N×(H·W), one-hot targets Y of
// shape N×classes, Labels, Classes = classes and Shape {1,H,W}.
//
// The image file must have 3 dimensions (N, H, W) and the label file 1 (N).
// It is an error if the counts disagree or a label is ≥ classes (10 for
// MNIST); errors name the offending file.
func ReadIDXPair(name, imagesPath, labelsPath string, classes int) (*Dataset, error) {
	if classes < 1 || classes > 256 {
		return nil, fmt.Errorf("idx: %s: classes = %d, want 1 to 256", labelsPath, classes)
	}
	idims, pix, err := ReadIDX(imagesPath)
	if err != nil {
		return nil, err
	}
	if len(idims) != 3 {
		return nil, fmt.Errorf("idx: %s: image file has %d dimensions (%s), want 3 (count×height×width)",
			imagesPath, len(idims), dimString(idims))
	}
	ldims, lab, err := ReadIDX(labelsPath)
	if err != nil {
		return nil, err
	}
	if len(ldims) != 1 {
		return nil, fmt.Errorf("idx: %s: label file has %d dimensions (%s), want 1 (count)",
			labelsPath, len(ldims), dimString(ldims))
	}
	n, h, w := idims[0], idims[1], idims[2]
	if ldims[0] != n {
		return nil, fmt.Errorf("idx: %s: holds %d labels, but image file %s holds %d images",
			labelsPath, ldims[0], imagesPath, n)
	}
	for i, l := range lab {
		if int(l) >= classes {
			return nil, fmt.Errorf("idx: %s: label %d of example %d is out of range [0, %d)", labelsPath, l, i, classes)
		}
	}

	var scale [256]float32
	for v := range scale {
		scale[v] = float32(v) / 255
	}
	d := &Dataset{
		Name:    name,
		X:       make([]float32, len(pix)),
		Y:       make([]float32, n*classes),
		Labels:  make([]int, n),
		N:       n,
		In:      h * w,
		Out:     classes,
		Classes: classes,
		Shape:   [3]int{1, h, w},
	}
	for i, v := range pix {
		d.X[i] = scale[v]
	}
	for i, l := range lab {
		d.Labels[i] = int(l)
		d.Y[i*classes+int(l)] = 1
	}
	return d, nil
}
