package report

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/color"
	imgdraw "image/draw"
	"image/png"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// maxGridPixels bounds the size of an ImageGrid output (about 64 Mpixel).
const maxGridPixels = 1 << 26

// gridLayout is the pixel geometry of an ImageGrid output: a margin of gap
// pixels around everything, a label column of labelW pixels (the widest
// label plus 25%, plus the gap to the images; 0 without labels), cells of cellW×cellH pixels
// separated by gap pixels.
type gridLayout struct {
	rows, cols     int
	cellW, cellH   int
	gap, labelW    int
	width, height  int
	fontSize       vg.Length
	labels         []string
	labelTextStyle text.Style
}

// cell returns the top-left pixel of image (r, c).
func (g *gridLayout) cell(r, c int) image.Point {
	return image.Pt(g.gap+g.labelW+c*(g.cellW+g.gap), g.gap+r*(g.cellH+g.gap))
}

// newGridLayout works out the geometry of a grid with the given number of
// rows and columns of h×w images at the given scale, with row labels (nil
// or all empty: no label column).
func newGridLayout(rows, cols, h, w, scale int, labels []string) *gridLayout {
	g := &gridLayout{
		rows: rows, cols: cols,
		cellW: w * scale, cellH: h * scale,
		gap:    max(4, scale),
		labels: labels,
	}
	// At 72 dpi a point is a pixel, so the font size is in pixels.
	g.fontSize = vg.Length(min(16, max(9, float64(g.cellH)/4)))
	g.labelTextStyle = text.Style{
		Color:   color.Black,
		Font:    font.From(plot.DefaultFont, g.fontSize),
		XAlign:  draw.XRight,
		YAlign:  draw.YCenter,
		Handler: plot.DefaultTextHandler,
	}
	var lw vg.Length
	for _, l := range labels {
		if l != "" {
			lw = max(lw, g.labelTextStyle.Width(l))
		}
	}
	if lw > 0 {
		// 25% spare room for SVG viewers that substitute a wider font
		// (right-aligned labels, so the spare room is on their left).
		g.labelW = int(math.Ceil(1.25*float64(lw))) + g.gap
	}
	g.width = 2*g.gap + g.labelW + cols*g.cellW + (cols-1)*g.gap
	g.height = 2*g.gap + rows*g.cellH + (rows-1)*g.gap
	return g
}

// ImageGrid writes rows of grayscale images to path+".png" and path+".svg"
// (the same pixels embedded as a PNG, with the labels as SVG text):
// images[r][c] is one image of h×w pixels, row-major, values clipped to
// [0,1] (0 black, 1 white; NaN is drawn black); rowLabels (len(images), may
// be nil) are written at the left of each row; scale is the pixel size in
// output pixels for the PNG. Rows may hold different numbers of images (an
// empty row is left blank) but the grid must hold at least one. Images are
// separated, and surrounded, by white gaps of max(4, scale) pixels, so the
// PNG is 2·gap + labelWidth + cols·w·scale + (cols−1)·gap pixels wide and
// 2·gap + rows·h·scale + (rows−1)·gap high, cols being the longest row. Creates
// the parent directory if needed; both files are written atomically.
func ImageGrid(path string, images [][][]float32, h, w int, rowLabels []string, scale int) error {
	switch {
	case path == "":
		return errors.New("report: ImageGrid: empty path")
	case h < 1 || w < 1:
		return fmt.Errorf("report: ImageGrid: image size %d×%d, want ≥ 1×1", h, w)
	case scale < 1:
		return fmt.Errorf("report: ImageGrid: scale = %d, want ≥ 1", scale)
	case rowLabels != nil && len(rowLabels) != len(images):
		return fmt.Errorf("report: ImageGrid: %d row labels for %d rows", len(rowLabels), len(images))
	}
	cols := 0
	for r, row := range images {
		cols = max(cols, len(row))
		for c, im := range row {
			if len(im) != h*w {
				return fmt.Errorf("report: ImageGrid: image [%d][%d] has %d values, want %d×%d = %d",
					r, c, len(im), h, w, h*w)
			}
		}
	}
	if cols == 0 {
		return errors.New("report: ImageGrid: no images")
	}
	// Guard against overflow and absurd sizes before allocating.
	if float64(h)*float64(w)*float64(scale)*float64(scale)*float64(cols)*float64(len(images)) > maxGridPixels {
		return fmt.Errorf("report: ImageGrid: %d×%d images of %d×%d at scale %d is too large",
			len(images), cols, h, w, scale)
	}
	g := newGridLayout(len(images), cols, h, w, scale, rowLabels)
	if g.width*g.height > maxGridPixels {
		return fmt.Errorf("report: ImageGrid: output %d×%d pixels is too large", g.width, g.height)
	}

	pix := image.NewGray(image.Rect(0, 0, g.width, g.height))
	for i := range pix.Pix {
		pix.Pix[i] = 0xff
	}
	for r, row := range images {
		for c, im := range row {
			at := g.cell(r, c)
			for y := range h {
				for x := range w {
					v := grayLevel(im[y*w+x])
					for dy := range scale {
						off := pix.PixOffset(at.X+x*scale, at.Y+y*scale+dy)
						for dx := range scale {
							pix.Pix[off+dx] = v
						}
					}
				}
			}
		}
	}

	pngImg, err := g.renderPNG(pix)
	if err != nil {
		return err
	}
	if err := writeAtomic(path+".png", vgimg.PngCanvas{Canvas: pngImg}); err != nil {
		return err
	}
	svg, err := g.svg(pix)
	if err != nil {
		return err
	}
	return writeAtomic(path+".svg", svg)
}

