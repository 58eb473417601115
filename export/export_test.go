package export_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/export"
	"github.com/creditlab/credit/rundir"
	"github.com/creditlab/credit/train"
)

// trained trains a tiny run with c's settings laid over a linear-data
// default and returns its directory.
func trained(t *testing.T, set func(c *config.Config)) string {
	t.Helper()
	c := config.Default()
	c.Data, c.Net, c.TrainSize, c.Epochs, c.Batch, c.DiagBatch = "linear", "12-6-4-3", 64, 2, 16, 16
	c.Out = filepath.Join(t.TempDir(), "run")
	set(&c)
	if _, err := train.Run(c, nil); err != nil {
		t.Fatal(err)
	}
	return c.Out
}

// npyArray is one parsed .npy member.
type npyArray struct {
	descr string
	shape string
	data  []byte
}

// readNPZ parses an npz written by WriteNPZ: each member's .npy header
// (checked against the format: magic, version 1.0, 64-byte alignment) and
// data.
func readNPZ(t *testing.T, b []byte) (map[string]npyArray, []string, []byte) {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	arrays := map[string]npyArray{}
	var order []string
	var network []byte
	re := regexp.MustCompile(`^\{'descr': '(<f[48])', 'fortran_order': False, 'shape': \(([0-9, ]*)\), \} *\n$`)
	for _, f := range z.File {
		r, _ := f.Open()
		body, _ := io.ReadAll(r)
		r.Close()
		if f.Name == "network.json" {
			network = body
			continue
		}
		name, ok := strings.CutSuffix(f.Name, ".npy")
		if !ok || string(body[:8]) != "\x93NUMPY\x01\x00" {
			t.Fatalf("%s: not a version 1.0 .npy", f.Name)
		}
		hl := int(binary.LittleEndian.Uint16(body[8:10]))
		if (10+hl)%64 != 0 {
			t.Errorf("%s: data at offset %d, not a multiple of 64", f.Name, 10+hl)
		}
		m := re.FindStringSubmatch(string(body[10 : 10+hl]))
		if m == nil {
			t.Fatalf("%s: header %q", f.Name, body[10:10+hl])
		}
		arrays[name] = npyArray{m[1], m[2], body[10+hl:]}
		order = append(order, name)
	}
	return arrays, order, network
}

