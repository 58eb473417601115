// Package report turns run results into tables (Markdown, CSV) and figures
// (PNG and SVG). It knows nothing about training: callers hand it numbers
// and strings.
package report

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Series is one line on a plot: points (X[i], Y[i]); optional Lo/Hi give a
// shaded band (e.g. mean ± sd) of the same length, or nil.
type Series struct {
	Label  string
	X, Y   []float64
	Lo, Hi []float64
	Dashed bool
	// Colour, if set, names the colour group instead of Label: series that
	// share it share a colour (a run's train and test curves).
	Colour string
}

// key is the name the series' colour is assigned by.
func (s Series) key() string {
	if s.Colour != "" {
		return s.Colour
	}
	return s.Label
}

// PointSet is a cloud of points drawn as small filled dots in one colour.
type PointSet struct {
	Label string
	X, Y  []float64
}

// Panel is one plot: title, axis labels, series (lines), point sets
// (scatter clouds, drawn beneath the lines), optional log-scale axes. A
// panel may have only series, only points, both or neither.
type Panel struct {
	Title, XLabel, YLabel string
	LogX, LogY            bool
	Series                []Series
	Points                []PointSet
}

const (
	// PanelWidth and PanelHeight are the size of one panel of a Figure.
	PanelWidth  = 4 * vg.Inch
	PanelHeight = 3 * vg.Inch
	// PNGDPI is the resolution of the PNG written by Figure, so a panel is
	// 600×450 pixels.
	PNGDPI = 150
	// DotRadius is the radius of a PointSet's dots.
	DotRadius = vg.Length(1)
	// dotAlpha is the opacity of a PointSet's dots.
	dotAlpha = 0xa0
)

// palette is the Tableau-10 colour cycle; labels beyond ten reuse it.
var palette = []color.NRGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff},
	{0xd6, 0x27, 0x28, 0xff}, {0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff},
	{0xe3, 0x77, 0xc2, 0xff}, {0x7f, 0x7f, 0x7f, 0xff}, {0xbc, 0xbd, 0x22, 0xff},
	{0x17, 0xbe, 0xcf, 0xff},
}

// Figure writes panels laid out in a grid with cols columns to path+".png"
// and path+".svg" (both), each panel about 4×3 inches. NaN points are
// skipped (a series may have gaps), as are non-positive values on a log
// axis; a band whose lower edge is non-positive on a log y axis is clipped
// at the panel's smallest positive y value. Colours are consistent per series
// label across the panels of one figure (same label → same colour). Creates
// the parent directory if needed. Both files are written atomically.
//
// Point sets are drawn as dots of radius DotRadius, slightly transparent so
// that dense clouds (10,000 points) stay readable; they share the label →
// colour map with the series. A panel shows a legend when it has more than
// one series or point set in all, listing those with a non-empty label.
func Figure(path string, cols int, panels []Panel) error {
	switch {
	case path == "":
		return errors.New("report: Figure: empty path")
	case cols < 1:
		return fmt.Errorf("report: Figure: cols = %d, want ≥ 1", cols)
	case len(panels) == 0:
		return errors.New("report: Figure: no panels")
	}
	cols = min(cols, len(panels))
	rows := (len(panels) + cols - 1) / cols
	colours := map[string]color.NRGBA{}
	assign := func(key string) {
		if _, ok := colours[key]; !ok {
			colours[key] = palette[len(colours)%len(palette)]
		}
	}
	for _, pn := range panels {
		for _, s := range pn.Series {
			assign(s.key())
		}
		for _, ps := range pn.Points {
			assign(ps.Label)
		}
	}
	grid := make([][]*plot.Plot, rows)
	for r := range grid {
		grid[r] = make([]*plot.Plot, cols)
	}
	for i, pn := range panels {
		p, err := buildPanel(pn, colours)
		if err != nil {
			return fmt.Errorf("report: Figure: panel %d (%q): %w", i, pn.Title, err)
		}
		grid[i/cols][i%cols] = p
	}
	w, h := PanelWidth*vg.Length(cols), PanelHeight*vg.Length(rows)

	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(PNGDPI))
	if err := render(grid, img); err != nil {
		return err
	}
	if err := writeAtomic(path+".png", vgimg.PngCanvas{Canvas: img}); err != nil {
		return err
	}
	svg := vgsvg.New(w, h)
	if err := render(grid, svg); err != nil {
		return err
	}
	return writeAtomic(path+".svg", svg)
}

