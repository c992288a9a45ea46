package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/audit"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
)

// evidenceWorld is an incident of one police department, its officer and
// supervisor, and staff who must not reach its evidence.
type evidenceWorld struct {
	db                    *store.DB
	pd, other             *haven.Agency
	officer, supervisor   *haven.User
	advocate, otherOfficr *haven.User
	pdAdmin               *haven.User
	incident              *haven.Incident
}

func newEvidenceWorld(t *testing.T, db *store.DB) *evidenceWorld {
	t.Helper()
	w := &evidenceWorld{db: db}
	w.pd = storetest.MustAgency(t, db, "metro-pd", haven.KindPolice)
	w.other = storetest.MustAgency(t, db, "county-sheriff", haven.KindPolice)
	w.officer = storetest.MustUser(t, db, w.pd, "officer", haven.RoleOfficer)
	w.supervisor = storetest.MustUser(t, db, w.pd, "supervisor", haven.RoleSupervisor)
	w.advocate = storetest.MustUser(t, db, w.pd, "advocate", haven.RoleAdvocate)
	w.pdAdmin = storetest.MustUser(t, db, w.pd, "pd-admin", haven.RoleAgencyAdmin)
	w.otherOfficr = storetest.MustUser(t, db, w.other, "deputy", haven.RoleOfficer)
	w.incident = &haven.Incident{Domestic: true, Narrative: "Neighbour called; raised voices."}
	if err := db.CreateIncident(storetest.As(w.officer), w.incident); err != nil {
		t.Fatalf("create incident: %v", err)
	}
	return w
}

func (w *evidenceWorld) as(u *haven.User) context.Context { return storetest.As(u) }

// testPNG draws a w×h PNG with a gradient and a transparent corner.
func testPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			a := uint8(255)
			if x < w/10 && y < h/10 {
				a = 0
			}
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), 120, a})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func testJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withOrientation adds an EXIF APP1 segment with the orientation tag.
func withOrientation(jpg []byte, o uint16) []byte {
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08") // big-endian, IFD at 8
	tiff = binary.BigEndian.AppendUint16(tiff, 1)
	tiff = binary.BigEndian.AppendUint16(tiff, 0x0112)
	tiff = binary.BigEndian.AppendUint16(tiff, 3) // SHORT
	tiff = binary.BigEndian.AppendUint32(tiff, 1)
	tiff = binary.BigEndian.AppendUint16(tiff, o)
	tiff = append(tiff, 0, 0, 0, 0, 0, 0) // value padding, next IFD = 0
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xFF, 0xE1}
	app1 = binary.BigEndian.AppendUint16(app1, uint16(len(seg)+2))
	app1 = append(app1, seg...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, app1...)
	return append(out, jpg[2:]...)
}

func hexSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func readAllFile(t *testing.T, db *store.DB, ctx context.Context, id string) (*haven.EvidenceItem, []byte) {
	t.Helper()
	it, rc, err := db.OpenEvidenceFile(ctx, id)
	if err != nil {
		t.Fatalf("open file: %v", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read file: %v", err)
	}
	return it, b
}

func custodyActions(t *testing.T, db *store.DB, ctx context.Context, id string) []string {
	t.Helper()
	evs, err := db.Custody(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, string(e.Action))
	}
	return out
}

