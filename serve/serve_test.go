package serve

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creditlab/credit/config"
	"github.com/creditlab/credit/metrics"
	"github.com/creditlab/credit/rundir"
)

// makeRun writes a run directory by hand: config.json, epochs lines of
// metrics.jsonl (each with one hidden layer) and, if finished,
// summary.json.
func makeRun(t *testing.T, dir string, seed uint64, epochs int, finished bool) {
	t.Helper()
	if err := writeRun(dir, seed, epochs, finished); err != nil {
		t.Fatal(err)
	}
}

// writeRun is makeRun for any goroutine.
func writeRun(dir string, seed uint64, epochs int, finished bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	c := config.Default()
	c.Data, c.Net, c.Rule, c.Seed, c.Epochs, c.Out = "linear", "20-8-5", "fa", seed, 5, dir
	b, _ := json.Marshal(c)
	if err := os.WriteFile(filepath.Join(dir, rundir.ConfigFile), b, 0o644); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, rundir.MetricsFile))
	if err != nil {
		return err
	}
	for e := range epochs {
		if err := writeEpoch(f, e); err != nil {
			f.Close()
			return err
		}
	}
	f.Close()
	if finished {
		b, _ := json.Marshal(rundir.Summary{Rule: "fa", Seed: seed, Epochs: epochs - 1})
		return os.WriteFile(filepath.Join(dir, rundir.SummaryFile), b, 0o644)
	}
	return nil
}

// addEpoch appends epoch e's line to w.
func addEpoch(t *testing.T, w io.Writer, e int) {
	t.Helper()
	if err := writeEpoch(w, e); err != nil {
		t.Fatal(err)
	}
}

func writeEpoch(w io.Writer, e int) error {
	wa := metrics.Value(90 - float64(e))
	l := rundir.Epoch{Epoch: e, Steps: 10 * e, Samples: 100 * e, TrainLoss: metrics.Value(1 / float64(e+1)),
		TestLoss: metrics.Value(1.1 / float64(e+1)), Seconds: 0.1,
		Layers: []metrics.Layer{{DeltaAngle: 80, UpdateAngle: 70, WeightAngle: &wa}}}
	b, _ := json.Marshal(l)
	_, err := w.Write(append(b, '\n'))
	return err
}

