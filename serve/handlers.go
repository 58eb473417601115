package serve

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"path"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/creditlab/credit/analysis"
	"github.com/creditlab/credit/experiment"
	"github.com/creditlab/credit/metrics"
	"github.com/creditlab/credit/report"
)

//go:embed assets
var assets embed.FS

// Handler returns the dashboard's HTTP handler (see the package comment
// for its endpoints). It answers GET and HEAD only.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "assets")
	files := http.FileServerFS(static)
	mux.Handle("GET /{$}", files)
	mux.Handle("GET /static/", http.StripPrefix("/static/", files))
	mux.HandleFunc("GET /api/runs", s.listRuns)
	mux.HandleFunc("GET /api/run/{id...}", s.oneRun)
	mux.HandleFunc("GET /api/bands", s.bands)
	mux.HandleFunc("GET /api/diff", s.diffs)
	mux.HandleFunc("GET /api/events", s.events)
	mux.HandleFunc("GET /files/{root}/{path...}", s.file)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "read-only", http.StatusMethodNotAllowed)
			return
		}
		if !s.opt.Public && !loopbackHost(r.Host) {
			http.Error(w, "this dashboard answers only at a loopback address (credit serve --public to serve others)", http.StatusForbidden)
			return
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		mux.ServeHTTP(w, r)
	})
}

// loopbackHost reports whether a request's Host names this machine's
// loopback (localhost or a loopback IP, with any port).
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// CheckAddr refuses an address that is not loopback unless public is set:
// the dashboard shows everything in its directories to whoever reaches it.
func CheckAddr(addr string, public bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %v (want host:port, such as 127.0.0.1:8150)", addr, err)
	}
	if public || loopbackHost(host) {
		return nil
	}
	if host == "" {
		host = "every interface"
	}
	return fmt.Errorf("--addr %s: %s is not a loopback address; the page shows every run to whoever reaches it: pass --public to serve it there", addr, host)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if b, ok := v.([]byte); ok {
		w.Write(b)
		return
	}
	json.NewEncoder(w).Encode(v)
}

// runsBody is /api/runs's answer.
type runsBody struct {
	Version int64     `json:"version"`
	Dirs    []string  `json:"dirs"`
	Runs    []RunInfo `json:"runs"`
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) {
	v := s.Version()
	writeJSON(w, runsBody{Version: v, Dirs: s.opt.Dirs, Runs: s.Runs()})
}

func (s *Server) oneRun(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	e := s.runs[r.PathValue("id")]
	s.mu.RUnlock()
	if e == nil {
		http.NotFound(w, r)
		return
	}
	writeJSON(w, e.body)
}

// selected returns the known runs among the request's id parameters, in
// the order given.
func (s *Server) selected(r *http.Request) []*entry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var es []*entry
	for _, id := range r.URL.Query()["id"] {
		if e := s.runs[id]; e != nil && e.loaded {
			es = append(es, e)
		}
	}
	return es
}

// Band is one group of /api/bands: its label (credit report's), its runs
// and its curves' mean, mean − sd and mean + sd over them (sample sd; a
// group of one run has Lo and Hi equal to Mean).
type Band struct {
	Group string   `json:"group"`
	IDs   []string `json:"ids"`
	Mean  Curves   `json:"mean"`
	Lo    Curves   `json:"lo"`
	Hi    Curves   `json:"hi"`
}

func (s *Server) bands(w http.ResponseWriter, r *http.Request) {
	es := s.selected(r)
	rs := make([]experiment.Result, len(es))
	byDir := map[string]*entry{}
	for i, e := range es {
		rs[i].Run = e.run
		byDir[e.run.Config.Out] = e
	}
	analysis.ByConfig(rs)
	var out []Band
	for i := 0; i < len(rs); {
		j := i
		var members []Curves
		b := Band{Group: rs[i].Group}
		for ; j < len(rs) && rs[j].Group == rs[i].Group; j++ {
			e := byDir[rs[j].Config.Out]
			b.IDs = append(b.IDs, e.info.ID)
			members = append(members, curvesOf(&e.run))
		}
		b.Mean, b.Lo, b.Hi = band(members)
		out = append(out, b)
		i = j
	}
	if out == nil {
		out = []Band{}
	}
	writeJSON(w, out)
}

