package sweep

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/creditlab/credit/config"
	"io"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Error is a problem with an experiment file: the file, the line (0 when
// the problem has no single place), the key as spelled there ("" for the
// file as a whole) and what is wrong.
type Error struct {
	File string
	Line int
	Key  string
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Key != "" {
		b.WriteString(": " + e.Key)
	}
	return b.String() + ": " + e.Msg
}

// field is one settable key: a field of config.Config named by its json tag.
type field struct {
	index int
	typ   reflect.Type
}

// fields maps every key (config.Config's json names) to its field, and
// keys lists them in the struct's order. Fields added to config.Config later
// are keys at once.
var fields, keys = func() (map[string]field, []string) {
	m := map[string]field{}
	var ks []string
	t := reflect.TypeOf(config.Config{})
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" || !t.Field(i).IsExported() {
			continue
		}
		m[name] = field{i, t.Field(i).Type}
		ks = append(ks, name)
	}
	return m, ks
}()

// canon is a key's canonical spelling: flags' dashes become underscores.
func canon(k string) string { return strings.ReplaceAll(k, "-", "_") }

// value is one value a key takes, decoded to the field's type, and the line
// that gives it (0 for a command-line override).
type value struct {
	v    reflect.Value
	line int
}

// setting is a key and the value or values it takes in one mapping.
type setting struct {
	key     string // canonical
	spelled string // as written (a flag's name for an override)
	flag    bool   // set on the command line, not in the file
	values  []value
}

// layer is a mapping's settings in file order.
type layer []setting

// over returns l with m's settings laid over it: a key set in both takes
// m's values at l's place; m's other keys follow in m's order.
func (l layer) over(m layer) layer {
	out := slices.Clone(l)
	for _, s := range m {
		if i := slices.IndexFunc(out, func(t setting) bool { return t.key == s.key }); i >= 0 {
			out[i] = s
		} else {
			out = append(out, s)
		}
	}
	return out
}

// parser decodes one file.
type parser struct {
	file   string
	values int // values decoded so far, each alias's anew: at most MaxValues
}

// count adds n values decoded at node v of key, refusing past MaxValues.
func (p *parser) count(v *yaml.Node, key string, n int) error {
	if p.values += n; p.values > MaxValues {
		return p.errf(v, key, "the file's keys hold more than %d values in all (YAML aliases repeat what they name)", MaxValues)
	}
	return nil
}

func (p *parser) errf(n *yaml.Node, key, format string, a ...any) *Error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &Error{File: p.file, Line: line, Key: key, Msg: fmt.Sprintf(format, a...)}
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// document parses src into its one top-level mapping.
func (p *parser) document(src []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: p.file, Msg: "empty file: want a mapping of keys to values"}
		}
		msg := strings.ReplaceAll(err.Error(), "\n", "; ")
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			return nil, &Error{File: p.file, Line: line, Msg: m[2]}
		}
		return nil, &Error{File: p.file, Msg: strings.TrimPrefix(msg, "yaml: ")}
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		return nil, p.errf(&next, "", "a second document: an experiment file holds one")
	}
	root := deref(&doc)
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = deref(root.Content[0])
	}
	if root.Kind != yaml.MappingNode {
		return nil, p.errf(root, "", "want a mapping of keys to values")
	}
	return root, nil
}

func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// pairs calls f for each key of mapping n with its canonical name, after
// refusing duplicates (a key spelled with dashes and with underscores is
// the same key).
func (p *parser) pairs(n *yaml.Node, f func(key string, k, v *yaml.Node) error) error {
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return p.errf(k, "", "a key must be a plain name")
		}
		c := canon(k.Value)
		if c == "seeds" {
			c = "seed"
		}
		if first, ok := seen[c]; ok {
			return p.errf(k, k.Value, "duplicate key (first set as %s at line %d)", first.Value, first.Line)
		}
		seen[c] = k
		if err := p.count(k, k.Value, 1); err != nil {
			return err
		}
		if err := f(canon(k.Value), k, deref(v)); err != nil {
			return err
		}
	}
	return nil
}

