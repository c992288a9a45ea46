package totp

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"

	qr "github.com/piglig/go-qr"
)

// quietZone is the light border the QR standard requires, in modules.
const quietZone = 4

// MaxQRSize bounds QRCodePNG's size, so a wrong argument cannot ask for a
// gigabyte image.
const MaxQRSize = 4096

// QRCodePNG renders uri (normally from URI) as a black-on-white QR code PNG
// of exactly size×size pixels. Each module is a whole number of pixels, so
// phone cameras read it crisply; what is left over widens the quiet zone.
// The error-correction level is Medium (15%), ample for a screen.
//
// The symbol comes from github.com/piglig/go-qr (pure Go, no dependencies,
// maintained); the drawing is ours, with the standard library, so that the
// size is exact and the PNG a small two-colour paletted image.
func QRCodePNG(uri string, size int) ([]byte, error) {
	if size <= 0 || size > MaxQRSize {
		return nil, fmt.Errorf("totp: QR code size %d is not between 1 and %d", size, MaxQRSize)
	}
	sym, err := qr.EncodeText(uri, qr.Medium)
	if err != nil {
		return nil, fmt.Errorf("totp: encoding the QR code: %w", err)
	}
	n := sym.Size()
	total := n + 2*quietZone
	scale := size / total
	if scale < 1 {
		return nil, fmt.Errorf("totp: a QR code of %d modules needs at least %d×%d pixels", n, total, total)
	}
	off := (size - n*scale) / 2

	// Palette index 0 is white, so the fresh image is all quiet zone.
	img := image.NewPaletted(image.Rect(0, 0, size, size), color.Palette{color.White, color.Black})
	for y := range n {
		for x := range n {
			if !sym.Module(x, y) {
				continue
			}
			for py := off + y*scale; py < off+(y+1)*scale; py++ {
				row := img.Pix[py*img.Stride:]
				for px := off + x*scale; px < off+(x+1)*scale; px++ {
					row[px] = 1
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, errors.New("totp: encoding the PNG: " + err.Error())
	}
	return buf.Bytes(), nil
}
