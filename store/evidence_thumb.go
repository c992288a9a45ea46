package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"

	_ "image/gif" // registers GIF for image.Decode
	_ "image/png" // registers PNG for image.Decode
)

// Thumbnails: photos are shown in lists as small JPEGs made here, with the
// standard library's decoders (JPEG, PNG, GIF; WebP photos are stored but
// get no thumbnail) and a box filter. The original is never changed: it is
// the evidence, and its SHA-256 was recorded at upload.

const (
	// thumbMaxSide is the longest side of a thumbnail, in pixels.
	thumbMaxSide = 320
	// thumbMaxPixels bounds what is decoded for a thumbnail: a small file
	// can claim enormous dimensions (a decompression bomb), so the header
	// is read first and larger images get no thumbnail. The original is
	// still stored.
	thumbMaxPixels = 50_000_000
	thumbQuality   = 80
)

// errNoThumbnail says the image cannot be given a thumbnail; the upload
// goes on without one.
var errNoThumbnail = errors.New("no thumbnail")

// thumbSlots bounds how many thumbnails one process decodes at once: a
// large photo decodes to hundreds of megabytes.
var thumbSlots = make(chan struct{}, 2)

// evidenceThumbnail decodes a JPEG, PNG or GIF photo and returns a JPEG
// that fits thumbMaxSide × thumbMaxSide, turned upright by the photo's EXIF
// orientation, with transparency flattened onto white.
func evidenceThumbnail(b []byte) (out []byte, w, h int, err error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%w: %v", errNoThumbnail, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > thumbMaxPixels {
		return nil, 0, 0, fmt.Errorf("%w: %d×%d pixels", errNoThumbnail, cfg.Width, cfg.Height)
	}
	thumbSlots <- struct{}{}
	defer func() { <-thumbSlots }()
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("%w: %v", errNoThumbnail, err)
	}
	sb := img.Bounds()
	if sb.Dx() <= 0 || sb.Dy() <= 0 || int64(sb.Dx())*int64(sb.Dy()) > thumbMaxPixels {
		return nil, 0, 0, fmt.Errorf("%w: decoded to %v", errNoThumbnail, sb)
	}
	small := boxScale(img, thumbMaxSide)
	if format == "jpeg" {
		small = orient(small, exifOrientation(b))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, small, &jpeg.Options{Quality: thumbQuality}); err != nil {
		return nil, 0, 0, err
	}
	return buf.Bytes(), small.Bounds().Dx(), small.Bounds().Dy(), nil
}

// boxScale scales img down to fit max × max (never up), averaging every
// source pixel into the destination pixel it falls in (a box filter), and
// flattens transparency onto white. It works a row at a time, so it needs
// memory for the small image only.
func boxScale(img image.Image, max int) *image.RGBA {
	sb := img.Bounds()
	sw, sh := sb.Dx(), sb.Dy()
	dw, dh := sw, sh
	if sw > max || sh > max {
		if sw >= sh {
			dw, dh = max, int(int64(sh)*int64(max)/int64(sw))
		} else {
			dw, dh = int(int64(sw)*int64(max)/int64(sh)), max
		}
	}
	dw, dh = maxInt(dw, 1), maxInt(dh, 1)
	// Sums of premultiplied 16-bit channels and counts per destination pixel.
	sums := make([]uint64, dw*dh*4)
	counts := make([]uint32, dw*dh)
	xmap := make([]int, sw)
	for x := range xmap {
		xmap[x] = int(int64(x) * int64(dw) / int64(sw))
	}
	row := make([]color.RGBA64, sw)
	for y := 0; y < sh; y++ {
		readRow(img, sb.Min.Y+y, row)
		base := int(int64(y)*int64(dh)/int64(sh)) * dw
		for x, c := range row {
			i := base + xmap[x]
			s := sums[i*4 : i*4+4 : i*4+4]
			s[0] += uint64(c.R)
			s[1] += uint64(c.G)
			s[2] += uint64(c.B)
			s[3] += uint64(c.A)
			counts[i]++
		}
	}
	out := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for i, n := range counts {
		if n == 0 {
			n = 1
		}
		s := sums[i*4 : i*4+4]
		a := s[3] / uint64(n)
		for ch := 0; ch < 3; ch++ {
			// premultiplied colour over white: c + (1 - a)
			v := s[ch]/uint64(n) + (0xFFFF - a)
			if v > 0xFFFF {
				v = 0xFFFF
			}
			out.Pix[i*4+ch] = uint8(v >> 8)
		}
		out.Pix[i*4+3] = 0xFF
	}
	return out
}