func TestEvidencePhoto(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newEvidenceWorld(t, db)
		ctx := w.as(w.officer)
		photo := testPNG(t, 800, 400)
		collected := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
		it, err := db.AddEvidence(ctx, w.incident.ID, &haven.EvidenceItem{Kind: haven.EvidencePhoto,
			Description: "Bruising on the left forearm", CollectedAt: collected, FileName: `C:\phone\DCIM\IMG_0001.png`}, bytes.NewReader(photo))
		if err != nil {
			t.Fatalf("add photo: %v", err)
		}
		if it.ContentType != "image/png" || it.Size != int64(len(photo)) || it.SHA256 != hexSHA(photo) || !it.HasFile || !it.HasThumbnail {
			t.Fatalf("stored item = %+v", it)
		}
		if it.FileName != "IMG_0001.png" || it.CollectedBy != "officer" || it.Custodian != "officer" || it.AgencyID != w.pd.ID {
			t.Fatalf("item fields = %+v", it)
		}
		got, err := db.Evidence(w.as(w.supervisor), it.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Description != "Bruising on the left forearm" || got.SHA256 != it.SHA256 || !got.CollectedAt.Equal(collected) {
			t.Fatalf("read back = %+v", got)
		}
		// The file comes back byte for byte.
		_, b := readAllFile(t, db, ctx, it.ID)
		if !bytes.Equal(b, photo) {
			t.Fatal("file differs from the upload")
		}
		thumb, err := db.Thumbnail(ctx, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		img, format, err := image.Decode(bytes.NewReader(thumb))
		if err != nil || format != "jpeg" {
			t.Fatalf("thumbnail: %v %s", err, format)
		}
		if b := img.Bounds(); b.Dx() != 320 || b.Dy() != 160 {
			t.Fatalf("thumbnail is %v, want 320×160", b)
		}
		// The transparent corner is flattened onto white.
		if r, g, bl, _ := img.At(2, 2).RGBA(); r < 0xE000 || g < 0xE000 || bl < 0xE000 {
			t.Fatalf("transparent corner = %x %x %x", r, g, bl)
		}
		v, err := db.VerifyEvidence(ctx, it.ID)
		if err != nil || !v.Match || v.Computed != hexSHA(photo) || v.Size != int64(len(photo)) {
			t.Fatalf("verify = %+v, %v", v, err)
		}
		if got := custodyActions(t, db, ctx, it.ID); strings.Join(got, ",") != "collected,uploaded,downloaded,viewed" {
			t.Fatalf("custody = %v", got)
		}
		list, err := db.ListEvidence(ctx, w.incident.ID)
		if err != nil || len(list) != 1 || list[0].ID != it.ID {
			t.Fatalf("list = %v, %v", list, err)
		}
		// Every file read is in the audit log too.
		entries, err := db.FindAudit(storetest.System(), audit.Filter{RecordID: it.ID})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, e := range entries {
			seen[e.Action+"/"+e.Outcome]++
		}
		for _, a := range []string{"evidence.create/allowed", "evidence.download/allowed", "evidence.view/allowed", "evidence.verify/allowed"} {
			if seen[a] != 1 {
				t.Errorf("audit %s seen %d times: %v", a, seen[a], seen)
			}
		}
	})
}

func TestEvidenceThumbnailOrientationAndFormats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newEvidenceWorld(t, db)
		ctx := w.as(w.officer)
		// A phone photo taken upright is stored sideways with orientation 6.
		jpg := withOrientation(testJPEG(t, 400, 200), 6)
		it, err := db.AddEvidence(ctx, w.incident.ID, &haven.EvidenceItem{Kind: haven.EvidencePhoto, FileName: "photo.jpg"}, bytes.NewReader(jpg))
		if err != nil {
			t.Fatal(err)
		}
		thumb, err := db.Thumbnail(ctx, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(thumb))
		if err != nil || cfg.Width != 160 || cfg.Height != 320 {
			t.Fatalf("oriented thumbnail = %+v, %v; want 160×320", cfg, err)
		}
		_, b := readAllFile(t, db, ctx, it.ID)
		if !bytes.Equal(b, jpg) {
			t.Fatal("the original was changed")
		}
		// GIF, smaller than a thumbnail: kept at its size.
		var g bytes.Buffer
		pal := image.NewPaletted(image.Rect(0, 0, 40, 30), []color.Color{color.Black, color.White})
		if err := gif.Encode(&g, pal, nil); err != nil {
			t.Fatal(err)
		}
		it, err = db.AddEvidence(ctx, w.incident.ID, &haven.EvidenceItem{Kind: haven.EvidencePhoto}, bytes.NewReader(g.Bytes()))
		if err != nil || !it.HasThumbnail || it.ContentType != "image/gif" {
			t.Fatalf("gif = %+v, %v", it, err)
		}
		// WebP is accepted and stored, without a thumbnail.
		webp := append([]byte("RIFF\x24\x00\x00\x00WEBPVP8 "), make([]byte, 40)...)
		it, err = db.AddEvidence(ctx, w.incident.ID, &haven.EvidenceItem{Kind: haven.EvidencePhoto}, bytes.NewReader(webp))
		if err != nil || it.HasThumbnail || it.ContentType != "image/webp" {
			t.Fatalf("webp = %+v, %v", it, err)
		}
		if _, err := db.Thumbnail(ctx, it.ID); haven.ErrorCode(err) != haven.ENOTFOUND {
			t.Fatalf("thumbnail of webp: %v", err)
		}
		// A decompression bomb: a small PNG claiming 20000×20000 pixels is
		// stored, but not decoded for a thumbnail.
		bomb := bombPNG(t, 20000, 20000)
		it, err = db.AddEvidence(ctx, w.incident.ID, &haven.EvidenceItem{Kind: haven.EvidencePhoto}, bytes.NewReader(bomb))
		if err != nil || it.HasThumbnail || it.SHA256 != hexSHA(bomb) {
			t.Fatalf("bomb = %+v, %v", it, err)
		}
	})
}

