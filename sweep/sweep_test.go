package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/creditlab/credit/config"
	"reflect"
	"strings"
	"testing"
)

func expand(t *testing.T, src, scale string) []Point {
	t.Helper()
	f, err := Parse("x.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	pts, err := f.Expand(scale)
	if err != nil {
		t.Fatal(err)
	}
	return pts
}

// Bad files give one error naming the file, the line and the key.
func TestErrors(t *testing.T) {
	cases := []struct {
		name, src string
		want      string // the whole message
	}{
		{"unknown key", "rule: bp\nfeedbak_solver: sgd\n", "x.yaml:2: feedbak_solver: unknown key (did you mean feedback_solver?)"},
		{"unknown key, no near one", "rule: bp\nwhatever: 1\n", "x.yaml:2: whatever: unknown key"},
		{"milestones as a list of epochs", "schedule: step\nmilestones: [100, 150]\n", `x.yaml:2: milestones: a list is a sweep axis, one run per element: write a step schedule's milestones as one string, "100,150" (a list of such strings sweeps over schedules)`},
		{"unknown key in a scale", "scales:\n  full:\n    epoch: 3\n", "x.yaml:3: epoch: unknown key (did you mean epochs?)"},
		{"meta key misplaced", "variants:\n  - {name: a, rule: bp}\n", "x.yaml:2: name: not allowed here (only at the top level)"},
		{"wrong type, number", "lr: abc\n", `x.yaml:1: lr: want a number, got "abc"`},
		{"wrong type, quoted number", "lr: '0.1'\n", `x.yaml:1: lr: want a number, got "0.1"`},
		{"wrong type, integer", "epochs: 1.5\n", `x.yaml:1: epochs: want an integer, got "1.5"`},
		{"wrong type, bool", "autoencoder: 1\n", `x.yaml:1: autoencoder: want true or false, got "1"`},
		{"wrong type, negative seed", "seed: -1\n", `x.yaml:1: seed: want a non-negative integer, got "-1"`},
		{"wrong type in a list", "noise:\n  - 1e-3\n  - lots\n", `x.yaml:3: noise: want a number, got "lots"`},
		{"mapping value", "lr:\n  a: 1\n", "x.yaml:2: lr: want a value or a list of values, not a mapping"},
		{"no value", "lr:\nrule: bp\n", "x.yaml:1: lr: no value given"},
		{"empty list", "rule: []\n", "x.yaml:1: rule: an empty list: give at least one value"},
		{"nested list", "rule: [[bp]]\n", "x.yaml:1: rule: want a single value in a list, not a nested list or mapping"},
		{"out of range", "rule: bp\n\nlr: -1\n", "x.yaml:3: lr: must be a positive finite number, got -1"},
		{"out of range in a list", "noise:\n  - 0.1\n  - -1\n", "x.yaml:3: noise: must be a finite number ≥ 0, got -1"},
		{"unknown name", "rule: [bp, magic]\n", "x.yaml:1: rule: unknown rule \"magic\""},
		{"out of range in a variant", "lr: 1\nvariants:\n  - {rule: bp}\n  - {rule: fa, batch: 0}\n", "x.yaml:4: batch: must be positive, got 0"},
		{"bad combination, default half", "loss: ce\nout_act: sigmoid\n", "x.yaml:2: out_act: the ce loss applies softmax"},
		{"duplicate key", "lr: 1\nrule: bp\nlr: 2\n", "x.yaml:3: lr: duplicate key (first set as lr at line 1)"},
		{"duplicate across spellings", "feedback_solver: sgd\nfeedback-solver: ridge\n", "x.yaml:2: feedback-solver: duplicate key (first set as feedback_solver at line 1)"},
		{"seed and seeds", "seeds: 2\nseed: 3\n", "x.yaml:2: seed: duplicate key (first set as seeds at line 1)"},
		{"no seeds", "seeds: 0\n", "x.yaml:1: seeds: want a number of seeds from 1 to 100000 (seeds 1…N) or a list of seeds, got 0"},
		{"same run twice", "rule: [bp, bp]\n", "x.yaml: group: runs 0 and 1 would share the directory bp-seed1"},
		{"group too coarse", "group: '{rule}'\nrule: bp\nlr: [1, 2]\n", "x.yaml: group: runs 0 and 1 would share the directory bp-seed1"},
		{"group with an unknown key", "group: 'np c={nosie}'\n", "x.yaml:1: nosie: unknown key (did you mean noise?)"},
		{"group with the seed", "group: 'a {seed}'\n", "x.yaml:1: group: the seed cannot be part of a group"},
		{"group unquoted", "group: {rule}\n", `x.yaml:1: group: want a label; quote one that starts with { (group: "{rule}")`},
		{"group braces", "group: 'a {rule'\n", "x.yaml:1: group: unbalanced braces"},
		{"variant scale undefined", "scales: {full: {}}\nvariants:\n  - rule: bp\n    scales:\n      ful: {lr: 1}\n", "x.yaml:5: ful: a scale the top level does not define (it defines: full)"},
		{"scale not a mapping", "scales:\n  full: 3\n", "x.yaml:2: full: want a mapping of settings ({} for none)"},
		{"variants not a list", "variants: {rule: bp}\n", "x.yaml:1: variants: want a list of variants, each a mapping of settings"},
		{"syntax", "rule: bp\nlr: [1,\n", "x.yaml:2: did not find expected node content"},
		{"not a mapping", "- rule\n", "x.yaml:1: want a mapping of keys to values"},
		{"empty file", "# nothing\n", "x.yaml: empty file: want a mapping of keys to values"},
		{"two documents", "rule: bp\n---\nrule: fa\n", "x.yaml:2: a second document: an experiment file holds one"},
	}
	for _, c := range cases {
		f, err := Parse("x.yaml", []byte(c.src))
		if err == nil {
			_, err = f.Expand("")
		}
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v\nwant one line starting %q", c.name, err, c.want)
		}
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Errorf("%s: %T is not an *Error", c.name, err)
		}
	}
}

