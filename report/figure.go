// Package report turns run results into tables (Markdown, CSV) and figures
// (PNG, SVG and PDF). It knows nothing about training: callers hand it numbers
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
	"gonum.org/v1/plot/vg/vgpdf"
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

// palette is the Tableau-10 colour cycle followed by Tableau-20's light
// shades of the same hues; labels beyond twenty reuse it.
var palette = []color.NRGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff},
	{0xd6, 0x27, 0x28, 0xff}, {0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff},
	{0xe3, 0x77, 0xc2, 0xff}, {0x7f, 0x7f, 0x7f, 0xff}, {0xbc, 0xbd, 0x22, 0xff},
	{0x17, 0xbe, 0xcf, 0xff},
	{0xae, 0xc7, 0xe8, 0xff}, {0xff, 0xbb, 0x78, 0xff}, {0x98, 0xdf, 0x8a, 0xff},
	{0xff, 0x98, 0x96, 0xff}, {0xc5, 0xb0, 0xd5, 0xff}, {0xc4, 0x9c, 0x94, 0xff},
	{0xf7, 0xb6, 0xd2, 0xff}, {0xc7, 0xc7, 0xc7, 0xff}, {0xdb, 0xdb, 0x8d, 0xff},
	{0x9e, 0xda, 0xe5, 0xff},
}

// Figure is TitledFigure without a title.
func Figure(path string, cols int, panels []Panel) error {
	return TitledFigure(path, "", cols, panels)
}

// TitledFigure writes panels laid out in a grid with cols columns, under
// title (wrapped to the figure's width; "" for none) and above one legend
// shared by all panels, to path+".png", path+".svg" and path+".pdf", each
// panel about 4×3 inches. NaN points are skipped (a series may have
// gaps), as are non-positive values on a log axis; a band whose lower edge
// is non-positive on a log y axis is clipped at the panel's smallest
// positive y value. Colours are consistent per series label across the
// panels of one figure (same label → same colour), which is what lets one
// legend serve them all. Creates the parent directory if needed. The files
// are written atomically.
//
// The legend lies outside every panel's data area, below the grid: one
// entry per label with a non-empty name (a dashed series sharing its
// colour group with a solid one, such as a run's train curve beside its
// test curve, has no entry of its own: panel titles say what dashes mean),
// laid out in columns, long labels wrapped; a label whose values are all
// undefined is drawn nowhere and has no entry. It is left out when the
// figure has a single entry in all. Point sets are drawn as dots of radius
// DotRadius, slightly transparent so that dense clouds (10,000 points)
// stay readable. An x axis whose values are all integers (epochs, steps)
// gets integer ticks; log axes get labelled powers of ten, or 1-2-5
// multiples, or every multiple, whichever first gives three labels.
func TitledFigure(path, title string, cols int, panels []Panel) error {
	switch {
	case path == "":
		return errors.New("report: Figure: empty path")
	case cols < 1:
		return fmt.Errorf("report: Figure: cols = %d, want ≥ 1", cols)
	case len(panels) == 0:
		return errors.New("report: Figure: no panels")
	}
	f, err := newFigure(title, cols, panels)
	if err != nil {
		return err
	}
	img := vgimg.NewWith(vgimg.UseWH(f.w, f.h), vgimg.UseDPI(PNGDPI))
	if _, err := f.render(img); err != nil {
		return err
	}
	if err := writeAtomic(path+".png", vgimg.PngCanvas{Canvas: img}); err != nil {
		return err
	}
	svg := vgsvg.New(f.w, f.h)
	if _, err := f.render(svg); err != nil {
		return err
	}
	if err := writeAtomic(path+".svg", svg); err != nil {
		return err
	}
	pdf := vgpdf.New(f.w, f.h)
	if _, err := f.render(pdf); err != nil {
		return err
	}
	return writeAtomic(path+".pdf", pdf)
}

// figure is a Figure laid out: its plots, title, legend and size.
type figure struct {
	grid   [][]*plot.Plot
	title  []string // lines
	legend []legendEntry
	w, h   vg.Length
	titleH vg.Length // height of the title strip at the top
	legH   vg.Length // height of the legend strip at the bottom
	rows   [][]legendEntry
	colW   vg.Length // width of a legend column
}

// legendEntry is one label of the shared legend with the thumbnail of its
// line or dot, its text wrapped into lines.
type legendEntry struct {
	lines []string
	line  *draw.LineStyle
	glyph *draw.GlyphStyle
}

// layout is where a rendered figure put things, for tests: each panel's
// data area and the legend's box (empty without a legend).
type layout struct {
	data   []vg.Rectangle
	legend vg.Rectangle
}