// bombPNG returns a valid PNG header (with a correct checksum) claiming
// w×h pixels, followed by a tiny image's data.
func bombPNG(t *testing.T, w, h uint32) []byte {
	b := testPNG(t, 2, 2)
	ihdr := b[8+8 : 8+8+13] // after the signature, length and type
	binary.BigEndian.PutUint32(ihdr[0:4], w)
	binary.BigEndian.PutUint32(ihdr[4:8], h)
	crc := crc32.ChecksumIEEE(b[8+4 : 8+8+13])
	binary.BigEndian.PutUint32(b[8+8+13:], crc)
	if cfg, err := png.DecodeConfig(bytes.NewReader(b)); err != nil || cfg.Width != int(w) {
		t.Fatalf("bomb header: %+v %v", cfg, err)
	}
	return b
}

// A distinctive text document, a description and names: none may be
// found in any table, nor in SQLite's files.
func TestEvidenceSealedAtRest(t *testing.T) {
	for _, d := range storetest.Drivers {
		t.Run(d, func(t *testing.T) {
			db := storetest.Open(t, d, storetest.Config())
			w := newEvidenceWorld(t, db)
			ctx := w.as(w.officer)
			doc := []byte(strings.Repeat("Statement of Quillamina Farthingale: he said he would find me at Pumpernickel Lane. ", 40000)) // 3.4 MB, 4 chunks
			it, err := db.AddEvidence(ctx, w.incident.ID, &haven.EvidenceItem{Kind: haven.EvidenceDocument,
				Description: "Handwritten letter from Zanzibarine", FileName: "letter-Oxbloodworth.txt", CollectedBy: "Ofc. Marchpanelle"}, bytes.NewReader(doc))
			if err != nil {
				t.Fatal(err)
			}
			if it.ContentType != "text/plain" {
				t.Fatalf("type = %s", it.ContentType)
			}
			if n, err := db.EvidenceChunks(context.Background(), it.ID); err != nil || n != (len(doc)+store.EvidenceChunkSize-1)/store.EvidenceChunkSize {
				t.Fatalf("chunks = %d, %v", n, err)
			}
			if _, err := db.TransferCustody(ctx, it.ID, "Crime lab technician Periwinklestone", "sealed bag 4471-Brambleweft"); err != nil {
				t.Fatal(err)
			}
			_, b := readAllFile(t, db, ctx, it.ID)
			if !bytes.Equal(b, doc) {
				t.Fatal("a document over several chunks does not round-trip")
			}
			// (The collecting officer's name is staff data, kept in the clear.)
			for _, n := range []string{"Quillamina", "Farthingale", "Pumpernickel", "Zanzibarine", "Oxbloodworth", "Periwinklestone", "Brambleweft"} {
				if c, err := db.CountAllTables(context.Background(), n); err != nil || c != 0 {
					t.Errorf("%q found in %d stored values (%v)", n, c, err)
				}
			}
			if d != "sqlite" {
				return
			}
			db.Close()
			files, _ := filepath.Glob(filepath.Join(store.DataDirOf(db), "haven.db*"))
			if len(files) == 0 {
				t.Fatal("no database files")
			}
			for _, f := range files {
				raw, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range []string{"Quillamina", "Pumpernickel", "Zanzibarine", "Oxbloodworth", "Periwinklestone"} {
					if bytes.Contains(raw, []byte(n)) {
						t.Errorf("%s contains %q", filepath.Base(f), n)
					}
				}
			}
		})
	}
}

