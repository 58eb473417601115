package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// A config.json written before a key existed reads back with that key at
// its default, not at zero: such a run still resumes and still counts as
// the same settings.
func TestReadConfigOlderFile(t *testing.T) {
	c := Default()
	c.Rule, c.LR, c.Out = "fa", 0.5, "x"
	b, _ := json.Marshal(c)
	var m map[string]any
	json.Unmarshal(b, &m)
	delete(m, "feedback_decay")
	delete(m, "momentum")
	b, _ = json.Marshal(m)
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != c {
		t.Errorf("read %+v\nwant %+v", got, c)
	}
	os.WriteFile(path, []byte(`{"lr": "fast"}`), 0o644)
	if _, err := Read(path); err == nil {
		t.Error("a malformed config.json was accepted")
	}
}