const (
	figPad        = vg.Length(8)  // points around and between panels
	legendFont    = vg.Length(9)  // the legend's font size, points
	legendThumb   = vg.Length(20) // a legend thumbnail's width
	titleFont     = vg.Length(13)
	maxLabelLines = 3 // a legend label longer than this many lines is cut, ending in …
)

func newFigure(title string, cols int, panels []Panel) (*figure, error) {
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
	f := &figure{grid: make([][]*plot.Plot, rows)}
	for r := range f.grid {
		f.grid[r] = make([]*plot.Plot, cols)
	}
	for i, pn := range panels {
		p, err := buildPanel(pn, colours)
		if err != nil {
			return nil, fmt.Errorf("report: Figure: panel %d (%q): %w", i, pn.Title, err)
		}
		f.grid[i/cols][i%cols] = p
	}
	f.w = PanelWidth * vg.Length(cols)
	f.legend = legendEntries(panels, colours)
	if len(f.legend) < 2 {
		f.legend = nil
	}
	f.layoutLegend()
	if title != "" {
		sty := titleStyle()
		f.title = wrap(title, f.w-4*figPad, sty)
		f.titleH = vg.Length(len(f.title))*sty.Height("Ag") + figPad
	}
	f.h = PanelHeight*vg.Length(rows) + f.titleH + f.legH
	return f, nil
}

func titleStyle() draw.TextStyle {
	sty := plot.New().Title.TextStyle
	sty.Font.Size = titleFont
	return sty
}

func legendStyle() draw.TextStyle {
	sty := plot.New().Legend.TextStyle
	sty.Font.Size = legendFont
	return sty
}

// legendEntries lists the labels of every panel's series and point sets
// in order of first appearance, each once, with the style it is drawn in.
func legendEntries(panels []Panel, colours map[string]color.NRGBA) []legendEntry {
	solid := map[string]bool{} // colour groups with a solid series
	for _, pn := range panels {
		for _, s := range pn.Series {
			if !s.Dashed {
				solid[s.key()] = true
			}
		}
	}
	seen := map[string]bool{}
	var es []legendEntry
	for _, pn := range panels {
		for _, ps := range pn.Points {
			if ps.Label == "" || seen[ps.Label] || !drawn(ps.Y) {
				continue
			}
			seen[ps.Label] = true
			gs := draw.GlyphStyle{Color: colours[ps.Label], Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
			es = append(es, legendEntry{lines: []string{ps.Label}, glyph: &gs})
		}
		for _, s := range pn.Series {
			if s.Label == "" || seen[s.Label] || (s.Dashed && s.Colour != "" && solid[s.Colour]) || !drawn(s.Y) {
				continue
			}
			seen[s.Label] = true
			ls := lineStyle(s, colours)
			es = append(es, legendEntry{lines: []string{s.Label}, line: &ls})
		}
	}
	return es
}

// drawn reports whether ys has a finite value (a series of NaNs, such as
// an undefined diagnostic, is drawn nowhere and needs no legend entry).
func drawn(ys []float64) bool {
	for _, y := range ys {
		if finite(y) {
			return true
		}
	}
	return false
}

// layoutLegend wraps the legend's labels and lays its entries out in rows
// of equal columns across the figure's width.
func (f *figure) layoutLegend() {
	if len(f.legend) == 0 {
		return
	}
	sty := legendStyle()
	avail := f.w - 2*figPad
	textMax := avail - legendThumb - 2*figPad
	var widest vg.Length
	for i := range f.legend {
		e := &f.legend[i]
		e.lines = wrap(e.lines[0], textMax, sty)
		for _, l := range e.lines {
			widest = max(widest, sty.Width(l))
		}
	}
	f.colW = min(legendThumb+figPad+widest+2*figPad, avail)
	perRow := max(1, int(avail/f.colW))
	lineH := sty.Height("Ag")
	f.legH = figPad
	for i := 0; i < len(f.legend); i += perRow {
		row := f.legend[i:min(i+perRow, len(f.legend))]
		f.rows = append(f.rows, row)
		n := 1
		for _, e := range row {
			n = max(n, len(e.lines))
		}
		f.legH += vg.Length(n)*lineH + figPad/2
	}
	f.legH += figPad / 2
}

// wrap breaks text at spaces (and after commas) into lines no wider than
// width in sty; a word wider than width stands alone. More than
// maxLabelLines lines are cut to that many, the last ending in "…".
func wrap(text string, width vg.Length, sty draw.TextStyle) []string {
	words := strings.Fields(text)
	if len(words) == 0 {
		return []string{text}
	}
	var lines []string
	cur := words[0]
	for _, w := range words[1:] {
		if try := cur + " " + w; sty.Width(try) <= width {
			cur = try
			continue
		}
		lines, cur = append(lines, cur), w
	}
	lines = append(lines, cur)
	if len(lines) > maxLabelLines {
		lines = lines[:maxLabelLines]
		last := []rune(lines[maxLabelLines-1])
		for len(last) > 0 && sty.Width(string(last)+"…") > width {
			last = last[:len(last)-1]
		}
		lines[maxLabelLines-1] = string(last) + "…"
	}
	return lines
}

// render draws the figure onto c and returns where the panels' data and
// the legend went, turning any panic from the plotting library into an
// error.
func (f *figure) render(c vg.CanvasSizer) (lay layout, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("report: Figure: rendering failed: %v", r)
		}
	}()
	dc := draw.New(c)
	dc.FillPolygon(color.White, []vg.Point{
		dc.Min, {X: dc.Max.X, Y: dc.Min.Y}, dc.Max, {X: dc.Min.X, Y: dc.Max.Y},
	})
	if len(f.title) > 0 {
		sty := titleStyle()
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
		lineH := sty.Height("Ag")
		for i, l := range f.title {
			dc.FillText(sty, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: dc.Max.Y - figPad/2 - vg.Length(i)*lineH}, l)
		}
	}
	gridC := draw.Crop(dc, 0, 0, f.legH, -f.titleH)
	tiles := draw.Tiles{
		Rows: len(f.grid), Cols: len(f.grid[0]),
		PadX: 2 * figPad, PadY: 2 * figPad,
		PadTop: figPad, PadBottom: figPad, PadLeft: figPad, PadRight: figPad,
	}
	canvases := plot.Align(f.grid, tiles, gridC)
	for j, row := range f.grid {
		for i, p := range row {
			if p != nil {
				p.Draw(canvases[j][i])
				lay.data = append(lay.data, p.DataCanvas(canvases[j][i]).Rectangle)
			}
		}
	}
	if len(f.rows) > 0 {
		lay.legend = f.drawLegend(draw.Crop(dc, 0, 0, 0, f.legH-(dc.Max.Y-dc.Min.Y)))
	}
	return lay, nil
}