func TestEvidenceChecks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newEvidenceWorld(t, db)
		ctx := w.as(w.officer)
		add := func(kind haven.EvidenceKind, name string, b []byte) error {
			var r io.Reader
			if b != nil {
				r = bytes.NewReader(b)
			}
			_, err := db.AddEvidence(ctx, w.incident.ID, &haven.EvidenceItem{Kind: kind, FileName: name, Description: "x"}, r)
			return err
		}
		pdf := []byte("%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n")
		// A type mismatch names the field and what was detected.
		err := add(haven.EvidencePhoto, "photo.jpg", pdf)
		wantCode(t, err, haven.EINVALID, "file")
		if msg := haven.ErrorMessage(err); !strings.Contains(msg, "application/pdf") || !strings.Contains(msg, "JPEG, PNG, GIF or WebP") {
			t.Fatalf("mismatch message: %s", msg)
		}
		err = add(haven.EvidenceDocument, "page.txt", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"))
		wantCode(t, err, haven.EINVALID, "file")
		if !strings.Contains(haven.ErrorMessage(err), "text/html") {
			t.Fatalf("html message: %s", haven.ErrorMessage(err))
		}
		wantCode(t, add(haven.EvidenceVideo, "clip.mp4", []byte("just some words")), haven.EINVALID, "file")
		wantCode(t, add(haven.EvidenceAudio, "a.mp3", nil), haven.EINVALID, "file")
		wantCode(t, add(haven.EvidencePhoto, "empty.png", []byte{}), haven.EINVALID, "file")
		wantCode(t, add("sculpture", "x", pdf), haven.EINVALID, "kind")
		wantCode(t, add(haven.EvidencePhysical, "", []byte("bytes")), haven.EINVALID, "file")
		_, err = db.AddEvidence(ctx, w.incident.ID, &haven.EvidenceItem{Kind: haven.EvidencePhysical}, nil)
		wantCode(t, err, haven.EINVALID, "description")
		_, err = db.AddEvidence(ctx, w.incident.ID, &haven.EvidenceItem{Kind: haven.EvidenceDocument, CollectedAt: time.Now().Add(time.Hour)}, bytes.NewReader(pdf))
		wantCode(t, err, haven.EINVALID, "collected_at")
		if err := add(haven.EvidenceDocument, "report.pdf", pdf); err != nil {
			t.Fatalf("a PDF document: %v", err)
		}
		// Over the limit: refused while streaming, nothing left behind.
		big := io.MultiReader(bytes.NewReader(pdf), io.LimitReader(zeros{}, 25<<20))
		_, err = db.AddEvidence(ctx, w.incident.ID, &haven.EvidenceItem{Kind: haven.EvidenceDocument}, big)
		wantCode(t, err, haven.ETOOLARGE, "file")
		if !strings.Contains(haven.ErrorMessage(err), "25 MiB") {
			t.Fatalf("too large message: %s", haven.ErrorMessage(err))
		}
		// A reader that fails midway (a dropped connection).
		_, err = db.AddEvidence(ctx, w.incident.ID, &haven.EvidenceItem{Kind: haven.EvidenceDocument},
			io.MultiReader(bytes.NewReader(pdf), io.LimitReader(zeros{}, 3<<20), failing{}))
		wantCode(t, err, haven.EBADREQUEST, "file")
		if n, err := db.EvidenceRows(context.Background(), "uploading"); err != nil || n != 0 {
			t.Fatalf("%d unfinished uploads left, %v", n, err)
		}
		if n, err := db.EvidenceRows(context.Background(), ""); err != nil || n != 1 {
			t.Fatalf("%d evidence rows, want 1 (%v)", n, err)
		}
	})
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, errors.New("connection reset by peer") }

