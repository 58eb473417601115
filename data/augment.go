package data

import (
	"fmt"
	"math/rand/v2"
)

// CropFlip augments a batch of images in place as the CIFAR benchmarks do
// (He et al. 2016): each image (one row of x, CHW order, shape {channels,
// height, width}) is padded by pad zeros on every side, cropped back to
// its size at an offset drawn uniformly from [0, 2·pad]² and flipped
// horizontally with probability ½. The draws come from rng, three per
// image in order (x offset, y offset, flip), so a batch's augmentation is
// fixed by the stream's state. scratch holds one image (len ≥ its size).
// With standardised images (credit's CIFAR-10) the zero padding is the
// image's mean.
func CropFlip(x []float32, shape [3]int, pad int, rng *rand.Rand, scratch []float32) {
	c, h, w := shape[0], shape[1], shape[2]
	size := c * h * w
	if size == 0 || len(x)%size != 0 || len(scratch) < size {
		panic(fmt.Sprintf("data: CropFlip of %d values in images of shape %v with %d scratch", len(x), shape, len(scratch)))
	}
	for lo := 0; lo < len(x); lo += size {
		img := x[lo : lo+size]
		ox, oy := rng.IntN(2*pad+1)-pad, rng.IntN(2*pad+1)-pad
		flip := rng.IntN(2) == 1
		copy(scratch, img)
		for ch := 0; ch < c; ch++ {
			src, dst := scratch[ch*h*w:(ch+1)*h*w], img[ch*h*w:(ch+1)*h*w]
			for y := 0; y < h; y++ {
				sy := y + oy
				row := dst[y*w : (y+1)*w]
				if sy < 0 || sy >= h {
					clear(row)
					continue
				}
				for xx := 0; xx < w; xx++ {
					sx := xx
					if flip {
						sx = w - 1 - xx
					}
					sx += ox
					if sx < 0 || sx >= w {
						row[xx] = 0
					} else {
						row[xx] = src[sy*w+sx]
					}
				}
			}
		}
	}
}

// Tail returns a Dataset viewing the last n examples of d (no copy, as
// Head). n must be in [1, N].
func (d *Dataset) Tail(n int) *Dataset {
	if n < 1 || n > d.N {
		panic(fmt.Sprintf("data: %s: Tail(%d) out of range [1, %d]", d.Name, n, d.N))
	}
	t := *d
	lo := d.N - n
	t.N = n
	t.X = d.X[lo*d.In : d.N*d.In : d.N*d.In]
	t.Y = d.Y[lo*d.Out : d.N*d.Out : d.N*d.Out]
	if d.Labels != nil {
		t.Labels = d.Labels[lo:d.N:d.N]
	}
	return &t
}
