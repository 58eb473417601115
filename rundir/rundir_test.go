package rundir

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/creditlab/credit/config"
)

// testHeader is a checkpoint header as a writer might define it.
type testHeader struct {
	Name string `json:"name"`
	F32  []int  `json:"f32"`
	F64  []int  `json:"f64"`
	U32  []int  `json:"u32"`
}

func (h *testHeader) Layout() (f32, f64, u32 []int) { return h.F32, h.F64, h.U32 }

func testArrays() (*testHeader, CheckpointArrays) {
	a := CheckpointArrays{
		F32: [][]float32{{1, -2.5, 3}, {}, {0.125}},
		F64: [][]float64{{1e-300, -7}},
		U32: [][]uint32{{2, 0, 1}},
	}
	h := &testHeader{Name: "x", F32: []int{3, 0, 1}, F64: []int{2}, U32: []int{3}}
	return h, a
}

func encode(t testing.TB, h any, a CheckpointArrays) []byte {
	var b bytes.Buffer
	if err := WriteCheckpoint(&b, h, a); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The container's layout is pinned byte for byte, so that checkpoints of
// format version 1 written before rundir existed still read: magic,
// version, header length, JSON header, float32s, float64s, uint32s, all
// little-endian, and a CRC-32C of everything before it.
func TestCheckpointLayout(t *testing.T) {
	h, a := testArrays()
	js, _ := json.Marshal(h)
	var want []byte
	want = append(want, "credckpt"...)
	want = binary.LittleEndian.AppendUint32(want, 1)
	want = binary.LittleEndian.AppendUint32(want, uint32(len(js)))
	want = append(want, js...)
	for _, v := range []float32{1, -2.5, 3, 0.125} {
		want = binary.LittleEndian.AppendUint32(want, math.Float32bits(v))
	}
	for _, v := range []float64{1e-300, -7} {
		want = binary.LittleEndian.AppendUint64(want, math.Float64bits(v))
	}
	for _, v := range []uint32{2, 0, 1} {
		want = binary.LittleEndian.AppendUint32(want, v)
	}
	want = binary.LittleEndian.AppendUint32(want, crc32.Checksum(want, crc32.MakeTable(crc32.Castagnoli)))
	got := encode(t, h, a)
	if !bytes.Equal(got, want) {
		t.Fatalf("layout:\n got %x\nwant %x", got, want)
	}
	var back testHeader
	arrays, err := ParseCheckpoint(got, &back)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, h) || !reflect.DeepEqual(arrays, a) {
		t.Errorf("read back %+v %+v, want %+v %+v", back, arrays, h, a)
	}
	dir := t.TempDir()
	if err := SaveCheckpoint(dir, h, a, nil); err != nil {
		t.Fatal(err)
	}
	if arrays, err = ReadCheckpoint(dir, &back); err != nil || !reflect.DeepEqual(arrays, a) {
		t.Errorf("ReadCheckpoint: %v, %+v", err, arrays)
	}
}

// A checkpoint that is /dev/zero, a sparse 5 GB file, or a valid
// checkpoint followed by a 5 GB hole is refused by its size with one line
// naming the file, without being read into memory.
func TestCheckpointRefusedBySize(t *testing.T) {
	h, a := testArrays()
	good := encode(t, h, a)
	cases := []struct {
		name  string
		setup func(path string) error
		want  string
	}{
		{"/dev/zero", func(p string) error { return os.Symlink("/dev/zero", p) }, "not a credit checkpoint"},
		{"sparse zeros", func(p string) error { return sparse(p, nil, 5<<30) }, "not a credit checkpoint"},
		{"checkpoint and a hole", func(p string) error { return sparse(p, good, 5<<30) }, "malformed: 5368709120 bytes, the header describes"},
		{"header length beyond the cap", func(p string) error {
			b := bytes.Clone(good)
			binary.LittleEndian.PutUint32(b[12:], 1<<31)
			return sparse(p, b, 5<<30)
		}, "a header of 2147483648 bytes"},
		{"arrays beyond the file", func(p string) error {
			return os.WriteFile(p, encode(t, &testHeader{F32: []int{1 << 40}}, CheckpointArrays{}), 0o644)
		}, "malformed"},
	}
	for _, tc := range cases {
		dir := t.TempDir()
		path := Path(dir, CheckpointFile)
		if err := tc.setup(path); err != nil {
			t.Skipf("%s: %v", tc.name, err)
		}
		_, err := ReadCheckpoint(dir, &testHeader{})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: want a one-line error naming %s and containing %q, got %v", tc.name, path, tc.want, err)
		}
	}
}

// sparse writes b at the start of path and extends it to size bytes
// without writing them.
func sparse(path string, b []byte, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		return err
	}
	return f.Truncate(size)
}