// render draws the grid of plots onto c, turning any panic from the plotting
// library into an error.
func render(grid [][]*plot.Plot, c vg.CanvasSizer) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("report: Figure: rendering failed: %v", r)
		}
	}()
	dc := draw.New(c)
	dc.FillPolygon(color.White, []vg.Point{
		dc.Min, {X: dc.Max.X, Y: dc.Min.Y}, dc.Max, {X: dc.Min.X, Y: dc.Max.Y},
	})
	pad := vg.Points(8)
	tiles := draw.Tiles{
		Rows: len(grid), Cols: len(grid[0]),
		PadX: 2 * pad, PadY: 2 * pad,
		PadTop: pad, PadBottom: pad, PadLeft: pad, PadRight: pad,
	}
	canvases := plot.Align(grid, tiles, dc)
	for j, row := range grid {
		for i, p := range row {
			if p != nil {
				p.Draw(canvases[j][i])
			}
		}
	}
	return nil
}

// buildPanel turns one Panel into a gonum plot.
func buildPanel(pn Panel, colours map[string]color.NRGBA) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = pn.Title
	p.X.Label.Text = pn.XLabel
	p.Y.Label.Text = pn.YLabel
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(8)
	p.Legend.ThumbnailWidth = vg.Points(16)
	if pn.LogX {
		p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, logTicks{}
	}
	if pn.LogY {
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, logTicks{}
	}
	okX := func(x float64) bool { return finite(x) && (!pn.LogX || x > 0) }
	okY := func(y float64) bool { return finite(y) && (!pn.LogY || y > 0) }

	// floor is where a band's non-positive lower edge is clipped on a log y
	// axis: the smallest positive y value of the panel.
	floor := math.Inf(1)
	lower := func(ys []float64) {
		for _, v := range ys {
			if v > 0 && finite(v) {
				floor = min(floor, v)
			}
		}
	}
	for _, s := range pn.Series {
		lower(s.Y)
	}
	for _, ps := range pn.Points {
		lower(ps.Y)
	}

	legend := len(pn.Series)+len(pn.Points) > 1
	var bands, dots, lines []plot.Plotter
	var box legendBox
	for _, ps := range pn.Points {
		if len(ps.X) != len(ps.Y) {
			return nil, fmt.Errorf("points %q: len(X) = %d, len(Y) = %d", ps.Label, len(ps.X), len(ps.Y))
		}
		xys := make(plotter.XYs, 0, len(ps.X))
		for i, x := range ps.X {
			if okX(x) && okY(ps.Y[i]) {
				xys = append(xys, plotter.XY{X: x, Y: ps.Y[i]})
			}
		}
		col := colours[ps.Label]
		if len(xys) > 0 {
			sc, err := plotter.NewScatter(xys)
			if err != nil {
				return nil, fmt.Errorf("points %q: %w", ps.Label, err)
			}
			fill := col
			fill.A = dotAlpha
			sc.GlyphStyle = draw.GlyphStyle{Color: fill, Radius: DotRadius, Shape: draw.CircleGlyph{}}
			dots = append(dots, sc)
		}
		if legend && ps.Label != "" {
			// An opaque, larger dot so the legend entry is easy to read.
			p.Legend.Add(ps.Label, &plotter.Scatter{GlyphStyle: draw.GlyphStyle{
				Color: col, Radius: vg.Points(3), Shape: draw.CircleGlyph{},
			}})
			box = append(box, ps.Label)
		}
	}
	for _, s := range pn.Series {
		n := len(s.X)
		if len(s.Y) != n {
			return nil, fmt.Errorf("series %q: len(X) = %d, len(Y) = %d", s.Label, n, len(s.Y))
		}
		if (s.Lo != nil || s.Hi != nil) && (len(s.Lo) != n || len(s.Hi) != n) {
			return nil, fmt.Errorf("series %q: len(X) = %d, len(Lo) = %d, len(Hi) = %d",
				s.Label, n, len(s.Lo), len(s.Hi))
		}
		col := colours[s.key()]
		ls := draw.LineStyle{Color: col, Width: vg.Points(1.5)}
		if s.Dashed {
			ls.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		if s.Lo != nil {
			lo := func(i int) float64 {
				if pn.LogY && s.Lo[i] <= 0 {
					return min(floor, s.Hi[i])
				}
				return s.Lo[i]
			}
			ok := func(i int) bool { return okX(s.X[i]) && okY(s.Hi[i]) && okY(lo(i)) }
			for _, seg := range segments(n, ok) {
				if len(seg) < 2 {
					continue
				}
				ring := make(plotter.XYs, 0, 2*len(seg))
				for _, i := range seg {
					ring = append(ring, plotter.XY{X: s.X[i], Y: s.Hi[i]})
				}
				for k := len(seg) - 1; k >= 0; k-- {
					ring = append(ring, plotter.XY{X: s.X[seg[k]], Y: lo(seg[k])})
				}
				poly, err := plotter.NewPolygon(ring)
				if err != nil {
					return nil, fmt.Errorf("series %q band: %w", s.Label, err)
				}
				fill := col
				fill.A = 0x38
				poly.Color, poly.LineStyle = fill, draw.LineStyle{Color: fill}
				bands = append(bands, poly)
			}
		}
		for _, seg := range segments(n, func(i int) bool { return okX(s.X[i]) && okY(s.Y[i]) }) {
			xys := make(plotter.XYs, len(seg))
			for k, i := range seg {
				xys[k] = plotter.XY{X: s.X[i], Y: s.Y[i]}
			}
			if len(xys) == 1 { // an isolated point would be invisible as a line
				sc, err := plotter.NewScatter(xys)
				if err != nil {
					return nil, fmt.Errorf("series %q: %w", s.Label, err)
				}
				sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(2), Shape: draw.CircleGlyph{}}
				lines = append(lines, sc)
				continue
			}
			l, err := plotter.NewLine(xys)
			if err != nil {
				return nil, fmt.Errorf("series %q: %w", s.Label, err)
			}
			l.LineStyle = ls
			lines = append(lines, l)
		}
		if legend && s.Label != "" {
			p.Legend.Add(s.Label, &plotter.Line{LineStyle: ls})
			box = append(box, s.Label)
		}
	}
	p.Add(bands...)
	p.Add(dots...)
	p.Add(lines...)
	if len(box) > 0 {
		p.Add(box)
	}
	fixRange(&p.X, pn.LogX)
	fixRange(&p.Y, pn.LogY)
	return p, nil
}

