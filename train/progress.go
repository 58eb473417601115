package train

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"
)

// progress reports a run's advance: epoch, step, running loss, the latest
// delta angle and ETA, as a bar redrawn in place on a terminal and as a
// plain line at most every 30 s otherwise.
type progress struct {
	w        io.Writer
	tty      bool
	perEpoch int // steps per epoch
	epochs   int
	first    int // steps done when this process took over the run
	start    time.Time
	last     time.Time
	interval time.Duration
	drawn    bool
}

// newProgress reports on a run of epochs epochs of perEpoch steps, of
// which done are already done.
func newProgress(w io.Writer, perEpoch, epochs, done int) *progress {
	now := time.Now()
	p := &progress{w: w, perEpoch: perEpoch, epochs: epochs, first: done, start: now, last: now, interval: 30 * time.Second}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty, p.interval = true, 200*time.Millisecond
		}
	}
	return p
}

// update reports that done steps of the run are finished, the last being
// step of epoch, with the mean loss over the epoch so far and the latest
// mean delta angle (NaN if none yet).
func (p *progress) update(done, epoch, step int, loss, angle float64) {
	now := time.Now()
	if p.w == nil || now.Sub(p.last) < p.interval {
		return
	}
	p.last = now
	total := p.perEpoch * p.epochs
	frac := float64(done) / float64(total)
	eta := "?"
	if done > p.first {
		rate := float64(now.Sub(p.start)) / float64(done-p.first)
		eta = time.Duration(rate * float64(total-done)).Round(time.Second).String()
	}
	ang := "-"
	if !math.IsNaN(angle) {
		ang = fmt.Sprintf("%.1f°", angle)
	}
	line := fmt.Sprintf("%3.0f%% epoch %d/%d step %d/%d loss %.4g angle %s ETA %s",
		100*frac, epoch, p.epochs, step, p.perEpoch, loss, ang, eta)
	if p.tty {
		const width = 20
		fill := int(frac * width)
		fmt.Fprintf(p.w, "\r[%s%s] %s\033[K", strings.Repeat("=", fill), strings.Repeat(" ", width-fill), line)
		p.drawn = true
	} else {
		fmt.Fprintf(p.w, "  %s\n", line)
	}
}

// clear removes the bar from a terminal.
func (p *progress) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
		p.last = time.Time{}
	}
}

// println prints a line, clearing the bar first on a terminal.
func (p *progress) println(format string, a ...any) {
	if p.w == nil {
		return
	}
	p.clear()
	fmt.Fprintf(p.w, format+"\n", a...)
}
