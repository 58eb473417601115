package train

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/term"
)

// progress reports a run's advance: epoch, step, running loss, the latest
// delta angle and ETA, as a bar redrawn in place on a terminal and as a
// plain line at most every 30 s otherwise.
//
// On a terminal the bar never reaches the last column (so it never wraps,
// which would leave a staircase of stale lines on every redraw): it is
// shortened, then loses its least useful fields, to fit the width read
// before each redraw. Every other line the run prints clears the bar
// first, and the run clears it before it returns, so no output, an error
// included, ever follows the bar on its line.
type progress struct {
	w        io.Writer
	tty      bool
	width    func() int // the terminal's columns (≤ 0: unknown); nil unless tty
	perEpoch int        // steps per epoch
	epochs   int
	first    int // steps done when this process took over the run
	start    time.Time
	last     time.Time
	interval time.Duration
	drawn    bool
}

// A terminal is a writer that is a terminal of a known width: a test's
// stand-in for a terminal (an *os.File is asked with golang.org/x/term).
type terminal interface {
	io.Writer
	Width() int
}

// defaultWidth is the width assumed for a terminal whose size cannot be
// read.
const defaultWidth = 80

// newProgress reports on a run of epochs epochs of perEpoch steps, of
// which done are already done.
func newProgress(w io.Writer, perEpoch, epochs, done int) *progress {
	now := time.Now()
	p := &progress{w: w, perEpoch: perEpoch, epochs: epochs, first: done, start: now, last: now, interval: 30 * time.Second}
	switch t := w.(type) {
	case terminal:
		p.tty, p.width = true, t.Width
	case *os.File:
		// A character device need not be a terminal (/dev/null is one).
		if fd := int(t.Fd()); term.IsTerminal(fd) {
			p.tty = true
			p.width = func() int {
				w, _, err := term.GetSize(fd)
				if err != nil {
					return 0
				}
				return w
			}
		}
	}
	if p.tty {
		p.interval = 200 * time.Millisecond
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
	// The fields in the order they are dropped when the line is too wide,
	// the most useful last.
	f := []string{
		fmt.Sprintf("%3.0f%%", 100*frac),
		fmt.Sprintf("epoch %d/%d", epoch, p.epochs),
		fmt.Sprintf("step %d/%d", step, p.perEpoch),
		fmt.Sprintf("loss %.4g", loss),
		"angle " + ang,
		"ETA " + eta,
	}
	if !p.tty {
		fmt.Fprintf(p.w, "  %s\n", strings.Join(f, " "))
		return
	}
	width := defaultWidth
	if p.width != nil {
		if n := p.width(); n > 0 {
			width = n
		}
	}
	fmt.Fprintf(p.w, "\r%s\033[K", fitBar(width-1, frac, f))
	p.drawn = true
}

// fitBar returns the bar "[====    ] f0 f1 …" in at most limit columns
// (runes): the bar shrinks from 20 cells to 10, then goes, then the
// fields go in the order step, loss, angle, epoch (the percentage and
// ETA stay longest), and what is left is cut at limit.
func fitBar(limit int, frac float64, f []string) string {
	if limit < 1 {
		return ""
	}
	pct, epoch, step, loss, angle, eta := f[0], f[1], f[2], f[3], f[4], f[5]
	sets := [][]string{
		{pct, epoch, step, loss, angle, eta},
		{pct, epoch, loss, angle, eta},
		{pct, epoch, angle, eta},
		{pct, epoch, eta},
		{pct, eta},
		{pct},
	}
	for _, s := range sets {
		text := strings.Join(s, " ")
		n := utf8.RuneCountInString(text)
		for _, cells := range []int{20, 10} {
			if cells+3+n <= limit {
				fill := min(cells, int(frac*float64(cells)))
				return "[" + strings.Repeat("=", fill) + strings.Repeat(" ", cells-fill) + "] " + text
			}
		}
		if n <= limit {
			return text
		}
	}
	r := []rune(pct)
	return string(r[:min(len(r), limit)])
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