func TestEvidenceSniffing(t *testing.T) {
	ftyp := func(major string, compat ...string) []byte {
		b := []byte{0, 0, 0, byte(16 + 4*len(compat))}
		b = append(b, "ftyp"+major+"\x00\x00\x02\x00"...)
		for _, c := range compat {
			b = append(b, c...)
		}
		return append(b, make([]byte, 64)...)
	}
	for _, tc := range []struct {
		kind haven.EvidenceKind
		name string
		head []byte
		want string
	}{
		{haven.EvidenceVideo, "clip.mp4", ftyp("isom", "isom", "mp41"), "video/mp4"},
		{haven.EvidenceVideo, "IMG_0042.MOV", ftyp("qt  ", "qt  "), "video/quicktime"},
		{haven.EvidenceVideo, "old.mov", append([]byte{0, 0, 0, 8}, "wide\x00\x00\x00\x00mdat"...), "video/quicktime"},
		{haven.EvidenceAudio, "memo.m4a", ftyp("M4A ", "M4A ", "mp42", "isom"), "audio/mp4"},
		{haven.EvidenceAudio, "voice.m4a", ftyp("mp42", "mp42", "isom"), "audio/mp4"},
		{haven.EvidenceAudio, "call.mp3", []byte("ID3\x04\x00\x00\x00\x00\x00\x00"), "audio/mpeg"},
		{haven.EvidenceAudio, "call.mp3", []byte{0xFF, 0xFB, 0x90, 0x64, 0, 0, 0, 0}, "audio/mpeg"},
		{haven.EvidenceAudio, "call.bin", []byte{0xFF, 0xFB, 0x90, 0x64, 0, 0, 0, 0}, "application/octet-stream"},
		{haven.EvidenceAudio, "rec.wav", []byte("RIFF\x24\x00\x00\x00WAVEfmt "), "audio/wav"},
		{haven.EvidenceAudio, "rec.ogg", []byte("OggS\x00\x02\x00\x00"), "audio/ogg"},
		{haven.EvidenceVideo, "clip.webm", []byte("\x1A\x45\xDF\xA3\x9f\x42\x86\x81"), "video/webm"},
		{haven.EvidencePhoto, "x.png", []byte("\x89PNG\r\n\x1a\n"), "image/png"},
		{haven.EvidenceDocument, "notes.txt", []byte("plain words\n"), "text/plain"},
	} {
		if got := store.SniffEvidence(tc.kind, tc.head, tc.name); got != tc.want {
			t.Errorf("%s %s: %s, want %s", tc.kind, tc.name, got, tc.want)
		}
	}
}

func TestEvidenceCustodyAndPolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newEvidenceWorld(t, db)
		ctx := w.as(w.officer)
		knife, err := db.AddEvidence(ctx, w.incident.ID, &haven.EvidenceItem{Kind: haven.EvidencePhysical,
			Description: "Kitchen knife, 20 cm blade, found under the sofa", CollectedBy: "Ofc. Rivera #4411"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if knife.HasFile || knife.Custodian != "Ofc. Rivera #4411" {
			t.Fatalf("knife = %+v", knife)
		}
		if _, _, err := db.OpenEvidenceFile(ctx, knife.ID); haven.ErrorCode(err) != haven.ENOTFOUND {
			t.Fatalf("file of a physical item: %v", err)
		}
		ev, err := db.TransferCustody(w.as(w.supervisor), knife.ID, "Property room, locker 12", "bagged and tagged")
		if err != nil {
			t.Fatal(err)
		}
		if ev.From != "Ofc. Rivera #4411" || ev.To != "Property room, locker 12" || ev.ByName != "supervisor" || ev.Action != haven.CustodyTransferred {
			t.Fatalf("transfer = %+v", ev)
		}
		_, err = db.TransferCustody(ctx, knife.ID, "  ", "")
		wantCode(t, err, haven.EINVALID, "to")
		ev, err = db.ReleaseEvidence(ctx, knife.ID, "County court, case 26-CR-104", "")
		if err != nil || ev.From != "Property room, locker 12" {
			t.Fatalf("release = %+v, %v", ev, err)
		}
		if _, err := db.TransferCustody(ctx, knife.ID, "Lab", ""); haven.ErrorCode(err) != haven.ECONFLICT {
			t.Fatalf("transfer after release: %v", err)
		}
		got, err := db.Evidence(ctx, knife.ID)
		if err != nil || !got.Released || got.Custodian != "County court, case 26-CR-104" {
			t.Fatalf("after release = %+v, %v", got, err)
		}
		if a := custodyActions(t, db, ctx, knife.ID); strings.Join(a, ",") != "collected,transferred,released" {
			t.Fatalf("custody = %v", a)
		}

		photo, err := db.AddEvidence(ctx, w.incident.ID, &haven.EvidenceItem{Kind: haven.EvidencePhoto}, bytes.NewReader(testPNG(t, 50, 50)))
		if err != nil {
			t.Fatal(err)
		}
		// Another agency's officer, an advocate and an administrator of the
		// same agency: the items and the incident do not exist for them,
		// and the answer is the one a missing record gets.
		_, missingErr := db.Evidence(ctx, "0190aaaa-0000-7000-8000-000000000000")
		for _, u := range []*haven.User{w.otherOfficr, w.advocate, w.pdAdmin} {
			c := w.as(u)
			checks := map[string]error{}
			_, checks["read"] = db.Evidence(c, photo.ID)
			_, _, checks["file"] = db.OpenEvidenceFile(c, photo.ID)
			_, checks["thumbnail"] = db.Thumbnail(c, photo.ID)
			_, checks["custody"] = db.Custody(c, photo.ID)
			_, checks["transfer"] = db.TransferCustody(c, photo.ID, "me", "")
			_, checks["verify"] = db.VerifyEvidence(c, photo.ID)
			for what, err := range checks {
				if haven.ErrorCode(err) != haven.ENOTFOUND || haven.ErrorMessage(err) != haven.ErrorMessage(missingErr) {
					t.Errorf("%s %s: %v", u.Username, what, err)
				}
			}
			_, err := db.ListEvidence(c, w.incident.ID)
			_, errMissing := db.ListEvidence(c, "0190aaaa-0000-7000-8000-000000000000")
			if haven.ErrorCode(err) != haven.ENOTFOUND || haven.ErrorMessage(err) != haven.ErrorMessage(errMissing) {
				t.Errorf("%s list: %v / %v", u.Username, err, errMissing)
			}
			_, err = db.AddEvidence(c, w.incident.ID, &haven.EvidenceItem{Kind: haven.EvidencePhoto}, bytes.NewReader(testPNG(t, 4, 4)))
			if haven.ErrorCode(err) != haven.ENOTFOUND {
				t.Errorf("%s add: %v", u.Username, err)
			}
		}
		// Nobody's refused look left a custody event.
		if a := custodyActions(t, db, ctx, photo.ID); strings.Join(a, ",") != "collected,uploaded" {
			t.Fatalf("custody after refusals = %v", a)
		}
		denied, err := db.FindAudit(storetest.System(), audit.Filter{RecordID: photo.ID, Action: "evidence."})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range denied {
			if e.Outcome == audit.Denied {
				n++
			}
		}
		if n != 18 {
			t.Errorf("%d denials audited, want 18", n)
		}
	})
}

