package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/creditlab/credit/feedback"
)

// commands are the commands run dispatches to a function of their
// arguments; version and help, which run answers itself, are not among
// them.
var commands = map[string]func(args []string, stdout io.Writer) error{
	"train": trainCmd, "run": runCmd, "sweep": sweepCmd, "reproduce": reproduceCmd, "report": reportCmd,
	"serve": serveCmd, "export": exportCmd, "bench": benchCmd, "rules": rulesCmd,
}

// commandNames lists every command in the usage's order.
var commandNames = []string{"train", "run", "sweep", "reproduce", "report", "serve", "export", "bench", "rules", "version", "help"}

// version describes this binary from its build information: the module's
// version, the VCS revision it was built from (with "+modified" when the
// work tree had changes) and the Go version. A binary built with
// -buildvcs=false or outside a git checkout has no revision, and says so.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "credit: no build information (a binary built without module support)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, modified, when string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+modified"
			}
		case "vcs.time":
			when = " " + s.Value
		}
	}
	if rev == "" {
		rev = "unknown (built with -buildvcs=false or outside a git checkout)"
	} else {
		rev += modified + when
	}
	path := bi.Main.Path
	if path == "" {
		path = "github.com/creditlab/credit"
	}
	return fmt.Sprintf("credit %s (%s), revision %s, %s", v, path, rev, bi.GoVersion)
}

// rulesCmd lists the learning rules, as a table or, with --json, as a JSON
// array of {"name", "doc"} objects.
func rulesCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("credit rules", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print a JSON array of {\"name\", \"doc\"} objects, for scripts")
	if err := parseNone(fs, args, stdout, "usage: credit rules [--json]"); err != nil {
		return err
	}
	if *asJSON {
		type rule struct {
			Name string `json:"name"`
			Doc  string `json:"doc"`
		}
		rs := []rule{}
		for _, n := range feedback.Names() {
			rs = append(rs, rule{n, feedback.Doc(n)})
		}
		return writeJSON(stdout, rs)
	}
	for _, n := range feedback.Names() {
		fmt.Fprintf(stdout, "%-9s %s\n", n, feedback.Doc(n))
	}
	return nil
}

// writeJSON writes v to w as indented JSON and a newline.
func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
