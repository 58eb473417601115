package config

import (
	"bytes"
	"encoding/json"
	"testing"
)

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

// The authors' setup settings are new keys whose zero value is today's
// behaviour: a default run's config.json does not mention them, and a
// config.json written before they existed reads as a valid default run.
func TestNewKeysKeepOldFiles(t *testing.T) {
	c := Default()
	c.Out = "x"
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"train_offset", "bias_init"} {
		if bytes.Contains(b, []byte(k)) {
			t.Errorf("a default config.json holds %s: %s", k, b)
		}
	}
	var old Config
	if err := json.Unmarshal(b, &old); err != nil || old != c || old.Validate() != nil {
		t.Errorf("an old config.json reads as %+v (%v), want %+v", old, err, c)
	}
	for _, bias := range []string{"zero", "normal"} {
		c.BiasInit = bias
		if err := c.Validate(); err != nil {
			t.Errorf("bias_init %s: %v", bias, err)
		}
	}
}