// band aggregates runs' curves as report.Band does (each curve cut to the
// shortest run, x from the first).
func band(cs []Curves) (mean, lo, hi Curves) {
	mean = Curves{Values: map[string][]metrics.Value{}}
	lo = Curves{Values: map[string][]metrics.Value{}}
	hi = Curves{Values: map[string][]metrics.Value{}}
	agg := func(x func(Curves) []float64, y func(Curves) []metrics.Value) (xs []float64, m, l, h []metrics.Value) {
		var xss, yss [][]float64
		for _, c := range cs {
			xss, yss = append(xss, x(c)), append(yss, floats(y(c)))
		}
		xs, fm, fl, fh := report.Band(xss, yss)
		return xs, values(fm), values(fl), values(fh)
	}
	for _, k := range []string{"test_error", "test_loss", "train_loss"} {
		x, m, l, h := agg(func(c Curves) []float64 { return c.Epoch }, func(c Curves) []metrics.Value { return c.Values[k] })
		mean.Epoch, lo.Epoch, hi.Epoch = x, x, x
		mean.Values[k], lo.Values[k], hi.Values[k] = m, l, h
	}
	_, mean.Steps, _, _ = report.Band(collect(cs, func(c Curves) []float64 { return c.Epoch }), collect(cs, func(c Curves) []float64 { return c.Steps }))
	lo.Steps, hi.Steps = mean.Steps, mean.Steps
	layers := len(cs[0].Layers)
	diag := len(cs[0].DiagSteps) > 0
	for _, c := range cs {
		layers = min(layers, len(c.Layers))
		diag = diag && len(c.DiagSteps) > 0 && len(c.DiagLayers) >= layers
	}
	for i := range layers {
		for _, dst := range []*Curves{&mean, &lo, &hi} {
			dst.Layers = append(dst.Layers, map[string][]metrics.Value{})
			if diag {
				dst.DiagLayers = append(dst.DiagLayers, map[string][]metrics.Value{})
			}
		}
		for _, k := range layerKeys {
			_, m, l, h := agg(func(c Curves) []float64 { return c.Epoch }, func(c Curves) []metrics.Value { return c.Layers[i][k] })
			mean.Layers[i][k], lo.Layers[i][k], hi.Layers[i][k] = m, l, h
			if diag {
				x, m, l, h := agg(func(c Curves) []float64 { return c.DiagSteps }, func(c Curves) []metrics.Value { return c.DiagLayers[i][k] })
				mean.DiagSteps, lo.DiagSteps, hi.DiagSteps = x, x, x
				mean.DiagLayers[i][k], lo.DiagLayers[i][k], hi.DiagLayers[i][k] = m, l, h
			}
		}
	}
	return mean, lo, hi
}

func collect(cs []Curves, f func(Curves) []float64) [][]float64 {
	var out [][]float64
	for _, c := range cs {
		out = append(out, f(c))
	}
	return out
}

func floats(v []metrics.Value) []float64 {
	f := make([]float64, len(v))
	for i, x := range v {
		f[i] = float64(x)
	}
	return f
}

func values(f []float64) []metrics.Value {
	v := make([]metrics.Value, len(f))
	for i, x := range f {
		v[i] = metrics.Value(x)
	}
	return v
}

func (s *Server) diffs(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, diff(s.selected(r)))
}

// events streams server-sent events: at once, and after each scan that
// changed something, a "change" event whose data is the version; a
// comment every 15 s keeps idle connections open.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	keep := time.NewTicker(15 * time.Second)
	defer keep.Stop()
	sent := int64(-1)
	for {
		wake := s.changed()
		if v := s.Version(); v != sent {
			if _, err := fmt.Fprintf(w, "event: change\ndata: %d\n\n", v); err != nil {
				return
			}
			fl.Flush()
			sent = v
			continue
		}
		select {
		case <-r.Context().Done():
			return
		case <-wake:
		case <-keep.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
			fl.Flush()
		}
	}
}

// file serves a regular file of directory {root} at {path}, through that
// directory's os.Root: a path with "..", a name beginning with "." or a
// symlink that leads out of the directory gets 404, as does anything that
// is not a regular file.
func (s *Server) file(w http.ResponseWriter, r *http.Request) {
	i, err := strconv.Atoi(r.PathValue("root"))
	p := r.PathValue("path")
	if err != nil || i < 0 || i >= len(s.roots) || p == "" || !cleanPath(p) {
		http.NotFound(w, r)
		return
	}
	f, err := s.roots[i].Open(p)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	switch path.Ext(p) {
	case ".json", ".jsonl", ".log", ".csv", ".md", ".yaml", ".sbatch", "":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// cleanPath reports whether p is a plain relative slash path: no empty,
// "." or ".." element and no element beginning with ".".
func cleanPath(p string) bool {
	for _, el := range strings.Split(p, "/") {
		if el == "" || strings.HasPrefix(el, ".") || strings.ContainsRune(el, '\\') {
			return false
		}
	}
	return true
}

// Listen opens addr for Serve, with one-line errors: a port in use, a bad
// address.
func Listen(addr string) (net.Listener, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("--addr %s: the port is in use (another credit serve?); choose another with --addr", addr)
		}
		return nil, fmt.Errorf("--addr %s: %v", addr, err)
	}
	return l, nil
}
