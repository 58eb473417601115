package experiment

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/creditlab/credit/train"
)

// The paper's experiments, now files in configs/, describe exactly the
// runs that their Go definitions did: testdata/paper_runs.json holds those
// runs as the Go code produced them before it was deleted (each
// configuration as its differences from train.Default, so keys added
// since take their defaults on both sides). The files list runs variant
// by variant with the seeds innermost where some Go lists looped over
// seeds outermost, so the runs are compared as sets, and the groups, which
// the reports show in order of first appearance, in order.
func TestPaperFilesEqualGoRuns(t *testing.T) {
	b, err := os.ReadFile("testdata/paper_runs.json")
	if err != nil {
		t.Fatal(err)
	}
	var golden map[string]map[Scale][]struct {
		Group  string          `json:"group"`
		Config json.RawMessage `json:"config"`
	}
	if err := json.Unmarshal(b, &golden); err != nil {
		t.Fatal(err)
	}
	key := func(r Run) string {
		b, _ := json.Marshal(r.Config)
		return r.Group + " " + string(b)
	}
	for name, scales := range golden {
		es, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		for scale, want := range scales {
			var wantKeys, gotKeys []string
			var wantGroups, gotGroups []string
			for _, w := range want {
				c := train.Default()
				if err := json.Unmarshal(w.Config, &c); err != nil {
					t.Fatal(err)
				}
				wantKeys = append(wantKeys, key(Run{Group: w.Group, Config: c}))
				if !slices.Contains(wantGroups, w.Group) {
					wantGroups = append(wantGroups, w.Group)
				}
			}
			for _, r := range es[0].Runs(scale) {
				gotKeys = append(gotKeys, key(r))
				if !slices.Contains(gotGroups, r.Group) {
					gotGroups = append(gotGroups, r.Group)
				}
			}
			slices.Sort(wantKeys)
			slices.Sort(gotKeys)
			id := fmt.Sprintf("%s %s", name, scale)
			if len(gotKeys) != len(wantKeys) {
				t.Errorf("%s: %d runs, want %d", id, len(gotKeys), len(wantKeys))
				continue
			}
			for i := range wantKeys {
				if gotKeys[i] != wantKeys[i] {
					t.Errorf("%s: run\n%s\nwant\n%s", id, gotKeys[i], wantKeys[i])
				}
			}
			if !slices.Equal(gotGroups, wantGroups) {
				t.Errorf("%s: groups %q, want %q", id, gotGroups, wantGroups)
			}
		}
	}
	if len(golden) != 5 {
		t.Errorf("golden file holds %d experiments, want 5", len(golden))
	}
}
