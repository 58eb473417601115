package config

import "testing"

// Diff lists the differing settings in key order, leaving out the keys it
// is told to ignore; Join words them as "key a ≠ b".
func TestDiff(t *testing.T) {
	a := Default()
	b := a
	if d := Diff(a, b); d != nil {
		t.Errorf("equal configs differ: %v", d)
	}
	b.Net, b.LR, b.Out, b.Epochs = "30-10-10", 0.002, "x", 3
	if got, want := Join(Diff(a, b, "out", "epochs")), "lr 0.001 ≠ 0.002, net 784-50-20-10 ≠ 30-10-10"; got != want {
		t.Errorf("Join(Diff) = %q, want %q", got, want)
	}
	d := Diff(a, b)
	if len(d) != 4 || d[0].Key != "epochs" || string(d[3].A) != `""` || string(d[3].B) != `"x"` {
		t.Errorf("Diff without ignored keys = %v", d)
	}
}
