package train

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress reports a run's advance: a redrawn bar with ETA on a terminal,
// an occasional plain line otherwise.
type progress struct {
	w        io.Writer
	tty      bool
	total    int // steps in the whole run
	start    time.Time
	last     time.Time
	interval time.Duration
	drawn    bool
}

func newProgress(w io.Writer, total int) *progress {
	now := time.Now()
	p := &progress{w: w, total: total, start: now, last: now, interval: 30 * time.Second}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty, p.interval = true, 200*time.Millisecond
		}
	}
	return p
}

// update reports that done of total steps are finished.
func (p *progress) update(done, epoch, epochs int, loss float64) {
	now := time.Now()
	if now.Sub(p.last) < p.interval || p.w == nil {
		return
	}
	p.last = now
	frac := float64(done) / float64(p.total)
	eta := "?"
	if done > 0 {
		eta = (time.Duration(float64(now.Sub(p.start)) / frac * (1 - frac))).Round(time.Second).String()
	}
	if p.tty {
		const width = 30
		fill := int(frac * width)
		fmt.Fprintf(p.w, "\r[%s%s] %3.0f%% epoch %d/%d loss %.4g ETA %s\033[K",
			strings.Repeat("=", fill), strings.Repeat(" ", width-fill), 100*frac, epoch, epochs, loss, eta)
		p.drawn = true
	} else {
		fmt.Fprintf(p.w, "  %.0f%% epoch %d/%d loss %.4g ETA %s\n", 100*frac, epoch, epochs, loss, eta)
	}
}

// println prints a line, clearing the bar first on a terminal.
func (p *progress) println(format string, a ...any) {
	if p.w == nil {
		return
	}
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
		p.last = time.Time{}
	}
	fmt.Fprintf(p.w, format+"\n", a...)
}
