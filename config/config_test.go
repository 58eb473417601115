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

// NetDefaults: the main job keeps every default (so its numbers), wider
// MLPs get a learning rate scaled by 50/width, networks with a convolution
// tanh, ce and adam; a setting the user gave is never changed.
func TestNetDefaults(t *testing.T) {
	none := func(string) bool { return false }
	for _, tc := range []struct {
		net, act, loss, opt string
		lr                  float64
	}{
		{"784-50-20-10", "sigmoid", "mse", "momentum", 1e-3},
		{"784-50-10", "sigmoid", "mse", "momentum", 1e-3},
		{"30-10-10", "sigmoid", "mse", "momentum", 1e-3},
		{"784-500-500-10", "sigmoid", "mse", "momentum", 1e-4},
		{"784-1000-1000-1000-10", "sigmoid", "mse", "momentum", 5e-5},
		{"fc200,fc2:linear,fc200,fc784", "sigmoid", "mse", "momentum", 2.5e-4},
		{"conv5x5x16,pool3s2,conv5x5x32,pool3s2,fc64,fc10", "tanh", "ce", "adam", 1e-3},
	} {
		c := Default()
		c.Net = tc.net
		c.NetDefaults(none)
		if c.Act != tc.act || c.Loss != tc.loss || c.Opt != tc.opt || c.LR != tc.lr {
			t.Errorf("%s: act %s, loss %s, opt %s, lr %g; want %s, %s, %s, %g", tc.net, c.Act, c.Loss, c.Opt, c.LR, tc.act, tc.loss, tc.opt, tc.lr)
		}
	}
	c := Default()
	c.NetDefaults(none)
	if c != Default() {
		t.Errorf("the main job's settings changed: %s", Join(Diff(Default(), c)))
	}
	// Given settings stay; lr follows the optimiser given.
	c = Default()
	c.Net, c.Act, c.Opt, c.LR = "conv3x3x8,fc10", "relu", "momentum", 0.5
	c.NetDefaults(func(k string) bool { return k == "act" || k == "lr" || k == "opt" })
	if c.Act != "relu" || c.LR != 0.5 || c.Opt != "momentum" || c.Loss != "ce" {
		t.Errorf("given settings changed: %+v", c)
	}
	c = Default()
	c.Net = "784-1000-1000-1000-10"
	if c.NetDefaults(none); c.FeedbackSolver != "sgd" {
		t.Errorf("784-1000-1000-1000-10: feedback solver %s, want sgd", c.FeedbackSolver)
	}
	for _, rule := range []string{"bp", "fa", "npdfa"} { // bp and fa never read it; npdfa regresses on the 10 outputs
		c = Default()
		c.Net, c.Rule = "784-1000-1000-1000-10", rule
		if c.NetDefaults(none); c.FeedbackSolver != "ridge" {
			t.Errorf("784-1000-1000-1000-10 %s: feedback solver %s, want ridge", rule, c.FeedbackSolver)
		}
	}
	c = Default()
	c.Net = "784-500-10" // the regressor is the output, 10 wide
	if c.NetDefaults(none); c.FeedbackSolver != "ridge" {
		t.Errorf("784-500-10: feedback solver %s, want ridge", c.FeedbackSolver)
	}
	c = Default()
	c.Net, c.Opt = "784-500-10", "adam"
	c.NetDefaults(func(k string) bool { return k == "opt" })
	if c.LR != DefaultLR {
		t.Errorf("adam on a wide net: lr %g, want %g", c.LR, DefaultLR)
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
