package rundir

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
)

// The checkpoint container. Layout (little-endian): the magic "credckpt",
// a uint32 format version (CheckpointVersion), a uint32 header length, the
// header (JSON, defined by the writer: train's holds the run's settings,
// its position, the random streams and the lengths of the arrays and of
// metrics.jsonl and diag.jsonl it covers), the arrays (the float32 ones,
// then the float64 ones, then the uint32 ones, each as its values one
// after the other, with no lengths: the header says them), and a CRC-32C
// of everything before it. This package owns the container; what the
// header and arrays hold belongs to the writer.
const (
	CheckpointMagic   = "credckpt"
	CheckpointVersion = 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// A CheckpointHeader is a checkpoint's JSON header as its writer defines
// it. Layout gives the lengths of the arrays that follow it, by kind, in
// file order; the reader calls it after decoding the header.
type CheckpointHeader interface {
	Layout() (f32, f64, u32 []int)
}

// CheckpointArrays are a checkpoint's arrays, by kind, in file order.
type CheckpointArrays struct {
	F32 [][]float32
	F64 [][]float64
	U32 [][]uint32
}

// WriteCheckpoint writes a checkpoint with the JSON header h and the
// arrays a to w, in the container's layout. h's Layout must describe a.
func WriteCheckpoint(w io.Writer, h any, a CheckpointArrays) error {
	js, err := json.Marshal(h)
	if err != nil {
		return err
	}
	sum := crc32.New(castagnoli)
	out := io.MultiWriter(w, sum)
	var werr error
	buf := make([]byte, 0, 1<<16)
	flush := func(force bool) {
		if werr == nil && (force || len(buf) > cap(buf)-8) {
			_, werr = out.Write(buf)
			buf = buf[:0]
		}
	}
	buf = append(buf, CheckpointMagic...)
	buf = binary.LittleEndian.AppendUint32(buf, CheckpointVersion)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(js)))
	buf = append(buf, js...)
	flush(true)
	for _, s := range a.F32 {
		for _, v := range s {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			flush(false)
		}
	}
	for _, s := range a.F64 {
		for _, v := range s {
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
			flush(false)
		}
	}
	for _, s := range a.U32 {
		for _, v := range s {
			buf = binary.LittleEndian.AppendUint32(buf, v)
			flush(false)
		}
	}
	flush(true)
	if werr != nil {
		return werr
	}
	_, err = w.Write(binary.LittleEndian.AppendUint32(nil, sum.Sum32()))
	return err
}

// SaveCheckpoint writes dir's checkpoint atomically (see WriteAtomic),
// through wrap if it is not nil (a test's hook on the writer).
func SaveCheckpoint(dir string, h any, a CheckpointArrays, wrap func(io.Writer) io.Writer) error {
	return WriteAtomic(Path(dir, CheckpointFile), func(w io.Writer) error {
		if wrap != nil {
			w = wrap(w)
		}
		return WriteCheckpoint(w, h, a)
	})
}

// ReadCheckpoint reads and verifies dir's checkpoint, decoding its header
// into h. Its size is capped before anything is read into memory: the
// header length by MaxCheckpointHeader and the whole file by the size its
// header describes (a file, sparse or not, or a device such as /dev/zero
// that holds more is refused by its size). Errors are one line naming the
// file and what is wrong: missing, not a checkpoint, of another format
// version, truncated, corrupt (checksum) or malformed.
func ReadCheckpoint(dir string, h CheckpointHeader) (CheckpointArrays, error) {
	path := Path(dir, CheckpointFile)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return CheckpointArrays{}, fmt.Errorf("%s: no checkpoint (the run stopped before its first one, after evaluating the initial network, or was made by a credit without checkpoints)", path)
	}
	if err != nil {
		return CheckpointArrays{}, err
	}
	defer f.Close()
	a, err := readCheckpoint(f, h)
	if err != nil {
		return a, fmt.Errorf("%s: %v", path, err)
	}
	return a, nil
}

const ckPre = len(CheckpointMagic) + 8 // magic, version, header length