// Every config.Config key is a key of the file, under its JSON name and
// with dashes, and sets its field.
func TestEveryKey(t *testing.T) {
	if len(keys) < 29 {
		t.Fatalf("only %d keys", len(keys))
	}
	for _, k := range keys {
		fd := fields[k]
		var text string
		var want any
		switch fd.typ.Kind() {
		case reflect.String:
			text, want = "some-value", "some-value"
		case reflect.Int:
			text, want = "7", 7
		case reflect.Uint64:
			text, want = "7", uint64(7)
		case reflect.Float64:
			text, want = "0.25", 0.25
		case reflect.Bool:
			text, want = "true", true
		default:
			t.Errorf("%s: no test value for %v", k, fd.typ)
			continue
		}
		for _, spelled := range []string{k, strings.ReplaceAll(k, "_", "-")} {
			f, err := Parse("x.yaml", []byte(spelled+": "+text+"\n"))
			if err != nil {
				t.Errorf("%s: %v", spelled, err)
				continue
			}
			if k == "out" {
				if f.Out != want {
					t.Errorf("out: File.Out = %q", f.Out)
				}
				continue
			}
			var c config.Config
			p := Point{Config: c, where: map[string]origin{}}
			p.set(f.base[0], 0)
			if got := get(&p.Config, k).Interface(); got != want {
				t.Errorf("%s: got %v, want %v", spelled, got, want)
			}
		}
	}
}

// Settings a file leaves out take the defaults of its network
// (config.NetDefaults); those it gives stay.
func TestNetDefaultsInFiles(t *testing.T) {
	pts := expand(t, "net: [784-50-20-10, 784-500-500-10]\nact: tanh\n", "")
	if pts[0].Config.LR != 1e-3 || pts[1].Config.LR != 1e-4 || pts[1].Config.Act != "tanh" {
		t.Errorf("lr %g, %g (want 0.001, 0.0001), act %s", pts[0].Config.LR, pts[1].Config.LR, pts[1].Config.Act)
	}
	pts = expand(t, "net: 784-500-500-10\nlr: 0.01\n", "")
	if pts[0].Config.LR != 0.01 {
		t.Errorf("a given lr became %g", pts[0].Config.LR)
	}
	pts = expand(t, "net: conv5x5x8,pool3s2,fc10\ndata: cifar10\n", "")
	if c := pts[0].Config; c.Act != "tanh" || c.Loss != "ce" || c.Opt != "adam" || c.LR != 1e-3 {
		t.Errorf("a CNN's defaults: %+v", c)
	}
}