// drawLegend draws the shared legend's rows into c, centred, and returns
// the box it covers.
func (f *figure) drawLegend(c draw.Canvas) vg.Rectangle {
	sty := legendStyle()
	sty.YAlign = draw.YTop
	lineH := sty.Height("Ag")
	perRow := len(f.rows[0])
	left := (c.Min.X+c.Max.X)/2 - vg.Length(perRow)*f.colW/2
	top := c.Max.Y - figPad
	box := vg.Rectangle{Min: vg.Point{X: left, Y: c.Min.Y + figPad/2}, Max: vg.Point{X: left + vg.Length(perRow)*f.colW, Y: top}}
	for _, row := range f.rows {
		n := 1
		for k, e := range row {
			x := left + vg.Length(k)*f.colW
			mid := top - lineH/2
			switch {
			case e.line != nil:
				c.StrokeLine2(*e.line, x, mid, x+legendThumb, mid)
			case e.glyph != nil:
				c.DrawGlyph(*e.glyph, vg.Point{X: x + legendThumb/2, Y: mid})
			}
			for i, l := range e.lines {
				c.FillText(sty, vg.Point{X: x + legendThumb + figPad/2, Y: top - vg.Length(i)*lineH}, l)
			}
			n = max(n, len(e.lines))
		}
		top -= vg.Length(n)*lineH + figPad/2
	}
	return box
}

