// Package sweep reads experiment files and expands them into the runs they
// describe.
//
// An experiment file is YAML. Its keys are config.Config's JSON names, the
// flags of credit train with dashes as underscores (feedback_solver;
// feedback-solver is accepted as the same key); keys left out keep
// train.Default's values. A file holding one value per key is one run.
// Any key may instead hold a list of values: the runs are then the
// cartesian product of the lists, the first listed key varying slowest,
// and each point runs once per seed. Beside the settings a file may hold:
//
//	name: e2b              # the experiment's name (default: the file's base name)
//	title: …               # a one-line description for reports
//	out: runs/e2b          # where results go (default: runs/<name>)
//	seeds: 3               # seeds 1…3, or a list: seeds: [1, 7]; same as seed: [1, 2, 3]
//	group: np c={noise}    # the label of a run's group, {key} replaced by its value
//	variants:              # a union of grids, each laid over the top-level settings
//	  - {group: "np c={noise}", rule: np, noise: [1e-3, 1e-2], warmup: 1}
//	  - {group: "{rule}", rule: [fa, bp]}
//	scales:                # named sets of settings laid over the others, chosen by --scale
//	  full: {epochs: 1067, seeds: 5}
//
// A variant may hold group, scales (of the names defined at the top level)
// and settings; a scale holds settings and optionally a group (the label
// its runs get at that scale). Precedence, lowest first: train.Default, the
// top-level settings, the chosen top-level scale, the variant, the
// variant's scale, command-line overrides; the same for group. The runs come out
// variant by variant, each a grid in file order with the seeds innermost.
//
// Decoding is strict: an unknown key (with the closest valid key as a
// suggestion), a duplicate key, a value of the wrong type and a value that
// config.Config.Validate refuses are errors naming the file, the line and
// the key (see Error).
package sweep