// legendBox is drawn last among a panel's plotters and shades the area that
// the legend (with these labels, top right) covers, so the legend stays
// readable over the data.
type legendBox []string

// Plot implements plot.Plotter.
func (b legendBox) Plot(c draw.Canvas, p *plot.Plot) {
	l := p.Legend
	var w, h vg.Length
	for _, label := range b {
		r := l.TextStyle.Rectangle(label)
		w, h = max(w, r.Max.X), max(h, r.Max.Y)
	}
	em := l.TextStyle.Rectangle(" ").Max.X
	w += l.ThumbnailWidth + 2*em
	h = vg.Length(len(b))*(h+l.Padding) + l.TextStyle.FontExtents().Descent + em/2
	c.FillPolygon(color.NRGBA{0xff, 0xff, 0xff, 0xcc}, []vg.Point{
		{X: c.Max.X - w, Y: c.Max.Y}, c.Max, {X: c.Max.X, Y: c.Max.Y - h}, {X: c.Max.X - w, Y: c.Max.Y - h},
	})
}

// segments returns the runs of consecutive indices in [0, n) for which ok holds.
func segments(n int, ok func(int) bool) [][]int {
	var segs [][]int
	var cur []int
	for i := range n {
		if ok(i) {
			cur = append(cur, i)
			continue
		}
		if len(cur) > 0 {
			segs, cur = append(segs, cur), nil
		}
	}
	if len(cur) > 0 {
		segs = append(segs, cur)
	}
	return segs
}

// fixRange gives an axis without data, or with a single value, a range that
// the (log) scale can draw.
func fixRange(a *plot.Axis, log bool) {
	switch {
	case a.Min > a.Max && log: // no data
		a.Min, a.Max = 1, 10
	case a.Min > a.Max:
		a.Min, a.Max = 0, 1
	case a.Min == a.Max && log:
		a.Min, a.Max = a.Min/2, a.Max*2
	}
}

// logTicks marks a log axis with a labelled tick at each power of ten and
// unlabelled ones at its multiples. When fewer than two powers of ten fall in
// range it also labels the 2× and 5× multiples, then all of them, and for a
// range narrower than one multiple step it falls back to linear ticks.
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	const eps = 1e-9
	var ts []plot.Tick
	for e := int(math.Floor(math.Log10(lo) + eps)); ; e++ {
		dec := math.Pow10(e)
		if dec > hi*(1+eps) || dec == 0 || math.IsInf(dec, 0) {
			break
		}
		for m := 1; m <= 9; m++ {
			if v := float64(m) * dec; v >= lo*(1-eps) && v <= hi*(1+eps) {
				ts = append(ts, plot.Tick{Value: v})
			}
		}
	}
	if len(ts) < 2 {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	for _, mults := range []string{"1", "125", "123456789"} {
		labelled := 0
		for i, t := range ts {
			lead := strconv.FormatFloat(t.Value, 'e', 0, 64)[:1]
			if strings.Contains(mults, lead) {
				ts[i].Label = strconv.FormatFloat(t.Value, 'g', 6, 64)
				labelled++
			}
		}
		if labelled >= 2 {
			break
		}
	}
	return ts
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
