package train

import (
	"bytes"
	"context"
	"math"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fakeTerminal is a terminal of a fixed width that keeps what a terminal
// would show: it applies \r, \n and the erase-line sequence \033[K to a
// screen of lines, and records the widest line ever drawn.
type fakeTerminal struct {
	width  int
	raw    bytes.Buffer
	screen []string // finished lines and the current one, last
	col    int
	widest int
}

func (f *fakeTerminal) Width() int { return f.width }

func (f *fakeTerminal) Write(b []byte) (int, error) {
	f.raw.Write(b)
	if f.screen == nil {
		f.screen = []string{""}
	}
	s := string(b)
	for len(s) > 0 {
		switch {
		case strings.HasPrefix(s, "\033[K"):
			line := []rune(f.screen[len(f.screen)-1])
			f.screen[len(f.screen)-1] = string(line[:min(f.col, len(line))])
			s = s[3:]
			continue
		case s[0] == '\r':
			f.col = 0
		case s[0] == '\n':
			f.screen = append(f.screen, "")
			f.col = 0
		default:
			r, n := utf8.DecodeRuneInString(s)
			line := []rune(f.screen[len(f.screen)-1])
			if f.col < len(line) {
				line[f.col] = r
			} else {
				line = append(line, r)
			}
			f.col++
			f.screen[len(f.screen)-1] = string(line)
			f.widest = max(f.widest, len(line))
			s = s[n:]
			continue
		}
		s = s[1:]
	}
	return len(b), nil
}

// On a terminal of any width the bar never reaches the last column, even
// with every field at its longest, and keeps the percentage.
func TestProgressFitsTerminal(t *testing.T) {
	for _, width := range []int{200, 100, 80, 60, 40, 20, 8, 1} {
		f := &fakeTerminal{width: width}
		p := newProgress(f, 99999, 1000, 0)
		p.interval = 0
		p.start = time.Now().Add(-1000 * time.Hour)
		p.update(1, 1, 1, 1.2345678e38, 123.45)
		p.update(99998999, 1000, 99999, -1.2345678e-38, 179.99)
		if f.widest > width-1 {
			t.Errorf("width %d: a line of %d columns:\n%q", width, f.widest, f.raw.String())
		}
		if width >= 8 && !strings.Contains(f.screen[len(f.screen)-1], "%") {
			t.Errorf("width %d: the bar lost its percentage: %q", width, f.screen[len(f.screen)-1])
		}
		if width >= 80 && !strings.Contains(f.screen[len(f.screen)-1], "ETA") {
			t.Errorf("width %d: the bar lost its ETA: %q", width, f.screen[len(f.screen)-1])
		}
		if width == 200 && !strings.HasPrefix(f.screen[len(f.screen)-1], "[") {
			t.Errorf("width %d: no bar: %q", width, f.screen[len(f.screen)-1])
		}
	}
}

// A line printed while the bar is shown replaces it: the bar is cleared
// first, so the line starts at the first column of an empty line.
func TestProgressClearsBeforeLines(t *testing.T) {
	f := &fakeTerminal{width: 80}
	p := newProgress(f, 10, 4, 0)
	p.interval = 0
	p.update(3, 1, 3, 0.5, 40)
	p.println("epoch   1/4  done")
	p.update(13, 2, 3, 0.5, 40)
	p.clear()
	if len(f.screen) != 2 || f.screen[0] != "epoch   1/4  done" || f.screen[1] != "" {
		t.Errorf("screen %q, want the epoch line alone and an empty line", f.screen)
	}
}

// A run that fails while the bar is drawn (here: a weight made NaN after
// the bar's first redraw) leaves the terminal on an empty line, so the
// error printed next does not land on the bar's line.
func TestProgressClearedOnError(t *testing.T) {
	c := small(t)
	c.TrainSize, c.Epochs = 320, 1
	tr, err := start(c)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeTerminal{width: 80}
	steps := 0
	tr.onStep = func() {
		if steps++; steps == 1 {
			time.Sleep(250 * time.Millisecond) // past the bar's redraw interval
		} else if steps == 3 {
			w := tr.net.Blocks[0].Core.Weight().Data
			w[0] = float32(math.NaN())
		}
	}
	if _, err = tr.run(context.Background(), Options{Log: f}); err == nil || !strings.Contains(err.Error(), "loss became NaN") {
		t.Fatalf("want the NaN error, got %v", err)
	}
	if !strings.Contains(f.raw.String(), "ETA") {
		t.Fatalf("the bar was never drawn:\n%q", f.raw.String())
	}
	if last := f.screen[len(f.screen)-1]; last != "" || f.col != 0 {
		t.Errorf("the run ended with %q on the current line (column %d), want an empty line", last, f.col)
	}
	for _, seg := range strings.FieldsFunc(f.raw.String(), func(r rune) bool { return r == '\r' || r == '\n' }) {
		if bar := strings.TrimSuffix(seg, "\033[K"); strings.Contains(bar, "ETA") && utf8.RuneCountInString(bar) > 79 {
			t.Errorf("a bar of %d columns on an 80-column terminal: %q", utf8.RuneCountInString(bar), bar)
		}
	}
}

// /dev/null is a character device but no terminal: it gets plain lines,
// never the bar's escape sequences.
func TestProgressDevNullIsNoTerminal(t *testing.T) {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	if p := newProgress(f, 10, 1, 0); p.tty || p.interval != 30*time.Second {
		t.Errorf("%s: tty %v, interval %v; want plain lines every 30 s", os.DevNull, p.tty, p.interval)
	}
}
