package store

import (
	"encoding/binary"
	"fmt"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/haven-dv/haven"
)

// evidenceExtTypes are the types a file name's extension names, for the
// audio and video formats whose bytes http.DetectContentType does not
// settle (MP3 without an ID3 tag, M4A, QuickTime).
var evidenceExtTypes = map[string]string{
	".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".wav": "audio/wav", ".ogg": "audio/ogg", ".oga": "audio/ogg",
	".opus": "audio/ogg", ".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime", ".qt": "video/quicktime",
	".webm": "video/webm",
}

// sniffEvidence names the content type of a file from its first bytes
// (up to 512) and, where the bytes allow more than one, its name. It never
// trusts the type the client declared.
func sniffEvidence(kind haven.EvidenceKind, head []byte, name string) string {
	ct, _, _ := mime.ParseMediaType(http.DetectContentType(head))
	ext := strings.ToLower(path.Ext(name))
	switch ct {
	case "audio/wave":
		return "audio/wav"
	case "application/ogg":
		// Ogg holds audio (Vorbis, Opus) or, rarely, video (Theora).
		if kind == haven.EvidenceVideo || ext == ".ogv" {
			return "video/ogg"
		}
		return "audio/ogg"
	case "video/mp4", "application/octet-stream":
		// ISO base media files: the major brand says MP4 video, M4A audio
		// or QuickTime; a generic brand takes the extension's word.
		if brand, ok := ftypBrand(head); ok {
			switch {
			case brand == "qt  ":
				return "video/quicktime"
			case brand == "M4A " || brand == "M4B " || brand == "M4P ":
				return "audio/mp4"
			case ext == ".m4a" || (kind == haven.EvidenceAudio && ext != ".mp4" && ext != ".m4v" && ext != ".mov"):
				return "audio/mp4"
			case ext == ".mov" || ext == ".qt":
				return "video/quicktime"
			}
			return "video/mp4"
		}
		if ct == "video/mp4" {
			return ct
		}
		// QuickTime files from older cameras start with a moov, mdat,
		// wide or free atom instead of ftyp.
		if len(head) >= 8 && (ext == ".mov" || ext == ".qt") {
			switch string(head[4:8]) {
			case "moov", "mdat", "wide", "free", "skip", "pnot":
				return "video/quicktime"
			}
		}
		// MPEG audio without an ID3 tag starts with a frame sync; random
		// bytes can too, so the name must agree.
		if len(head) >= 2 && head[0] == 0xFF && head[1]&0xE0 == 0xE0 && ext == ".mp3" {
			return "audio/mpeg"
		}
	}
	return ct
}

// ftypBrand returns the major brand of an ISO base media file (MP4, M4A,
// MOV with an ftyp box).
func ftypBrand(head []byte) (string, bool) {
	if len(head) < 12 || string(head[4:8]) != "ftyp" {
		return "", false
	}
	if size := binary.BigEndian.Uint32(head[:4]); size < 12 {
		return "", false
	}
	return string(head[8:12]), true
}

// typeNames are how error messages name content types.
var typeNames = map[string]string{
	"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WebP", "application/pdf": "PDF",
	"text/plain": "plain text", "audio/mpeg": "MP3", "audio/wav": "WAV", "audio/ogg": "Ogg", "audio/mp4": "M4A (MPEG-4 audio)",
	"video/mp4": "MP4", "video/webm": "WebM", "video/quicktime": "QuickTime (MOV)",
}

func typeName(ct string) string {
	if n, ok := typeNames[ct]; ok {
		return n
	}
	return ct
}

// checkEvidenceType detects the file's type and checks it against the
// kind's allow list. A mismatch is an "invalid" error on the field "file"
// that says what was detected.
func checkEvidenceType(rule haven.EvidenceRule, head []byte, name string) (string, error) {
	ct := sniffEvidence(rule.Kind, head, name)
	for _, t := range rule.Types {
		if t == ct {
			return ct, nil
		}
	}
	names := make([]string, len(rule.Types))
	for i, t := range rule.Types {
		names[i] = typeName(t)
	}
	allowed := strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	detected := "its contents were not recognised (" + ct + ")"
	if ct != "application/octet-stream" {
		detected = "it was detected as " + ct
		if n, ok := typeNames[ct]; ok {
			detected = fmt.Sprintf("it was detected as %s (%s)", n, ct)
		}
	}
	if brand, ok := ftypBrand(head); ok && (brand == "heic" || brand == "heix" || brand == "mif1" || brand == "heim") {
		detected = "it was detected as HEIC (image/heic); set the camera to take JPEG photos (\"Most compatible\") or export the photo as JPEG"
	}
	return "", haven.FieldErrorf(haven.EINVALID, "file", "a %s must be %s; %s", strings.ToLower(rule.Label), allowed, detected)
}
