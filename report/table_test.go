package report

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestTableMarkdown(t *testing.T) {
	tests := []struct {
		name  string
		table Table
		want  string
	}{
		{
			name: "small",
			table: Table{
				Header: []string{"rule", "test acc"},
				Rows:   [][]string{{"backprop", "97.1 ± 0.2"}, {"FA", "–"}},
			},
			want: "| rule     | test acc   |\n" +
				"| -------- | ---------- |\n" +
				"| backprop | 97.1 ± 0.2 |\n" +
				"| FA       | –          |\n",
		},
		{
			name:  "pipe and short row",
			table: Table{Header: []string{"a", "b"}, Rows: [][]string{{"x|y"}}},
			want: "| a    | b   |\n" +
				"| ---- | --- |\n" +
				"| x\\|y |     |\n",
		},
		{name: "empty", table: Table{}, want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.table.Markdown(); got != tc.want {
				t.Errorf("Markdown() =\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestTableWrite(t *testing.T) {
	tab := &Table{
		Header: []string{"rule", "lr"},
		Rows:   [][]string{{"backprop", "0.1"}, {"a, b", `say "hi"`}},
	}
	dir := filepath.Join(t.TempDir(), "nested")
	md, csvPath := filepath.Join(dir, "t.md"), filepath.Join(dir, "t.csv")
	if err := tab.WriteMarkdown(md); err != nil {
		t.Fatal(err)
	}
	if err := tab.WriteCSV(csvPath); err != nil {
		t.Fatal(err)
	}
	gotMD, _ := os.ReadFile(md)
	if string(gotMD) != tab.Markdown() {
		t.Errorf("markdown file = %q, want %q", gotMD, tab.Markdown())
	}
	gotCSV, _ := os.ReadFile(csvPath)
	wantCSV := "rule,lr\nbackprop,0.1\n\"a, b\",\"say \"\"hi\"\"\"\n"
	if string(gotCSV) != wantCSV {
		t.Errorf("csv file = %q, want %q", gotCSV, wantCSV)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("dir has %d entries (temp files left?), want 2", len(entries))
	}
	if err := tab.WriteCSV("/proc/report-test/t.csv"); err == nil {
		t.Error("WriteCSV to unwritable path: want error")
	}
	if err := tab.WriteMarkdown("/proc/report-test/t.md"); err == nil {
		t.Error("WriteMarkdown to unwritable path: want error")
	}
}

func TestMeanSD(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name     string
		xs       []float64
		mean, sd float64
	}{
		{"two", []float64{1, 3}, 2, math.Sqrt2},
		{"four", []float64{2, 4, 4, 6}, 4, math.Sqrt(8.0 / 3)},
		{"nan ignored", []float64{nan, 1, 3, nan}, 2, math.Sqrt2},
		{"single", []float64{5}, 5, nan},
		{"single with nan", []float64{nan, 5}, 5, nan},
		{"all nan", []float64{nan, nan}, nan, nan},
		{"empty", nil, nan, nan},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, sd := MeanSD(tc.xs)
			if !approxEq(m, tc.mean) || !approxEq(sd, tc.sd) {
				t.Errorf("MeanSD(%v) = %v, %v; want %v, %v", tc.xs, m, sd, tc.mean, tc.sd)
			}
		})
	}
}

func TestPM(t *testing.T) {
	tests := []struct {
		mean, sd float64
		dec      int
		want     string
	}{
		{3.512, 0.104, 2, "3.51 ± 0.10"},
		{97.0, 0.26, 1, "97.0 ± 0.3"},
		{3.512, math.NaN(), 2, "3.51"},
		{math.NaN(), 0.1, 2, "–"},
		{math.NaN(), math.NaN(), 2, "–"},
		{12.6, 1.4, 0, "13 ± 1"},
		{-0.5, 0, 3, "-0.500 ± 0.000"},
	}
	for _, tc := range tests {
		if got := PM(tc.mean, tc.sd, tc.dec); got != tc.want {
			t.Errorf("PM(%v, %v, %d) = %q, want %q", tc.mean, tc.sd, tc.dec, got, tc.want)
		}
	}
}

func TestBand(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name            string
		xs, ys          [][]float64
		x, mean, lo, hi []float64
	}{
		{
			name: "two runs, truncated, nan",
			xs:   [][]float64{{0, 1, 2, 3}, {0, 1, 2}},
			ys:   [][]float64{{1, 2, nan, 9}, {3, 4, 5}},
			x:    []float64{0, 1, 2},
			mean: []float64{2, 3, 5},
			lo:   []float64{2 - math.Sqrt2, 3 - math.Sqrt2, 5},
			hi:   []float64{2 + math.Sqrt2, 3 + math.Sqrt2, 5},
		},
		{
			name: "shared x, all nan point",
			xs:   [][]float64{{10, 20}},
			ys:   [][]float64{{1, nan}, {1, nan}, {1, nan}},
			x:    []float64{10, 20},
			mean: []float64{1, nan},
			lo:   []float64{1, nan},
			hi:   []float64{1, nan},
		},
		{
			name: "single run",
			xs:   [][]float64{{1, 2}},
			ys:   [][]float64{{7, 8}},
			x:    []float64{1, 2}, mean: []float64{7, 8}, lo: []float64{7, 8}, hi: []float64{7, 8},
		},
		{name: "none"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, mean, lo, hi := Band(tc.xs, tc.ys)
			for _, c := range []struct {
				what      string
				got, want []float64
			}{{"x", x, tc.x}, {"mean", mean, tc.mean}, {"lo", lo, tc.lo}, {"hi", hi, tc.hi}} {
				if len(c.got) != len(c.want) {
					t.Fatalf("%s = %v, want %v", c.what, c.got, c.want)
				}
				for i := range c.got {
					if !approxEq(c.got[i], c.want[i]) {
						t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
						break
					}
				}
			}
		})
	}
}

// approxEq reports whether a and b agree to 1e-12, treating NaN as equal to NaN.
func approxEq(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= 1e-12
}