func TestEvidenceIntegrity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newEvidenceWorld(t, db)
		ctx := w.as(w.officer)
		doc := bytes.Repeat([]byte("line of a long statement\n"), 100000) // 2.5 MB, 3 chunks
		it, err := db.AddEvidence(ctx, w.incident.ID, &haven.EvidenceItem{Kind: haven.EvidenceDocument}, bytes.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		// Chunks swapped: each is bound to its position, so neither opens.
		if err := db.SwapEvidenceChunks(context.Background(), it.ID, 0, 1); err != nil {
			t.Fatal(err)
		}
		v, err := db.VerifyEvidence(ctx, it.ID)
		if err != nil || v.Match || !strings.Contains(v.Problem, "chunk 0") {
			t.Fatalf("verify swapped = %+v, %v", v, err)
		}
		_, rc, err := db.OpenEvidenceFile(ctx, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadAll(rc); err == nil {
			t.Fatal("a tampered file reads without error")
		}
		rc.Close()
		if err := db.SwapEvidenceChunks(context.Background(), it.ID, 0, 1); err != nil {
			t.Fatal(err)
		}
		// A changed record of the hash is found too.
		if err := db.ExecRaw(context.Background(), `UPDATE evidence SET sha256 = ? WHERE id = ?`, hexSHA([]byte("other")), it.ID); err != nil {
			t.Fatal(err)
		}
		v, err = db.VerifyEvidence(ctx, it.ID)
		if err != nil || v.Match || v.Computed != hexSHA(doc) {
			t.Fatalf("verify changed hash = %+v, %v", v, err)
		}
	})
}