// lineStyle is the style series s is drawn in.
func lineStyle(s Series, colours map[string]color.NRGBA) draw.LineStyle {
	ls := draw.LineStyle{Color: colours[s.key()], Width: vg.Points(1.5)}
	if s.Dashed {
		ls.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	return ls
}

// buildPanel turns one Panel into a gonum plot.
func buildPanel(pn Panel, colours map[string]color.NRGBA) (*plot.Plot, error) {
	p := plot.New()
	// Long titles and axis labels wrap rather than run into the
	// neighbouring panels: a panel is 4×3 inches, its data area less.
	p.Title.Text = strings.Join(wrap(pn.Title, PanelWidth-4*figPad, p.Title.TextStyle), "\n")
	p.X.Label.Text = strings.Join(wrap(pn.XLabel, PanelWidth-6*figPad, p.X.Label.TextStyle), "\n")
	p.Y.Label.Text = strings.Join(wrap(pn.YLabel, PanelHeight-8*figPad, p.Y.Label.TextStyle), "\n")
	if pn.LogX {
		p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, logTicks{}
	} else if integerXs(pn) {
		p.X.Tick.Marker = integerTicks{}
	} else {
		p.X.Tick.Marker = plainTicks{}
	}
	if pn.LogY {
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, logTicks{}
	} else {
		p.Y.Tick.Marker = plainTicks{}
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

	var bands, dots, lines []plot.Plotter
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
		ls := lineStyle(s, colours)
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
				// Light enough that bands overlapping each other leave
				// every line visible; no outline.
				fill := col
				fill.A = 0x24
				poly.Color, poly.LineStyle = fill, draw.LineStyle{}
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
	}
	p.Add(bands...)
	p.Add(dots...)
	p.Add(lines...)
	fixRange(&p.X, pn.LogX)
	fixRange(&p.Y, pn.LogY)
	return p, nil
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

// integerXs reports whether every finite x of pn's series and point sets
// is an integer (epochs, steps), and there is at least one.
func integerXs(pn Panel) bool {
	n := 0
	check := func(xs []float64) bool {
		for _, x := range xs {
			if finite(x) {
				if x != math.Trunc(x) {
					return false
				}
				n++
			}
		}
		return true
	}
	for _, s := range pn.Series {
		if !check(s.X) {
			return false
		}
	}
	for _, ps := range pn.Points {
		if !check(ps.X) {
			return false
		}
	}
	return n > 0
}

// integerTicks marks a linear axis at integers only: labelled ticks every
// 1, 2 or 5 × 10ᵏ (at most eight), unlabelled ones at the integers between
// when there are few enough (epochs 0, 1, 2, 3 rather than 0.00, 2.50, 5.00).
type integerTicks struct{}

// Ticks implements plot.Ticker.
func (integerTicks) Ticks(lo, hi float64) []plot.Tick {
	span := hi - lo
	if !(span > 0) || !finite(span) {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	step := 1.0
	for e := 0; span/step > 8; e++ {
		for _, m := range []float64{1, 2, 5} {
			if step = m * math.Pow10(e); span/step <= 8 {
				break
			}
		}
	}
	var ts []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', -1, 64)})
	}
	if step > 1 && span <= 50 {
		for v := math.Ceil(lo); v <= hi; v++ {
			if math.Mod(v, step) != 0 {
				ts = append(ts, plot.Tick{Value: v})
			}
		}
	}
	return ts
}

// logTicks marks a log axis with a tick at each multiple 1–9 × 10ᵏ in
// range, labelling the powers of ten, or else the 1-2-5 multiples, or else
// all of them, whichever first labels three (or all there are), then
// dropping labels that would crowd the one before. A range
// too narrow for two such ticks gets linear ticks. Labels are printed with
// as many digits as it takes to tell them apart.
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
		return distinctLabels(plot.DefaultTicks{}.Ticks(lo, hi))
	}
	for _, mults := range []string{"1", "125", "123456789"} {
		labelled := 0
		for i, t := range ts {
			ts[i].Label = ""
			lead := strconv.FormatFloat(t.Value, 'e', 0, 64)[:1]
			if strings.Contains(mults, lead) {
				ts[i].Label = strconv.FormatFloat(t.Value, 'g', 6, 64)
				labelled++
			}
		}
		if labelled >= min(3, len(ts)) {
			break
		}
	}
	// Labels closer than a tenth of the axis to the last one kept are
	// dropped (every multiple labelled crowds 80, 90, 100).
	span, last := math.Log10(hi/lo), math.Inf(-1)
	for i, t := range ts {
		if t.Label == "" {
			continue
		}
		if l := math.Log10(t.Value); l-last < span/10 {
			ts[i].Label = ""
		} else {
			last = l
		}
	}
	return ts
}

// plainTicks are gonum's default ticks of a linear axis with labels of no
// more decimals than they need (25, 50, 75 rather than 25.00, 50.00, 75.00).
type plainTicks struct{}

// Ticks implements plot.Ticker.
func (plainTicks) Ticks(lo, hi float64) []plot.Tick {
	return distinctLabels(plot.DefaultTicks{}.Ticks(lo, hi))
}

// distinctLabels reformats ts's labels with the fewest decimals that tell
// every labelled tick apart and show each value to within a millionth of
// the gap between labels, so a narrow range never reads "90, 90, 90" and a
// wide one never "25.00, 50.00".
func distinctLabels(ts []plot.Tick) []plot.Tick {
	gap := math.Inf(1)
	prev := math.NaN()
	for _, t := range ts {
		if t.Label != "" {
			if !math.IsNaN(prev) {
				gap = min(gap, math.Abs(t.Value-prev))
			}
			prev = t.Value
		}
	}
	for decimals := 0; decimals <= 15; decimals++ {
		seen := map[string]bool{}
		ok := true
		for i, t := range ts {
			if t.Label == "" {
				continue
			}
			l := strconv.FormatFloat(t.Value, 'f', decimals, 64)
			if v, _ := strconv.ParseFloat(l, 64); seen[l] || (finite(gap) && math.Abs(v-t.Value) > gap*1e-6) {
				ok = false
			}
			seen[l] = true
			ts[i].Label = l
		}
		if ok {
			break
		}
	}
	return ts
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
