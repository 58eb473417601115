package export

import (
	"archive/zip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// npyHeader returns the header of a NumPy .npy file, format version 1.0:
// the magic "\x93NUMPY", the version bytes 1 and 0, the header's length as
// a little-endian uint16 and the header, a Python dict literal
// {'descr': descr, 'fortran_order': False, 'shape': (…), } padded with
// spaces and ended by a newline so that the data starts at a multiple of
// 64 bytes.
func npyHeader(descr string, shape []int) []byte {
	dims := make([]string, len(shape))
	for i, n := range shape {
		dims[i] = strconv.Itoa(n)
	}
	tuple := "(" + strings.Join(dims, ", ")
	if len(shape) == 1 {
		tuple += ","
	}
	tuple += ")"
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, tuple)
	const pre = 10 // magic, version, length
	total := pre + len(dict) + 1
	pad := (64 - total%64) % 64
	h := make([]byte, 0, total+pad)
	h = append(h, "\x93NUMPY\x01\x00"...)
	h = binary.LittleEndian.AppendUint16(h, uint16(len(dict)+pad+1))
	h = append(h, dict...)
	for range pad {
		h = append(h, ' ')
	}
	return append(h, '\n')
}

// writeNPY writes t as a .npy file: '<f4' for float32 data, '<f8' for
// float64, C order, t.Shape.
func writeNPY(w io.Writer, t Tensor) error {
	descr := "<f4"
	if t.F64 != nil {
		descr = "<f8"
	}
	if _, err := w.Write(npyHeader(descr, t.Shape)); err != nil {
		return err
	}
	buf := make([]byte, 0, 1<<16)
	flush := func() error {
		_, err := w.Write(buf)
		buf = buf[:0]
		return err
	}
	for _, v := range t.F32 {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		if len(buf) >= cap(buf)-8 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	for _, v := range t.F64 {
		buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
		if len(buf) >= cap(buf)-8 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// WriteNPZ writes m as a NumPy .npz archive (a zip of .npy files, stored
// uncompressed as numpy.savez writes them): one NAME.npy per tensor, in
// order, and network.json, m's description (numpy.load returns it as
// bytes under the key "network.json").
func WriteNPZ(w io.Writer, m *Model) error {
	z := zip.NewWriter(w)
	for _, t := range m.Tensors {
		f, err := z.CreateHeader(&zip.FileHeader{Name: t.Name + ".npy", Method: zip.Store})
		if err != nil {
			return err
		}
		if err := writeNPY(f, t); err != nil {
			return err
		}
	}
	f, err := z.CreateHeader(&zip.FileHeader{Name: "network.json", Method: zip.Store})
	if err != nil {
		return err
	}
	js, err := m.describe()
	if err != nil {
		return err
	}
	if _, err := f.Write(js); err != nil {
		return err
	}
	return z.Close()
}