func TestEvidencePruneUploads(t *testing.T) {
	db := storetest.Open(t, "sqlite", storetest.Config())
	w := newEvidenceWorld(t, db)
	ctx, cancel := context.WithCancel(w.as(w.officer))
	// A reader that cancels the request after the first chunk, then fails:
	// the cleanup still runs, on a context of its own.
	r := io.MultiReader(bytes.NewReader([]byte("%PDF-1.4\n")), io.LimitReader(zeros{}, 2<<20), cancelling{cancel})
	if _, err := db.AddEvidence(ctx, w.incident.ID, &haven.EvidenceItem{Kind: haven.EvidenceDocument}, r); err == nil {
		t.Fatal("a cancelled upload succeeded")
	}
	if n, _ := db.EvidenceRows(context.Background(), ""); n != 0 {
		t.Fatalf("%d rows after a cancelled upload", n)
	}
	// One left by a crash is pruned once it is old.
	if err := db.ExecRaw(context.Background(), `INSERT INTO evidence (id, incident_id, agency_id, kind, state, data, key_id, collected_by,
		collected_at, created_by, created_at) VALUES ('crashed', ?, ?, 'video', 'uploading', x'00', 'k', 'o', ?, 'o', ?)`,
		w.incident.ID, w.pd.ID, time.Now(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if n, err := db.PruneEvidenceUploads(context.Background()); err != nil || n != 0 {
		t.Fatalf("pruned a fresh upload: %d, %v", n, err)
	}
	if err := db.AgeEvidenceUploads(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, err := db.PruneEvidenceUploads(context.Background()); err != nil || n != 1 {
		t.Fatalf("pruned %d, %v", n, err)
	}
}

type cancelling struct{ cancel func() }

func (c cancelling) Read([]byte) (int, error) { c.cancel(); return 0, context.Canceled }

// FuzzThumbnail: whatever bytes a photo holds, making its thumbnail never
// panics, and what it makes is a JPEG that fits 320 × 320.
func FuzzThumbnail(f *testing.F) {
	f.Add(testPNG(f, 30, 20))
	f.Add(testJPEG(f, 20, 30))
	f.Add(withOrientation(testJPEG(f, 8, 4), 8))
	var g bytes.Buffer
	gif.Encode(&g, image.NewPaletted(image.Rect(0, 0, 3, 3), []color.Color{color.White}), nil)
	f.Add(g.Bytes())
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10, 'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 0x2a, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		out, w, h, err := store.EvidenceThumbnail(b)
		if err != nil {
			return
		}
		if w < 1 || h < 1 || w > 320 || h > 320 {
			t.Fatalf("thumbnail %d×%d", w, h)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(out))
		if err != nil || cfg.Width != w || cfg.Height != h {
			t.Fatalf("thumbnail does not decode as %d×%d: %+v %v", w, h, cfg, err)
		}
	})
}

// A key rotation re-seals every evidence value (RotateKeys walks
// resealEvidenceBatch); afterwards the files still open and still match
// their recorded SHA-256.
func TestEvidenceReseal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newEvidenceWorld(t, db)
		ctx := w.as(w.officer)
		doc := bytes.Repeat([]byte("a long typed statement\n"), 150000) // 3.4 MB: 4 chunks
		it, err := db.AddEvidence(ctx, w.incident.ID, &haven.EvidenceItem{Kind: haven.EvidenceDocument, Description: "typed"}, bytes.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		ph, err := db.AddEvidence(ctx, w.incident.ID, &haven.EvidenceItem{Kind: haven.EvidencePhoto}, bytes.NewReader(testPNG(t, 40, 40)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.TransferCustody(ctx, it.ID, "Lab", "note"); err != nil {
			t.Fatal(err)
		}
		if err := db.RotateKeys(storetest.System(), nil); err != nil {
			t.Fatal(err)
		}
		// Nothing is left under the old key: 2 items, 4+1 chunks, 1
		// thumbnail and 5 custody events were re-sealed by the rotation.
		before, after, err := db.ResealEvidence(context.Background())
		if err != nil || before != 0 || after != 0 {
			t.Fatalf("after the rotation: %d values under an old key, %d after a second pass, %v", before, after, err)
		}
		_, b := readAllFile(t, db, ctx, it.ID)
		if !bytes.Equal(b, doc) {
			t.Fatal("re-sealed file differs")
		}
		if v, err := db.VerifyEvidence(ctx, it.ID); err != nil || !v.Match {
			t.Fatalf("verify after reseal = %+v, %v", v, err)
		}
		if _, err := db.Thumbnail(ctx, ph.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := db.Evidence(ctx, it.ID); err != nil || got.Custodian != "Lab" || got.Description != "typed" {
			t.Fatalf("item after reseal = %+v, %v", got, err)
		}
		if a := custodyActions(t, db, ctx, it.ID); len(a) != 4 {
			t.Fatalf("custody after reseal = %v", a)
		}
	})
}