// The grid is the product of the lists in file order, first key slowest,
// seeds innermost; runs are named by the keys that vary.
func TestGrid(t *testing.T) {
	pts := expand(t, `
data: linear
act: [tanh, sigmoid]
net: 30-10-10
rule: [bp, np]
seeds: 2
`, "")
	var got []string
	for i, p := range pts {
		if p.Config.Net != "30-10-10" || p.Config.Data != "linear" || p.Config.Epochs != config.Default().Epochs {
			t.Errorf("point %d: %+v", i, p.Config)
		}
		got = append(got, fmt.Sprintf("%s|%s|%s|%s|%d", p.Name, p.Group, p.Config.Act, p.Config.Rule, p.Config.Seed))
	}
	want := []string{
		"act_tanh_rule_bp-seed1|act=tanh rule=bp|tanh|bp|1",
		"act_tanh_rule_bp-seed2|act=tanh rule=bp|tanh|bp|2",
		"act_tanh_rule_np-seed1|act=tanh rule=np|tanh|np|1",
		"act_tanh_rule_np-seed2|act=tanh rule=np|tanh|np|2",
		"act_sigmoid_rule_bp-seed1|act=sigmoid rule=bp|sigmoid|bp|1",
		"act_sigmoid_rule_bp-seed2|act=sigmoid rule=bp|sigmoid|bp|2",
		"act_sigmoid_rule_np-seed1|act=sigmoid rule=np|sigmoid|np|1",
		"act_sigmoid_rule_np-seed2|act=sigmoid rule=np|sigmoid|np|2",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("grid:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// One run: named after its rule; a seed list.
	pts = expand(t, "rule: fa\nseed: [5, 3]\n", "")
	if len(pts) != 2 || pts[0].Name != "fa-seed5" || pts[1].Name != "fa-seed3" || pts[1].Group != "fa" {
		t.Errorf("seed list: %+v", pts)
	}
}

// Variants are laid over the top level, scales over each; groups come from
// templates or from the keys that vary across all variants.
func TestVariantsAndScales(t *testing.T) {
	src := `
lr: 1
epochs: 4
noise: 0.5
seeds: 2
variants:
  - rule: np
    noise: [0.1, 0.2]
    group: np c={noise}
    scales:
      full: {lr: 4, noise: [0.3]}
  - rule: [fa, bp]
    lr: 3
scales:
  quick:
  full: {lr: 2, epochs: 9, seeds: 1}
`
	type row struct {
		name  string
		lr    float64
		noise float64
		ep    int
	}
	get := func(scale string) []row {
		var rs []row
		for _, p := range expand(t, src, scale) {
			rs = append(rs, row{p.Name, p.Config.LR, p.Config.Noise, p.Config.Epochs})
		}
		return rs
	}
	quick := []row{
		{"np_c_0.1-seed1", 1, 0.1, 4}, {"np_c_0.1-seed2", 1, 0.1, 4},
		{"np_c_0.2-seed1", 1, 0.2, 4}, {"np_c_0.2-seed2", 1, 0.2, 4},
		{"lr_3_noise_0.5_rule_fa-seed1", 3, 0.5, 4}, {"lr_3_noise_0.5_rule_fa-seed2", 3, 0.5, 4},
		{"lr_3_noise_0.5_rule_bp-seed1", 3, 0.5, 4}, {"lr_3_noise_0.5_rule_bp-seed2", 3, 0.5, 4},
	}
	if got := get("quick"); !reflect.DeepEqual(got, quick) {
		t.Errorf("quick:\n%v\nwant\n%v", got, quick)
	}
	if got := get(""); !reflect.DeepEqual(got, quick) {
		t.Errorf("no scale:\n%v\nwant\n%v", got, quick)
	}
	// full: the top-level scale under the variant, the variant's scale on top.
	full := []row{
		{"np_c_0.3-seed1", 4, 0.3, 9},
		{"lr_3_noise_0.5_rule_fa-seed1", 3, 0.5, 9},
		{"lr_3_noise_0.5_rule_bp-seed1", 3, 0.5, 9},
	}
	if got := get("full"); !reflect.DeepEqual(got, full) {
		t.Errorf("full:\n%v\nwant\n%v", got, full)
	}
	f, _ := Parse("x.yaml", []byte(src))
	if _, err := f.Expand("huge"); err == nil || err.Error() != `--scale: x.yaml has no scale "huge" (it defines: quick, full)` {
		t.Errorf("unknown scale: %v", err)
	}
}

// A run directory's config.json is itself an experiment file for the same
// run (JSON is YAML), with its out as the file's out.
func TestConfigJSONIsAFile(t *testing.T) {
	c := config.Default()
	c.Data, c.Net, c.Rule, c.FeedbackSolver, c.NPLoss, c.Autoencoder, c.Seed, c.LR = "linear", "30-10-30", "np", "sgd", "mse", true, 9, 3e-5
	c.Out = "runs/a"
	b, _ := json.MarshalIndent(c, "", "  ")
	f, err := Parse("config.json", b)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := f.Expand("")
	if err != nil || len(pts) != 1 {
		t.Fatalf("%v, %d runs", err, len(pts))
	}
	got := pts[0].Config
	got.Out = f.Out
	if got != c {
		t.Errorf("got %+v\nwant %+v", got, c)
	}
}

// Command-line overrides beat every file value, and an error about an
// overridden value names the flag, not the file.
func TestOverride(t *testing.T) {
	f, err := Parse("x.yaml", []byte("rule: bp\nlr: 0.5\nseeds: 3\nvariants:\n  - {batch: 8}\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []struct {
		k string
		v any
	}{{"batch", 4}, {"seed", uint64(7)}, {"out", "somewhere"}, {"feedback-lr", 0.125}} {
		if err := f.Override(o.k, o.v); err != nil {
			t.Fatal(err)
		}
	}
	pts, err := f.Expand("")
	if err != nil || len(pts) != 1 {
		t.Fatalf("%v, %d runs", err, len(pts))
	}
	if c := pts[0].Config; c.Batch != 4 || c.Seed != 7 || c.LR != 0.5 || c.FeedbackLR != 0.125 || f.Out != "somewhere" {
		t.Errorf("got %+v, out %q", c, f.Out)
	}
	if err := f.Override("lr", 3); err == nil {
		t.Error("an int for a float key was accepted")
	}
	if err := f.Override("lr", -1.0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Expand(""); err == nil || !strings.HasPrefix(err.Error(), "--lr: must be") {
		t.Errorf("overridden lr: %v", err)
	}
	// Errors that train.Run finds later (the data) are placed too.
	p := expand(t, "rule: bp\ndata: linear\n", "")[0]
	if err := p.Locate(&config.Error{Key: "data", Msg: "linear: something"}); err.Error() != "x.yaml:2: data: linear: something" {
		t.Errorf("Locate: %v", err)
	}
	// The key is data: an error that merely reads like one is not placed.
	if err := p.Locate(errors.New("--data linear: something")); err.Error() != "--data linear: something" {
		t.Errorf("Locate: %v", err)
	}
	if err := p.Locate(errors.New("epoch 3: loss is NaN")); err.Error() != "epoch 3: loss is NaN" {
		t.Errorf("Locate: %v", err)
	}
}

// Aliases are followed; a list given once can be reused.
func TestAliases(t *testing.T) {
	pts := expand(t, "rule: &r [bp, fa]\nvariants:\n  - {rule: *r, lr: 0.5}\n", "")
	if len(pts) != 2 || pts[1].Config.Rule != "fa" || pts[1].Config.LR != 0.5 {
		t.Errorf("%+v", pts)
	}
}

func TestRunName(t *testing.T) {
	for in, want := range map[string]string{"np c=0.001": "np_c_0.001-seed2", "bp + Adam": "bp___Adam-seed2", "a/b": "a_b-seed2"} {
		if got := RunName(in, 2); got != want {
			t.Errorf("RunName(%q) = %q, want %q", in, got, want)
		}
	}
}

// A scale may give its own group label, at the top level or in a variant;
// the most specific wins (file, top-level scale, variant, variant's scale),
// and other scales keep theirs.
func TestScaleGroup(t *testing.T) {
	src := `
group: "{rule}"
variants:
  - rule: dfa
    scales:
      wide: {activity_noise: [0, 0.5], group: "dfa an={activity_noise}"}
  - rule: bp
scales:
  quick: {}
  wide: {epochs: 3, group: "{rule} wide"}
`
	names := func(scale string) []string {
		var ns []string
		for _, p := range expand(t, src, scale) {
			ns = append(ns, p.Name)
		}
		return ns
	}
	if got, want := names("quick"), []string{"dfa-seed1", "bp-seed1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("quick: %v, want %v", got, want)
	}
	if got, want := names("wide"), []string{"dfa_an_0-seed1", "dfa_an_0.5-seed1", "bp_wide-seed1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("wide: %v, want %v", got, want)
	}
	if _, err := Parse("x.yaml", []byte("scales:\n  full: {grop: x}\n")); err == nil || !strings.Contains(err.Error(), "unknown key") {
		t.Errorf("a misspelt key in a scale: %v", err)
	}
}