import (
	"errors"
	"fmt"
	"github.com/creditlab/credit/config"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// File is a parsed experiment file.
type File struct {
	Path  string // as given; errors name it
	Name  string // the name key, or the file's base name without extension
	Title string // the title key
	Out   string // the out key: the sweep's directory (credit sweep) or the run's (credit run)

	src        []byte
	base       layer
	group      *template
	scales     map[string]layer
	scaleGroup map[string]*template // a scale's own group label, if it gives one
	scaleNames []string             // in file order
	variants   []variant
	overrides  layer
}

type variant struct {
	set        layer
	group      *template
	scales     map[string]layer
	scaleGroup map[string]*template
	scaleKeys  []*yaml.Node
}

// The keys that are not settings, and where each is allowed.
var (
	metaKeys  = []string{"name", "title", "out", "group", "variants", "scales"}
	metaWhere = map[string]string{
		"name": "at the top level", "title": "at the top level", "out": "at the top level",
		"variants": "at the top level", "group": "at the top level, in variants and in scales", "scales": "at the top level and in variants",
	}
)

// Limits on what an experiment file may hold, so that no file, however
// hostile, makes Load, Parse or Expand run out of memory.
const (
	// MaxFileSize is the largest experiment file, in bytes: hundreds of
	// times the largest real one, and read whole in a moment.
	MaxFileSize = 1 << 20
	// MaxValues is the most values a file's keys may hold in all, counting
	// each use of a YAML alias anew (a file without aliases cannot reach
	// it): a ten-line file whose aliases fan out is refused while parsing.
	MaxValues = 1 << 20
	// MaxRuns is the most runs a file may expand to, counted before
	// expanding: a hundred times the largest of the paper's experiments,
	// and far beyond what one machine or job array runs.
	MaxRuns = 100000
)

// Load reads and parses the experiment file at path. A file larger than
// MaxFileSize is refused by size, before it is read whole.
func Load(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	src, err := io.ReadAll(io.LimitReader(fh, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return Parse(path, src)
}

// Parse parses src, the text of the experiment file named file. It refuses
// a text longer than MaxFileSize and one whose aliases make its keys hold
// more than MaxValues values.
func Parse(file string, src []byte) (*File, error) {
	if len(src) > MaxFileSize {
		return nil, &Error{File: file, Msg: fmt.Sprintf("larger than %d bytes, the most an experiment file may hold", MaxFileSize)}
	}
	p := &parser{file: file}
	root, err := p.document(src)
	if err != nil {
		return nil, err
	}
	f := &File{Path: file, src: src}
	err = p.pairs(root, func(key string, k, v *yaml.Node) (err error) {
		switch key {
		case "name":
			f.Name, err = p.str(k, v)
		case "title":
			f.Title, err = p.str(k, v)
		case "out":
			f.Out, err = p.str(k, v)
		case "group":
			f.group, err = p.template(k, v)
		case "scales":
			var ks []*yaml.Node
			f.scales, f.scaleGroup, ks, err = p.scales(k, v)
			for _, k := range ks {
				f.scaleNames = append(f.scaleNames, k.Value)
			}
		case "variants":
			f.variants, err = p.variants(k, v)
		default:
			var s setting
			s, err = p.key(key, k, v, metaKeys)
			f.base = append(f.base, s)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	// A variant's scales must be ones the top level defines, so that a
	// misspelt scale is not silently never used.
	for _, v := range f.variants {
		for _, k := range v.scaleKeys {
			if _, ok := f.scales[k.Value]; !ok {
				return nil, p.errf(k, k.Value, "a scale the top level does not define (it defines: %s)", list(f.scaleNames))
			}
		}
	}
	if f.Name == "" {
		f.Name = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	}
	return f, nil
}

// Scales returns the names of the file's scales, in file order.
func (f *File) Scales() []string { return slices.Clone(f.scaleNames) }

// Source returns the file's text as read.
func (f *File) Source() []byte { return f.src }

// key decodes a setting, or reports an unknown key given the meta keys
// allowed here.
func (p *parser) key(key string, k, v *yaml.Node, meta []string) (setting, error) {
	switch {
	case key == "seeds":
		return p.seeds(k, v)
	case fields[key].typ != nil && !slices.Contains(metaKeys, key):
		return p.setting(key, k, v)
	}
	return setting{}, p.unknown(k, meta)
}

// settings decodes a scale: settings, and optionally the group label the
// runs get at that scale.
func (p *parser) settings(n *yaml.Node) (layer, *template, error) {
	var l layer
	var g *template
	err := p.pairs(n, func(key string, k, v *yaml.Node) (err error) {
		if key == "group" {
			g, err = p.template(k, v)
			return err
		}
		s, err := p.key(key, k, v, []string{"group"})
		l = append(l, s)
		return err
	})
	return l, g, err
}

// scales decodes "scales: {name: {settings}, …}" and returns the key nodes of
// the names in file order.
func (p *parser) scales(k, v *yaml.Node) (map[string]layer, map[string]*template, []*yaml.Node, error) {
	if v.Kind != yaml.MappingNode {
		return nil, nil, nil, p.errf(v, k.Value, "want a mapping of scale names to settings")
	}
	m := map[string]layer{}
	groups := map[string]*template{}
	var names []*yaml.Node
	err := p.pairs(v, func(_ string, sk, sv *yaml.Node) error {
		names = append(names, sk)
		switch {
		case sv.Kind == yaml.MappingNode:
			l, g, err := p.settings(sv)
			m[sk.Value] = l
			if g != nil {
				groups[sk.Value] = g
			}
			return err
		case sv.Kind == yaml.ScalarNode && sv.ShortTag() == "!!null": // "quick:" changes nothing
			m[sk.Value] = nil
			return nil
		}
		return p.errf(sv, sk.Value, "want a mapping of settings ({} for none)")
	})
	return m, groups, names, err
}

// variants decodes "variants: [{settings, group, scales}, …]".
func (p *parser) variants(k, v *yaml.Node) ([]variant, error) {
	if v.Kind != yaml.SequenceNode || len(v.Content) == 0 {
		return nil, p.errf(v, k.Value, "want a list of variants, each a mapping of settings")
	}
	var vs []variant
	for _, e := range v.Content {
		e = deref(e)
		if e.Kind != yaml.MappingNode {
			return nil, p.errf(e, k.Value, "want each variant to be a mapping of settings")
		}
		var va variant
		err := p.pairs(e, func(key string, k, v *yaml.Node) (err error) {
			switch key {
			case "group":
				va.group, err = p.template(k, v)
			case "scales":
				va.scales, va.scaleGroup, va.scaleKeys, err = p.scales(k, v)
			default:
				var s setting
				s, err = p.key(key, k, v, []string{"group", "scales"})
				va.set = append(va.set, s)
			}
			return err
		})
		if err != nil {
			return nil, err
		}
		vs = append(vs, va)
	}
	return vs, nil
}

// template is a group label with {key} placeholders.
type template struct {
	text string
	line int
}

var placeholder = regexp.MustCompile(`\{([^{}]*)\}`)

func (p *parser) template(k, v *yaml.Node) (*template, error) {
	if v.Kind == yaml.MappingNode && v.Style == yaml.FlowStyle {
		return nil, p.errf(v, k.Value, "want a label; quote one that starts with { (group: \"{rule}\")")
	}
	s, err := p.str(k, v)
	if err != nil {
		return nil, err
	}
	if rest := placeholder.ReplaceAllString(s, ""); strings.ContainsAny(rest, "{}") {
		return nil, p.errf(v, k.Value, "unbalanced braces in %q", s)
	}
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		c := canon(strings.TrimSpace(m[1]))
		if c == "seed" || c == "seeds" {
			return nil, p.errf(v, k.Value, "the seed cannot be part of a group (a group's runs differ only by seed; run names add it)")
		}
		if fields[c].typ == nil {
			return nil, p.unknown(&yaml.Node{Value: m[1], Line: v.Line}, nil)
		}
	}
	return &template{s, v.Line}, nil
}

func (t *template) expand(c *config.Config) string {
	return placeholder.ReplaceAllStringFunc(t.text, func(m string) string {
		return format(get(c, canon(strings.TrimSpace(m[1:len(m)-1]))))
	})
}

// get returns the field of c that key names.
func get(c *config.Config, key string) reflect.Value {
	return reflect.ValueOf(c).Elem().Field(fields[key].index)
}

// format writes a value as group labels show it (numbers as %g).
func format(v reflect.Value) string {
	if v.Kind() == reflect.Float32 || v.Kind() == reflect.Float64 {
		return fmt.Sprintf("%g", v.Interface())
	}
	return fmt.Sprint(v.Interface())
}

func list(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// Override sets key (a key or flag name) to v in every run, above
// everything the file says: command-line flags. v must have the key's Go
// type (what flag.Getter.Get returns for the flag). The key "out" sets
// f.Out. An error about an overridden value names the flag, not the file.
func (f *File) Override(key string, v any) error {
	c := canon(key)
	if c == "out" {
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("--out: want a string, got %T", v)
		}
		f.Out = s
		return nil
	}
	fd, ok := fields[c]
	x := reflect.ValueOf(v)
	if !ok || !x.IsValid() || x.Type() != fd.typ {
		return fmt.Errorf("--%s: cannot set %s to %v (%T)", key, c, v, v)
	}
	f.overrides = f.overrides.over(layer{{key: c, spelled: "--" + key, flag: true, values: []value{{x, 0}}}})
	return nil
}

// Point is one run of a file; its index in Expand's result is its --index
// (a job array's task id).
type Point struct {
	Group  string        // the group label: the group template, or the keys that vary across the file's runs as key=value
	Name   string        // the run's directory name, RunName(Group, Config.Seed)
	Config config.Config // Out is left empty: the caller places the run

	file  string
	where map[string]origin // keys set by the file or an override
}

// origin is where a point's value of a key came from.
type origin struct {
	line    int
	spelled string
	flag    bool
}

// Expand returns the runs of the file at scale ("" for the top-level
// settings alone), each validated. It fails with an *Error naming the line
// and key of a value that config.Config.Validate refuses, and when two runs
// would share a directory.
func (f *File) Expand(scale string) ([]Point, error) {
	vs, grids, err := f.grids(scale)
	if err != nil {
		return nil, err
	}
	if err := f.countRuns(grids); err != nil {
		return nil, err
	}
	var pts []Point
	var order []string // every key set anywhere, in order of first appearance
	for vi, v := range vs {
		set, seeds := grids[vi].set, grids[vi].seeds
		for _, s := range set {
			if !slices.Contains(order, s.key) {
				order = append(order, s.key)
			}
		}
		// The group label: the most specific of the file's, the chosen
		// scale's, the variant's and the variant's scale's.
		group := f.group
		for _, g := range []*template{f.scaleGroup[scale], v.group, v.scaleGroup[scale]} {
			if g != nil {
				group = g
			}
		}
		idx := make([]int, len(set))
		for {
			for j := range seeds.values {
				p := Point{Config: config.Default(), file: f.Path, where: map[string]origin{}}
				for i, s := range set {
					p.set(s, idx[i])
				}
				p.set(seeds, j)
				p.Config.NetDefaults(func(key string) bool { _, ok := p.where[key]; return ok })
				if group != nil {
					p.Group = group.expand(&p.Config)
				}
				pts = append(pts, p)
			}
			k := len(set) - 1
			for ; k >= 0; k-- {
				if idx[k]++; idx[k] < len(set[k].values) {
					break
				}
				idx[k] = 0
			}
			if k < 0 {
				break
			}
		}
	}
	// Runs without a group template are labelled by the keys that vary.
	var varying []string
	for _, k := range order {
		for _, p := range pts[1:] {
			if format(get(&p.Config, k)) != format(get(&pts[0].Config, k)) {
				varying = append(varying, k)
				break
			}
		}
	}
	names := map[string]int{}
	for i := range pts {
		p := &pts[i]
		if p.Group == "" {
			var kv []string
			for _, k := range varying {
				kv = append(kv, k+"="+format(get(&p.Config, k)))
			}
			p.Group = strings.Join(kv, " ")
			if p.Group == "" {
				p.Group = p.Config.Rule
			}
		}
		p.Name = RunName(p.Group, p.Config.Seed)
		if j, ok := names[p.Name]; ok {
			return nil, &Error{File: f.Path, Key: "group", Msg: fmt.Sprintf(
				"runs %d and %d would share the directory %s: give them different group labels (a {key} of a key that tells them apart) or seeds", j, i, p.Name)}
		}
		names[p.Name] = i
		c := p.Config
		c.Out = "-" // placed by the caller; Validate wants one
		if err := p.Locate(c.Validate()); err != nil {
			return nil, err
		}
	}
	return pts, nil
}

// grid is one variant's settings at a scale, with the seeds apart.
type grid struct {
	set   layer
	seeds setting
}

// grids returns the variants (one empty variant for a file without) and
// their grids at scale.
func (f *File) grids(scale string) ([]variant, []grid, error) {
	top := f.base
	if scale != "" {
		s, ok := f.scales[scale]
		if !ok {
			return nil, nil, fmt.Errorf("--scale: %s has no scale %q (it defines: %s)", f.Path, scale, list(f.scaleNames))
		}
		top = top.over(s)
	}
	vs := f.variants
	if len(vs) == 0 {
		vs = []variant{{}}
	}
	grids := make([]grid, len(vs))
	for i, v := range vs {
		grids[i] = f.grid(top, v, scale)
	}
	return vs, grids, nil
}

// grid lays variant v (and its scale) and the overrides over top.
func (f *File) grid(top layer, v variant, scale string) grid {
	set := top.over(v.set)
	if scale != "" {
		set = set.over(v.scales[scale])
	}
	set = set.over(f.overrides)
	seeds := setting{key: "seed", values: []value{{reflect.ValueOf(config.Default().Seed), 0}}}
	if i := slices.IndexFunc(set, func(s setting) bool { return s.key == "seed" }); i >= 0 {
		seeds, set = set[i], slices.Delete(slices.Clone(set), i, i+1)
	}
	return grid{set, seeds}
}

// runs returns the number of runs of g (in float64, exact up to 2⁵³ and
// never overflowing) and the lists that make it, "lr: 100 values × seed: 3".
func (g grid) runs() (float64, string) {
	n := float64(len(g.seeds.values))
	var lists []string
	for _, s := range g.set {
		if k := len(s.values); k > 1 {
			n *= float64(k)
			lists = append(lists, fmt.Sprintf("%s: %d", s.spelled, k))
		}
	}
	if k := len(g.seeds.values); k > 1 {
		lists = append(lists, fmt.Sprintf("seed: %d", k))
	}
	if len(lists) > 0 {
		lists[0] += " values"
	}
	return n, strings.Join(lists, " × ")
}

// countRuns refuses grids that make more than MaxRuns runs in all, before
// any is expanded, naming the count and the lists that make it (for several
// variants, those of the largest).
func (f *File) countRuns(grids []grid) error {
	var total float64
	for _, g := range grids {
		n, _ := g.runs()
		total += n
	}
	if total <= MaxRuns {
		return nil
	}
	var why string
	if len(grids) == 1 {
		_, why = grids[0].runs()
	} else {
		order := make([]int, len(grids))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int {
			na, _ := grids[a].runs()
			nb, _ := grids[b].runs()
			switch {
			case na > nb:
				return -1
			case na < nb:
				return 1
			}
			return 0
		})
		var parts []string
		for _, i := range order[:min(3, len(order))] {
			n, lists := grids[i].runs()
			if lists == "" {
				lists = "1 run"
			}
			parts = append(parts, fmt.Sprintf("variant %d: %.0f = %s", i+1, n, lists))
		}
		why = fmt.Sprintf("%d variants; ", len(grids)) + strings.Join(parts, "; ")
		if len(grids) > 3 {
			why += "; …"
		}
	}
	return &Error{File: f.Path, Msg: fmt.Sprintf("%.0f runs (%s) exceeds the limit of %d", total, why, MaxRuns)}
}

func (p *Point) set(s setting, i int) {
	v := s.values[i]
	get(&p.Config, s.key).Set(v.v)
	if v.line > 0 || s.flag {
		p.where[s.key] = origin{v.line, s.spelled, s.flag}
	}
}

// Locate places a *config.Error (from config.Config.Validate or
// train.Run) in the file: at the line of the value the run took from it,
// or at the file alone when the value is a default. An error about a value
// set on the command line, about the run directory (a point's out is its
// caller's), and any other error, is returned as it is.
func (p *Point) Locate(err error) error {
	var ce *config.Error
	if !errors.As(err, &ce) {
		return err
	}
	key := canon(ce.Key)
	if _, ok := fields[key]; !ok || key == "out" {
		return err
	}
	o, ok := p.where[key]
	switch {
	case !ok:
		return &Error{File: p.file, Key: key, Msg: ce.Msg}
	case o.flag:
		return err
	}
	return &Error{File: p.file, Line: o.line, Key: o.spelled, Msg: ce.Msg}
}

// RunName is the directory name of a run of group with seed: the group
// with every character but letters, digits, '.' and '-' made '_', then
// "-seed<k>" ("np c=0.001", 2 → "np_c_0.001-seed2").
func RunName(group string, seed uint64) string {
	return fmt.Sprintf("%s-seed%d", slug(group), seed)
}

// slug makes every character of s but letters, digits, '.' and '-' '_'.
func slug(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-':
			return r
		}
		return '_'
	}, s)
}