// The npz holds one array per tensor in its natural shape, the values of
// the checkpoint, and network.json; the CSV one row per epoch and layer.
func TestExport(t *testing.T) {
	cases := []struct {
		name  string
		set   func(c *config.Config)
		want  string // name:shape, in order
		dtype map[string]string
	}{
		{"fa momentum", func(c *config.Config) { c.Rule = "fa" },
			"W1:6x12 b1:6 W2:4x6 b2:4 W3:3x4 b3:3 F1:4x6 F2:3x4 velocity_W1:6x12 velocity_b1:6 velocity_W2:4x6 velocity_b2:4 velocity_W3:3x4 velocity_b3:3", nil},
		{"np ridge sgd", func(c *config.Config) { c.Rule, c.Opt = "np", "sgd" },
			"W1:6x12 b1:6 W2:4x6 b2:4 W3:3x4 b3:3 F1:4x6 F2:3x4 V1:4x4 M1:4x6 V2:3x3 M2:3x4", map[string]string{"V1": "<f8", "M2": "<f8"}},
		{"dfa adam", func(c *config.Config) { c.Rule, c.Opt = "dfa", "adam" },
			"W1:6x12 b1:6 W2:4x6 b2:4 W3:3x4 b3:3 F1:3x6 F2:3x4 adam_m_W1:6x12 adam_m_b1:6 adam_m_W2:4x6 adam_m_b2:4 adam_m_W3:3x4 adam_m_b3:3 adam_v_W1:6x12 adam_v_b1:6 adam_v_W2:4x6 adam_v_b2:4 adam_v_W3:3x4 adam_v_b3:3", nil},
		{"bp sgd", func(c *config.Config) { c.Rule, c.Opt = "bp", "sgd" }, "W1:6x12 b1:6 W2:4x6 b2:4 W3:3x4 b3:3", nil},
		{"conv fa", func(c *config.Config) {
			c.Data, c.Net, c.Rule, c.Opt, c.Epochs, c.TrainSize = "mnist", "conv3x3x2,pool2s2,conv3x3x3,pool2s2,fc10", "fa", "sgd", 1, 32
		}, "W1:2x1x3x3 b1:2 W2:3x2x3x3 b2:3 W3:10x147 b3:10 F1:3x2x3x3 F2:10x147", nil},
		// γ and β follow each layer's biases; a residual block's kernels are packed; running statistics last.
		{"batch norm and residual fa", func(c *config.Config) {
			c.Data, c.Net, c.Rule, c.Opt, c.Epochs, c.TrainSize = "mnist", "conv3x3x2s2,bn,res2s2,gap,fc10", "fa", "sgd", 1, 32
		}, "W1:2x1x3x3 b1:6 W2:1x72 b2:12 W3:10x2 b3:10 F1:1x72 F2:10x2 bn_mean1:2 bn_var1:2 bn_mean2:2 bn_var2:2 bn_mean3:2 bn_var3:2", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := trained(t, c.set)
			before := listing(t, dir)
			m, err := export.Read(dir)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := export.WriteNPZ(&buf, m); err != nil {
				t.Fatal(err)
			}
			arrays, order, network := readNPZ(t, buf.Bytes())
			var got []string
			for _, n := range order {
				got = append(got, n+":"+strings.ReplaceAll(strings.TrimSuffix(arrays[n].shape, ","), ", ", "x"))
			}
			if g := strings.Join(got, " "); g != c.want {
				t.Errorf("arrays\n got %s\nwant %s", g, c.want)
			}
			for n, d := range c.dtype {
				if arrays[n].descr != d {
					t.Errorf("%s: descr %s, want %s", n, arrays[n].descr, d)
				}
			}
			// W1's values are the checkpoint's first array, in order.
			w1 := m.Tensors[0]
			if len(arrays["W1"].data) != 4*len(w1.F32) || math.Float32frombits(binary.LittleEndian.Uint32(arrays["W1"].data[4:])) != w1.F32[1] {
				t.Error("W1's data are not the checkpoint's")
			}
			var net struct {
				Config  config.Config           `json:"config"`
				Epochs  int                     `json:"epochs_done"`
				Layers  []json.RawMessage       `json:"layers"`
				Tensors []struct{ Name string } `json:"tensors"`
			}
			if err := json.Unmarshal(network, &net); err != nil {
				t.Fatalf("network.json: %v", err)
			}
			if net.Epochs != net.Config.Epochs || len(net.Layers) != 3 || len(net.Tensors) != len(order) {
				t.Errorf("network.json: %s", network)
			}

			r, err := rundir.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			buf.Reset()
			if err := export.WriteCSV(&buf, r); err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(&buf).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 1+2*len(r.Epochs) || strings.Join(rows[0], ",") != strings.Join(export.CSVHeader, ",") {
				t.Errorf("csv: %d rows for %d epochs of 2 hidden layers; header %v", len(rows), len(r.Epochs), rows[0])
			}
			if rows[1][2] != "0" || rows[1][5] != "" || rows[2][9] != "2" {
				t.Errorf("csv: epoch 0's train loss should be empty and rows go by layer: %v %v", rows[1], rows[2])
			}
			if after := listing(t, dir); after != before {
				t.Errorf("export changed the run directory:\n%s\n%s", before, after)
			}
		})
	}
}

// listing describes dir's files (names, sizes, times).
func listing(t *testing.T, dir string) string {
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var s strings.Builder
	for _, e := range es {
		i, _ := e.Info()
		fmt.Fprintln(&s, e.Name(), i.Size(), i.ModTime().UnixNano())
	}
	return s.String()
}

func TestNoCheckpoint(t *testing.T) {
	dir := t.TempDir()
	_, err := export.Read(dir)
	if err == nil || !strings.Contains(err.Error(), "no checkpoint") || strings.Contains(err.Error(), "\n") {
		t.Errorf("want a one-line error saying there is no checkpoint, got %v", err)
	}
}