// grayLevel maps v, clipped to [0,1], to an 8-bit gray level (NaN → 0).
func grayLevel(v float32) uint8 {
	switch {
	case !(v > 0): // also NaN
		return 0
	case v >= 1:
		return 0xff
	}
	return uint8(math.Round(float64(v) * 0xff))
}

// labelPos returns the anchor of row r's label in vg coordinates (origin at
// the bottom left, one point per pixel): the right end of the label column,
// vertically centred on the row.
func (g *gridLayout) labelPos(r int) vg.Point {
	top := g.cell(r, 0).Y
	return vg.Point{
		X: vg.Length(g.labelW),
		Y: vg.Length(g.height) - vg.Length(top) - vg.Length(g.cellH)/2,
	}
}

// renderPNG copies pix onto a 72-dpi canvas (one pixel per point, so the
// images keep their exact pixels) and draws the row labels over it.
func (g *gridLayout) renderPNG(pix *image.Gray) (c *vgimg.Canvas, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("report: ImageGrid: rendering failed: %v", r)
		}
	}()
	c = vgimg.NewWith(
		vgimg.UseWH(vg.Length(g.width), vg.Length(g.height)),
		vgimg.UseDPI(72),
	)
	dst := c.Image()
	if b := dst.Bounds(); b.Dx() != g.width || b.Dy() != g.height {
		return nil, fmt.Errorf("report: ImageGrid: canvas is %d×%d pixels, want %d×%d",
			b.Dx(), b.Dy(), g.width, g.height)
	}
	imgdraw.Draw(dst, dst.Bounds(), pix, image.Point{}, imgdraw.Src)
	if g.labelW > 0 {
		dc := draw.New(c)
		for r, l := range g.labels {
			if l != "" {
				dc.FillText(g.labelTextStyle, g.labelPos(r), l)
			}
		}
	}
	return c, nil
}

// svg returns an SVG document of the same size as the PNG, with pix embedded
// as a PNG image and the labels as text.
func (g *gridLayout) svg(pix *image.Gray) (*bytes.Buffer, error) {
	var enc bytes.Buffer
	if err := png.Encode(&enc, pix); err != nil {
		return nil, fmt.Errorf("report: ImageGrid: encoding PNG for SVG: %w", err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="%[1]dpx" height="%[2]dpx" viewBox="0 0 %[1]d %[2]d">
<rect x="0" y="0" width="%[1]d" height="%[2]d" fill="#ffffff"/>
<image x="0" y="0" width="%[1]d" height="%[2]d" preserveAspectRatio="none" style="image-rendering:pixelated" xlink:href="data:image/png;base64,`,
		g.width, g.height)
	b.WriteString(base64.StdEncoding.EncodeToString(enc.Bytes()))
	b.WriteString("\"/>\n")
	if g.labelW > 0 {
		esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;",
			"\r\n", " ", "\n", " ", "\r", " ")
		for r, l := range g.labels {
			if l == "" {
				continue
			}
			// textLength pins the label to the width measured with the
			// PNG's font, so a wider substitute font cannot overflow the
			// label column.
			pt := g.labelPos(r)
			fmt.Fprintf(&b, `<text x="%d" y="%.2f" font-family="Liberation Serif, Times New Roman, serif" font-size="%.2f" text-anchor="end" dominant-baseline="central" textLength="%.2f" lengthAdjust="spacingAndGlyphs" fill="#000000">%s</text>`+"\n",
				int(pt.X), float64(vg.Length(g.height)-pt.Y), float64(g.fontSize),
				float64(g.labelTextStyle.Width(l)), esc.Replace(l))
		}
	}
	b.WriteString("</svg>\n")
	return &b, nil
}