func newServer(t *testing.T, dirs ...string) *Server {
	t.Helper()
	s, err := New(Options{Dirs: dirs, Poll: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func byID(s *Server) map[string]RunInfo {
	m := map[string]RunInfo{}
	for _, r := range s.Runs() {
		m[r.ID] = r
	}
	return m
}

// Discovery finds runs at any depth below each directory, as credit report
// does: not inside a run, not in dot directories, not through symlinks;
// runs appear and vanish with their directories.
func TestDiscovery(t *testing.T) {
	root, other := t.TempDir(), t.TempDir()
	makeRun(t, filepath.Join(root, "sweep", "runs", "a"), 1, 3, true)
	makeRun(t, filepath.Join(root, "sweep", "runs", "b"), 2, 2, false)
	makeRun(t, filepath.Join(root, ".hidden", "c"), 3, 1, true)
	makeRun(t, filepath.Join(root, "sweep", "runs", "a", "nested"), 4, 1, true)
	makeRun(t, filepath.Join(other, "d"), 5, 1, true)
	if err := os.Symlink(filepath.Join(other, "d"), filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	s := newServer(t, root, filepath.Join(other, "d"))
	got := byID(s)
	for _, id := range []string{"0/sweep/runs/a", "0/sweep/runs/b", "1"} {
		if _, ok := got[id]; !ok {
			t.Errorf("run %s not found; found %v", id, got)
		}
	}
	if len(got) != 3 {
		t.Errorf("found %d runs, want 3: %v", len(got), got)
	}
	if r := got["0/sweep/runs/a"]; r.Epoch != 2 || r.State != Finished || r.Rule != "fa" || r.Name != filepath.Join(root, "sweep", "runs", "a") {
		t.Errorf("run a: %+v", r)
	}

	v := s.Version()
	makeRun(t, filepath.Join(root, "sweep", "runs", "e"), 6, 1, false)
	s.Scan()
	if _, ok := byID(s)["0/sweep/runs/e"]; !ok || s.Version() == v {
		t.Errorf("a new run was not found (version %d → %d)", v, s.Version())
	}
	os.RemoveAll(filepath.Join(root, "sweep", "runs", "e"))
	s.Scan()
	if _, ok := byID(s)["0/sweep/runs/e"]; ok {
		t.Error("a deleted run is still listed")
	}
	v = s.Version()
	s.Scan()
	if s.Version() != v {
		t.Error("a scan that found no change bumped the version")
	}

	if _, err := New(Options{Dirs: []string{t.TempDir()}}); err == nil || !strings.Contains(err.Error(), "no run directories") || strings.Contains(err.Error(), "\n") {
		t.Errorf("a directory without runs: want a one-line error, got %v", err)
	}
	if _, err := New(Options{Dirs: []string{filepath.Join(root, "none")}}); err == nil {
		t.Error("a missing directory: want an error")
	}
}

// States: finished, running (a writer holds the lock), interrupted,
// diverged, corrupt, and a .lock left without a holder.
func TestStates(t *testing.T) {
	root := t.TempDir()
	dir := func(n string) string { return filepath.Join(root, n) }
	makeRun(t, dir("finished"), 1, 3, true)
	makeRun(t, dir("running"), 1, 2, false)
	makeRun(t, dir("interrupted"), 1, 2, false)
	makeRun(t, dir("diverged"), 1, 2, false)
	rundir.WriteDivergence(dir("diverged"), &rundir.Divergence{Epoch: 2, Step: 7, Steps: 17, Loss: "NaN"})
	makeRun(t, dir("corrupt"), 1, 2, false)
	f, _ := os.OpenFile(filepath.Join(dir("corrupt"), rundir.MetricsFile), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("{\"epoch\": 2, oops}\n")
	f.Close()
	makeRun(t, dir("stale"), 1, 2, false)
	os.WriteFile(filepath.Join(dir("stale"), lockFile), []byte("999999999\n"), 0o644)
	old := time.Now().Add(-time.Hour)
	for _, n := range []string{lockFile, rundir.ConfigFile, rundir.MetricsFile} {
		os.Chtimes(filepath.Join(dir("stale"), n), old, old)
	}
	makeRun(t, dir("remote"), 1, 2, false)
	os.WriteFile(filepath.Join(dir("remote"), lockFile), []byte("999999999\n"), 0o644)

	l, err := rundir.LockDir(dir("running"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	s := newServer(t, root)
	got := byID(s)
	want := map[string]string{"finished": Finished, "running": Running, "interrupted": Interrupted,
		"diverged": Diverged, "corrupt": Corrupt, "stale": Interrupted, "remote": Running}
	if heldLocks() == nil {
		t.Log("no /proc/locks here: running is told by the PID in .lock")
	} else if d := got["0/running"].Detail; d != "" {
		t.Errorf("running: told by %q, not by the kernel's lock table", d)
	}
	for n, w := range want {
		if r := got["0/"+n]; r.State != w {
			t.Errorf("%s: state %q (%s), want %q", n, r.State, r.Detail, w)
		}
	}
	if d := got["0/corrupt"].Detail; !strings.Contains(d, "metrics.jsonl: line 3") {
		t.Errorf("corrupt: detail %q should name the file and line", d)
	}
	if d := got["0/diverged"].Detail; !strings.Contains(d, "epoch 2, step 7") {
		t.Errorf("diverged: detail %q should say where", d)
	}
	// The scan takes no lock: a writer can still take one that is free,
	// and the scan sees the end of one.
	l2, err := rundir.LockDir(dir("interrupted"))
	if err != nil {
		t.Fatalf("the scan left a lock behind: %v", err)
	}
	l.Unlock()
	s.Scan()
	got = byID(s)
	if got["0/running"].State != Interrupted || got["0/interrupted"].State != Running {
		t.Errorf("after the writers swapped: %q and %q", got["0/running"].State, got["0/interrupted"].State)
	}
	l2.Unlock()
}

func TestParseLocks(t *testing.T) {
	h := parseLocks(strings.NewReader(`1: FLOCK  ADVISORY  WRITE 4242 08:01:1234567 0 EOF
2: FLOCK  ADVISORY  READ 4243 08:01:77 0 EOF
3: POSIX  ADVISORY  WRITE 4244 fd:00:88 0 EOF
3: -> FLOCK  ADVISORY  WRITE 4245 08:01:99 0 EOF
4: FLOCK  ADVISORY  WRITE 4246 103:0a:5 0 EOF
`))
	if len(h) != 2 || !h[fileID{mkdev(8, 1), 1234567}] || !h[fileID{mkdev(0x103, 0xa), 5}] {
		t.Errorf("parseLocks: %v", h)
	}
}

// The event stream announces a scan that found a new epoch, and the run's
// curves then hold it.
func TestEventsDeliverNewEpoch(t *testing.T) {
	root := t.TempDir()
	makeRun(t, filepath.Join(root, "r"), 1, 2, false)
	s := newServer(t, root)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	events := make(chan string, 8)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				events <- d
			}
		}
		close(events)
	}()
	next := func() string {
		select {
		case e := <-events:
			return e
		case <-time.After(5 * time.Second):
			t.Fatal("no event within 5 s")
		}
		return ""
	}
	if first := next(); first != fmt.Sprint(s.Version()) {
		t.Fatalf("first event %q, want the version %d", first, s.Version())
	}
	f, _ := os.OpenFile(filepath.Join(root, "r", rundir.MetricsFile), os.O_APPEND|os.O_WRONLY, 0)
	addEpoch(t, f, 2)
	f.WriteString(`{"epoch": 3, "half-writ`) // a line still being written is not read
	f.Close()
	s.Scan()
	if got := next(); got != fmt.Sprint(s.Version()) {
		t.Fatalf("event %q after the new epoch, want version %d", got, s.Version())
	}
	var body struct {
		Info   RunInfo `json:"info"`
		Curves Curves  `json:"curves"`
	}
	getJSON(t, ts.URL+"/api/run/0/r", &body)
	if body.Info.Epoch != 2 || len(body.Curves.Epoch) != 3 || len(body.Curves.Layers) != 1 || len(body.Curves.Layers[0]["weight_angle_deg"]) != 3 {
		t.Errorf("after the new epoch: info %+v, curves %+v", body.Info, body.Curves)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// Files outside the directories given are never served: not by "..",
// not through a symlink, not a dot file, not a directory; only GET and
// HEAD are answered, and only at a loopback Host.
func TestFilesStayInside(t *testing.T) {
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret"), []byte("SECRET"), 0o644)
	root := filepath.Join(t.TempDir(), "root")
	makeRun(t, filepath.Join(root, "r"), 1, 2, true)
	os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "r", "link"))
	os.Symlink(outside, filepath.Join(root, "r", "out"))
	os.WriteFile(filepath.Join(root, "r", lockFile), []byte("1\n"), 0o644)
	s := newServer(t, root)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) (int, string) {
		req, _ := http.NewRequest("GET", ts.URL, nil)
		req.URL.Opaque = path // sent as written, not cleaned
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/files/0/r/config.json"); code != 200 || !strings.Contains(body, `"rule"`) {
		t.Errorf("config.json: %d %q", code, body)
	}
	for _, p := range []string{
		"/files/0/../" + filepath.Base(outside) + "/secret", "/files/0/r/../../secret", "/files/0/%2e%2e/secret",
		"/files/0/r/%2e%2e/%2e%2e/secret", "/files/0/r/link", "/files/0/r/out/secret", "/files/0/r/.lock",
		"/files/0/r", "/files/0/", "/files/1/r/config.json", "/files/-1/x", "/files/0/r/..%2f..%2fsecret",
		"/files/0//etc/passwd", "/files/0/r%2f..%2f..%2fsecret",
	} {
		code, body := get(p)
		if code == 200 || strings.Contains(body, "SECRET") {
			t.Errorf("%s: %d %q, want no file", p, code, body)
		}
		if code != 404 && code != 301 && code != 307 && code != 400 {
			t.Errorf("%s: status %d, want 404 (or a redirect the client does not follow)", p, code)
		}
	}
	resp, err := http.Post(ts.URL+"/api/runs", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %s, want 405", resp.Status)
	}
	req, _ := http.NewRequest("GET", ts.URL+"/api/runs", nil)
	req.Host = "attacker.example:8150"
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a foreign Host: %s, want 403", resp.Status)
	}
}

// A run directory deleted (and written again) while scans and requests
// read it never breaks the server; once it is gone it leaves the table.
func TestRunDeletedMidRead(t *testing.T) {
	root := t.TempDir()
	makeRun(t, filepath.Join(root, "keep"), 1, 3, true)
	victim := filepath.Join(root, "victim")
	makeRun(t, victim, 2, 200, false)
	s := newServer(t, root)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // the writer: delete, write again, repeat
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			os.RemoveAll(victim)
			if i%2 == 0 {
				writeRun(victim, 2, 50+i%100, false) // an error is one more broken run to survive
			}
		}
	}()
	go func() { // a reader of the page's endpoints
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, p := range []string{"/api/runs", "/api/run/0/victim", "/files/0/victim/metrics.jsonl", "/api/bands?id=0/victim&id=0/keep", "/api/diff?id=0/victim&id=0/keep"} {
				if resp, err := http.Get(ts.URL + p); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode >= 500 {
						t.Errorf("%s: %s", p, resp.Status)
					}
				}
			}
		}
	}()
	for range 100 {
		s.Scan()
	}
	close(stop)
	wg.Wait()
	os.RemoveAll(victim)
	s.Scan()
	got := byID(s)
	if _, ok := got["0/victim"]; ok || got["0/keep"].State != Finished {
		t.Errorf("after the deletion: %v", got)
	}
	resp, _ := http.Get(ts.URL + "/api/run/0/victim")
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("a deleted run's curves: %s, want 404", resp.Status)
	}
}