// unknown is the error for a key that is neither a setting nor one of the
// meta keys allowed here, with the closest valid key as a suggestion.
func (p *parser) unknown(k *yaml.Node, meta []string) error {
	c := canon(k.Value)
	if slices.Contains(metaKeys, c) {
		return p.errf(k, k.Value, "not allowed here (only %s)", metaWhere[c])
	}
	best, bestD := "", math.MaxInt
	for _, cand := range slices.Concat(keys, meta, []string{"seeds"}) {
		if d := distance(c, cand); d < bestD {
			best, bestD = cand, d
		}
	}
	msg := "unknown key"
	if bestD <= max(2, len(c)/3) {
		msg += fmt.Sprintf(" (did you mean %s?)", best)
	}
	return p.errf(k, k.Value, "%s", msg)
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// setting decodes the value or list of values of a settable key.
func (p *parser) setting(key string, k, v *yaml.Node) (setting, error) {
	s := setting{key: key, spelled: k.Value}
	f := fields[key]
	elems := []*yaml.Node{v}
	switch v.Kind {
	case yaml.SequenceNode:
		if len(v.Content) == 0 {
			return s, p.errf(v, k.Value, "an empty list: give at least one value")
		}
		elems = v.Content
		if key == "milestones" && v.Content[0].Tag == "!!int" {
			return s, p.errf(v, k.Value, `a list is a sweep axis, one run per element: write a step schedule's milestones as one string, "100,150" (a list of such strings sweeps over schedules)`)
		}
	case yaml.MappingNode:
		return s, p.errf(v, k.Value, "want a value or a list of values, not a mapping")
	}
	if err := p.count(v, k.Value, len(elems)); err != nil {
		return s, err
	}
	for _, e := range elems {
		x, err := p.scalar(deref(e), k.Value, f.typ)
		if err != nil {
			return s, err
		}
		s.values = append(s.values, value{x, e.Line})
	}
	return s, nil
}

// seeds decodes "seeds: N" (seeds 1…N) or "seeds: [a, b, …]".
func (p *parser) seeds(k, v *yaml.Node) (setting, error) {
	s := setting{key: "seed", spelled: k.Value}
	t := fields["seed"].typ
	if v.Kind == yaml.ScalarNode {
		x, err := p.scalar(v, k.Value, reflect.TypeOf(0))
		if err != nil {
			return s, err
		}
		n := int(x.Int())
		if n < 1 || n > 100000 {
			return s, p.errf(v, k.Value, "want a number of seeds from 1 to 100000 (seeds 1…N) or a list of seeds, got %d", n)
		}
		if err := p.count(v, k.Value, n); err != nil {
			return s, err
		}
		for i := 1; i <= n; i++ {
			s.values = append(s.values, value{reflect.ValueOf(uint64(i)).Convert(t), v.Line})
		}
		return s, nil
	}
	return p.setting("seed", k, v)
}

// scalar decodes one scalar node into a value of type t, strictly: an
// integer field takes only integers, a number field integers or decimals, a
// boolean true or false.
func (p *parser) scalar(n *yaml.Node, key string, t reflect.Type) (reflect.Value, error) {
	x := reflect.New(t).Elem()
	if n.Kind != yaml.ScalarNode {
		return x, p.errf(n, key, "want a single value in a list, not a nested list or mapping")
	}
	tag := n.ShortTag()
	if tag == "!!null" {
		return x, p.errf(n, key, "no value given")
	}
	bad := func(want string) error { return p.errf(n, key, "want %s, got %q", want, n.Value) }
	switch t.Kind() {
	case reflect.String:
		x.SetString(n.Value)
	case reflect.Bool:
		var b bool
		if tag != "!!bool" || n.Decode(&b) != nil {
			return x, bad("true or false")
		}
		x.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		var i int64
		if tag != "!!int" || n.Decode(&i) != nil || x.OverflowInt(i) {
			return x, bad("an integer")
		}
		x.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		var u uint64
		if tag != "!!int" || n.Decode(&u) != nil || x.OverflowUint(u) {
			return x, bad("a non-negative integer")
		}
		x.SetUint(u)
	case reflect.Float32, reflect.Float64:
		var f float64
		if (tag != "!!int" && tag != "!!float") || n.Decode(&f) != nil {
			return x, bad("a number")
		}
		x.SetFloat(f)
	default: // a field type this decoder does not know: yaml's own rules
		if err := n.Decode(x.Addr().Interface()); err != nil {
			return x, p.errf(n, key, "%v", strings.TrimPrefix(err.Error(), "yaml: "))
		}
	}
	return x, nil
}

// str decodes a meta key's string value.
func (p *parser) str(k, v *yaml.Node) (string, error) {
	if v.Kind != yaml.ScalarNode || v.ShortTag() == "!!null" {
		return "", p.errf(v, k.Value, "want a single value")
	}
	return v.Value, nil
}
