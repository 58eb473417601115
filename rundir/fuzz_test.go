package rundir

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzParseCheckpoint: the container parser never panics nor allocates
// beyond its input on any bytes, and what it accepts writes back to the
// same bytes.
func FuzzParseCheckpoint(f *testing.F) {
	h, a := testArrays()
	good := encode(f, h, a)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte{})
	f.Add([]byte("credckpt\x01\x00\x00\x00\xff\xff\xff\xff"))
	f.Add(encode(f, &testHeader{F32: []int{-1}}, CheckpointArrays{}))
	f.Add(encode(f, &testHeader{F64: []int{1 << 40}}, CheckpointArrays{}))
	f.Fuzz(func(t *testing.T, b []byte) {
		var h testHeader
		arrays, err := ParseCheckpoint(b, &h)
		if err != nil {
			return
		}
		var h2 testHeader
		again, err := ParseCheckpoint(encode(t, &h, arrays), &h2)
		if err != nil || !reflect.DeepEqual(again, arrays) {
			t.Errorf("accepted %x, but its rewrite reads back as %v, %+v", b, err, again)
		}
	})
}

// FuzzParseConfig: reading config.json never panics, and its errors name
// the file on one line.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(`{"rule": "fa", "lr": 0.5}`))
	f.Add([]byte("{\n  \"lr\": \"fast\"\n}"))
	f.Add([]byte(`{"net": "784-50-10", "epochs": 1e400}`))
	f.Add([]byte(`[`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := parseConfig("x/config.json", b)
		if err != nil && !strings.HasPrefix(err.Error(), "x/config.json: line ") {
			t.Errorf("error %q does not name the file and line", err)
		}
	})
}