// Bands group seeds as credit report does, and diff lists the settings
// that differ.
func TestBandsAndDiff(t *testing.T) {
	root := t.TempDir()
	makeRun(t, filepath.Join(root, "s1"), 1, 4, true)
	makeRun(t, filepath.Join(root, "s2"), 2, 3, true)
	makeRun(t, filepath.Join(root, "x"), 3, 4, true)
	c, _ := rundir.ReadConfig(filepath.Join(root, "x"))
	c.LR = 0.01
	b, _ := json.Marshal(c)
	os.WriteFile(filepath.Join(root, "x", rundir.ConfigFile), b, 0o644)
	s := newServer(t, root)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	var bands []Band
	getJSON(t, ts.URL+"/api/bands?id=0/s1&id=0/s2&id=0/x", &bands)
	if len(bands) != 2 || bands[0].Group != "lr=0.001" || len(bands[0].IDs) != 2 || bands[1].Group != "lr=0.01" {
		t.Fatalf("bands: %+v", bands)
	}
	if n := len(bands[0].Mean.Epoch); n != 3 {
		t.Errorf("a band over runs of 4 and 3 epochs has %d points, want 3", n)
	}
	if m := float64(bands[0].Mean.Values["test_loss"][1]); m != 0.55 {
		t.Errorf("mean test loss at epoch 1: %v, want 0.55", m)
	}
	var d Diff
	getJSON(t, ts.URL+"/api/diff?id=0/s1&id=0/x", &d)
	if strings.Join(d.Keys, ",") != "lr,seed" || d.Vals[0][0] != "0.001" || d.Vals[1][0] != "0.01" {
		t.Errorf("diff: %+v", d)
	}
}

func TestCheckAddr(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:8150": true, "localhost:0": true, "[::1]:8150": true, "127.0.0.2:1": true,
		"0.0.0.0:8150": false, ":8150": false, "192.168.1.5:8150": false, "example.com:80": false, "nonsense": false,
	} {
		err := CheckAddr(addr, false)
		if (err == nil) != ok || (err != nil && strings.Contains(err.Error(), "\n")) {
			t.Errorf("%s: %v", addr, err)
		}
	}
	if err := CheckAddr("0.0.0.0:8150", true); err != nil {
		t.Errorf("--public: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := Listen(l.Addr().String()); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("a port in use: %v", err)
	}
}