// Load reads a run back; a metrics.jsonl that is /dev/zero, a sparse
// 5 GB file or holds a line beyond MaxLineBytes is refused naming the
// file, and a last line without its newline (being written) is ignored.
func TestLoad(t *testing.T) {
	dir := t.TempDir()
	c := config.Default()
	c.Rule = "fa"
	if err := WriteConfig(dir, c); err != nil {
		t.Fatal(err)
	}
	j, err := CreateJSONL(dir, MetricsFile)
	if err != nil {
		t.Fatal(err)
	}
	for e := range 2 {
		if err := j.Write(Epoch{Epoch: e}); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	f, _ := os.OpenFile(Path(dir, MetricsFile), os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"epoch": 2, "ste`)
	f.Close()
	r, err := Load(dir)
	if err != nil || r.Config.Rule != "fa" || r.Config.Out != dir || len(r.Epochs) != 2 || r.Finished {
		t.Fatalf("Load: %v, %+v", err, r)
	}
	s := &Summary{Rule: "fa", Epochs: 1}
	if err := WriteSummary(dir, s); err != nil {
		t.Fatal(err)
	}
	if r, err = Load(dir); err != nil || !r.Finished || r.Summary.Rule != "fa" {
		t.Fatalf("finished Load: %v, %+v", err, r)
	}
	path := Path(dir, MetricsFile)
	for _, tc := range []struct {
		name  string
		setup func() error
		want  string
	}{
		{"/dev/zero", func() error { os.Remove(path); return os.Symlink("/dev/zero", path) }, "line 1: longer than"},
		{"sparse 5 GB", func() error { os.Remove(path); return sparse(path, nil, 5<<30) }, "5368709120 bytes, beyond"},
		{"long line", func() error {
			return os.WriteFile(path, append(bytes.Repeat([]byte(" "), MaxLineBytes+1), '\n'), 0o644)
		}, "line 1: longer than"},
		{"bad line", func() error { return os.WriteFile(path, []byte("{}\n{\"epoch\": one}\n"), 0o644) }, "line 2: "},
	} {
		if err := tc.setup(); err != nil {
			t.Fatal(err)
		}
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: want a one-line error naming %s with %q, got %v", tc.name, path, tc.want, err)
		}
	}
	// config.json and summary.json are capped too.
	os.Remove(path)
	os.Remove(Path(dir, SummaryFile))
	os.Remove(Path(dir, ConfigFile))
	os.Symlink("/dev/zero", Path(dir, ConfigFile))
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "beyond the 1048576") {
		t.Errorf("config.json as /dev/zero: %v", err)
	}
}

// A config.json written before a key existed reads back with that key at
// its default, not at zero: such a run still resumes and still counts as
// the same settings. A malformed one is an error naming the file and line.
func TestReadConfigOlderFile(t *testing.T) {
	c := config.Default()
	c.Rule, c.LR, c.Out = "fa", 0.5, "x"
	b, _ := json.Marshal(c)
	var m map[string]any
	json.Unmarshal(b, &m)
	delete(m, "feedback_decay")
	delete(m, "momentum")
	b, _ = json.Marshal(m)
	dir := t.TempDir()
	if err := os.WriteFile(Path(dir, ConfigFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got != c {
		t.Errorf("read %+v\nwant %+v", got, c)
	}
	os.WriteFile(Path(dir, ConfigFile), []byte("{\n\"lr\": \"fast\"}"), 0o644)
	if _, err := ReadConfig(dir); err == nil || !strings.Contains(err.Error(), ConfigFile+": line 2: ") {
		t.Errorf("a malformed config.json: %v", err)
	}
}

// Prepare refuses a directory that holds a run and leaves it as it was;
// one it created for a run it refuses is removed again.
func TestPrepare(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	l, err := Prepare(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteConfig(dir, config.Default()); err != nil {
		t.Fatal(err)
	}
	l.Unlock()
	before := listing(t, dir)
	if _, err := Prepare(dir); err == nil || !strings.Contains(err.Error(), "already holds a run") {
		t.Errorf("Prepare of a run's directory: %v", err)
	}
	if after := listing(t, dir); !reflect.DeepEqual(before, after) {
		t.Errorf("the refusal changed the directory: %v → %v", before, after)
	}
	// A directory another writer holds is refused at once, naming it.
	held, err := LockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Prepare(dir); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), dir) {
		t.Errorf("Prepare of a locked directory: %v", err)
	}
	held.Unlock()
	// Directories Prepare creates for a refused run are removed.
	top := filepath.Join(t.TempDir(), "new")
	created, err := mkdirAll(filepath.Join(top, "x", "y"))
	if err != nil || created != top {
		t.Fatalf("mkdirAll: %q, %v", created, err)
	}
	removeCreated(filepath.Join(top, "x", "y"), created)
	if _, err := os.Stat(top); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("removeCreated left %s: %v", top, err)
	}
}

func listing(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}