// readRow reads one row of img as premultiplied 16-bit colours, with fast
// paths for what the decoders return.
func readRow(img image.Image, y int, row []color.RGBA64) {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.YCbCr:
		for i := range row {
			x := b.Min.X + i
			yi, ci := m.YOffset(x, y), m.COffset(x, y)
			r, g, bl := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
			row[i] = color.RGBA64{uint16(r) * 0x101, uint16(g) * 0x101, uint16(bl) * 0x101, 0xFFFF}
		}
	case *image.Gray:
		off := m.PixOffset(b.Min.X, y)
		for i := range row {
			v := uint16(m.Pix[off+i]) * 0x101
			row[i] = color.RGBA64{v, v, v, 0xFFFF}
		}
	case *image.RGBA:
		off := m.PixOffset(b.Min.X, y)
		for i := range row {
			p := m.Pix[off+i*4 : off+i*4+4 : off+i*4+4]
			row[i] = color.RGBA64{uint16(p[0]) * 0x101, uint16(p[1]) * 0x101, uint16(p[2]) * 0x101, uint16(p[3]) * 0x101}
		}
	case *image.NRGBA:
		off := m.PixOffset(b.Min.X, y)
		for i := range row {
			p := m.Pix[off+i*4 : off+i*4+4 : off+i*4+4]
			a := uint32(p[3]) * 0x101
			pre := func(v uint8) uint16 { return uint16(uint32(v) * 0x101 * a / 0xFFFF) }
			row[i] = color.RGBA64{pre(p[0]), pre(p[1]), pre(p[2]), uint16(a)}
		}
	case *image.Paletted:
		pal := make([]color.RGBA64, len(m.Palette))
		for i, c := range m.Palette {
			r, g, bl, a := c.RGBA()
			pal[i] = color.RGBA64{uint16(r), uint16(g), uint16(bl), uint16(a)}
		}
		off := m.PixOffset(b.Min.X, y)
		for i := range row {
			if idx := int(m.Pix[off+i]); idx < len(pal) {
				row[i] = pal[idx]
			} else {
				row[i] = color.RGBA64{} // an index past the palette: transparent
			}
		}
	default:
		for i := range row {
			r, g, bl, a := img.At(b.Min.X+i, y).RGBA()
			row[i] = color.RGBA64{uint16(r), uint16(g), uint16(bl), uint16(a)}
		}
	}
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// orient turns img upright according to an EXIF orientation (1–8).
func orient(img *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return img
	}
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	ow, oh := w, h
	if o >= 5 {
		ow, oh = h, w
	}
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var nx, ny int
			switch o {
			case 2: // mirrored
				nx, ny = w-1-x, y
			case 3: // upside down
				nx, ny = w-1-x, h-1-y
			case 4: // mirrored, upside down
				nx, ny = x, h-1-y
			case 5: // transposed
				nx, ny = y, x
			case 6: // turn 90° clockwise
				nx, ny = h-1-y, x
			case 7: // transversed
				nx, ny = h-1-y, w-1-x
			case 8: // turn 90° anticlockwise
				nx, ny = y, w-1-x
			}
			si, di := img.PixOffset(x, y), out.PixOffset(nx, ny)
			copy(out.Pix[di:di+4], img.Pix[si:si+4])
		}
	}
	return out
}

// exifOrientation finds the EXIF orientation tag of a JPEG; 1 (upright)
// when there is none or the data is damaged.
func exifOrientation(b []byte) int {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return 1
	}
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return 1
		}
		marker := b[i+1]
		if marker == 0xDA || marker == 0xD9 { // start of scan, end of image: no EXIF before the pixels
			return 1
		}
		size := int(binary.BigEndian.Uint16(b[i+2 : i+4]))
		if size < 2 || i+2+size > len(b) {
			return 1
		}
		seg := b[i+4 : i+2+size]
		if marker == 0xE1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			return tiffOrientation(seg[6:])
		}
		i += 2 + size
	}
	return 1
}

// tiffOrientation reads tag 0x0112 from the first IFD of a TIFF block.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	off := int64(bo.Uint32(t[4:8]))
	if off < 8 || off+2 > int64(len(t)) {
		return 1
	}
	n := int64(bo.Uint16(t[off : off+2]))
	for k := int64(0); k < n; k++ {
		e := off + 2 + k*12
		if e+12 > int64(len(t)) {
			return 1
		}
		if bo.Uint16(t[e:e+2]) == 0x0112 && bo.Uint16(t[e+2:e+4]) == 3 { // SHORT
			if v := int(bo.Uint16(t[e+8 : e+10])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}