func readCheckpoint(f *os.File, h CheckpointHeader) (CheckpointArrays, error) {
	var none CheckpointArrays
	size := int64(-1) // the stat'd size of a regular file
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	pre := make([]byte, ckPre)
	n, err := io.ReadFull(f, pre)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return none, err
	}
	if n < len(CheckpointMagic) || string(pre[:len(CheckpointMagic)]) != CheckpointMagic {
		return none, errors.New("not a credit checkpoint")
	}
	if n < ckPre {
		return none, fmt.Errorf("truncated: %d bytes", n)
	}
	if v := binary.LittleEndian.Uint32(pre[len(CheckpointMagic):]); v != CheckpointVersion {
		return none, fmt.Errorf("checkpoint format version %d; this credit reads version %d", v, CheckpointVersion)
	}
	if hlen := binary.LittleEndian.Uint32(pre[len(CheckpointMagic)+4:]); hlen > MaxCheckpointHeader {
		return none, fmt.Errorf("malformed: a header of %d bytes, beyond the %d a header can hold", hlen, MaxCheckpointHeader)
	}
	hlen := int64(binary.LittleEndian.Uint32(pre[len(CheckpointMagic)+4:]))
	hdr := make([]byte, hlen)
	if n, err := io.ReadFull(f, hdr); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return none, fmt.Errorf("truncated: %d bytes, the header alone needs %d", int64(ckPre)+int64(n), int64(ckPre)+hlen+4)
		}
		return none, err
	}
	// The largest file the header can describe; the checksum decides
	// between truncated, corrupt and malformed.
	limit := int64(ckPre) + hlen + 4
	if want, herr := describedSize(hdr, h); herr == nil {
		limit = max(limit, want)
	}
	if size > limit {
		return none, fmt.Errorf("malformed: %d bytes, the header describes %d", size, limit)
	}
	rest, err := io.ReadAll(io.LimitReader(f, limit-int64(ckPre)-hlen+1))
	if err != nil {
		return none, err
	}
	if int64(ckPre)+hlen+int64(len(rest)) > limit {
		return none, fmt.Errorf("malformed: more than the %d bytes the header describes", limit)
	}
	b := make([]byte, 0, int64(ckPre)+hlen+int64(len(rest)))
	b = append(append(append(b, pre...), hdr...), rest...)
	return ParseCheckpoint(b, h)
}

// describedSize decodes the header hdr into h and returns the size of the
// checkpoint its Layout describes, and the decoding error. Negative or
// absurd lengths are an error too.
func describedSize(hdr []byte, h CheckpointHeader) (int64, error) {
	herr := json.Unmarshal(hdr, h)
	f32, f64, u32 := h.Layout()
	size := int64(ckPre) + int64(len(hdr)) + 4
	const most = 1 << 50 // beyond any checkpoint; keeps the sum from overflowing
	for _, k := range []struct {
		ns []int
		w  int64
	}{{f32, 4}, {f64, 8}, {u32, 4}} {
		for _, n := range k.ns {
			if n < 0 || n > most {
				return size, fmt.Errorf("an array of %d values", n)
			}
			if size += k.w * int64(n); size > most {
				return size, errors.New("arrays beyond any network")
			}
		}
	}
	return size, herr
}

// ParseCheckpoint verifies the checkpoint b and decodes it: the header
// into h, the arrays into the result (see ReadCheckpoint for the errors,
// which do not name the file). It allocates no array before the checksum
// and the header's description of b's size agree.
func ParseCheckpoint(b []byte, h CheckpointHeader) (CheckpointArrays, error) {
	var none CheckpointArrays
	if len(b) < len(CheckpointMagic) || string(b[:len(CheckpointMagic)]) != CheckpointMagic {
		return none, errors.New("not a credit checkpoint")
	}
	if len(b) < ckPre+4 {
		return none, fmt.Errorf("truncated: %d bytes", len(b))
	}
	if v := binary.LittleEndian.Uint32(b[len(CheckpointMagic):]); v != CheckpointVersion {
		return none, fmt.Errorf("checkpoint format version %d; this credit reads version %d", v, CheckpointVersion)
	}
	hlen := int64(binary.LittleEndian.Uint32(b[len(CheckpointMagic)+4:]))
	if int64(len(b)) < int64(ckPre)+hlen+4 {
		return none, fmt.Errorf("truncated: %d bytes, the header alone needs %d", len(b), int64(ckPre)+hlen+4)
	}
	hdr := b[ckPre : int64(ckPre)+hlen]
	size, herr := describedSize(hdr, h)
	if want, got := binary.LittleEndian.Uint32(b[len(b)-4:]), crc32.Checksum(b[:len(b)-4], castagnoli); want != got {
		if herr == nil && int64(len(b)) < size {
			return none, fmt.Errorf("truncated: %d bytes, the header describes %d", len(b), size)
		}
		return none, fmt.Errorf("corrupt: checksum %08x, the file says %08x", got, want)
	}
	if herr != nil || int64(len(b)) != size {
		return none, fmt.Errorf("malformed: %d bytes, the header describes %d (%v)", len(b), size, herr)
	}
	f32, f64, u32 := h.Layout()
	body := b[int64(ckPre)+hlen:]
	var a CheckpointArrays
	a.F32, body = decodeArrays(body, f32, 4, func(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) })
	a.F64, body = decodeArrays(body, f64, 8, func(b []byte) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(b)) })
	a.U32, _ = decodeArrays(body, u32, 4, binary.LittleEndian.Uint32)
	return a, nil
}

// decodeArrays reads arrays of the lengths lens, each value size bytes
// decoded by get, from the front of body, and returns them and the rest.
func decodeArrays[T any](body []byte, lens []int, size int, get func([]byte) T) ([][]T, []byte) {
	out := make([][]T, len(lens))
	for i, n := range lens {
		out[i] = make([]T, n)
		for j := range out[i] {
			out[i][j] = get(body)
			body = body[size:]
		}
	}
	return out, body
}
