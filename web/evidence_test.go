package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/store/storetest"
	"github.com/haven-dv/haven/web"
)

func evidencePNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// multipartBody builds an upload: the fields in order, then the file.
func multipartBody(t *testing.T, fields [][2]string, fileName string, file io.Reader) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	if file != nil {
		fw, err := mw.CreateFormFile("file", fileName)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(fw, file); err != nil {
			t.Fatal(err)
		}
	}
	mw.Close()
	return mw.FormDataContentType(), &buf
}

// upload posts an upload with user's token.
func (e *env) upload(path, user, ctype string, body io.Reader) (*http.Response, string) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, body)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+e.tokens[user])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (e *env) incident(t *testing.T, user string) string {
	t.Helper()
	in := &haven.Incident{Domestic: true}
	if err := e.db.CreateIncident(storetest.As(e.users[user]), in); err != nil {
		t.Fatal(err)
	}
	return in.ID
}

func TestEvidenceAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		inc := e.incident(t, "officer")
		photo := evidencePNG(t, 640, 480)
		sum := sha256.Sum256(photo)
		ct, body := multipartBody(t, [][2]string{{"kind", "photo"}, {"description", "Marks on the neck"}, {"collected_at", "2026-01-05T21:30:00-06:00"}},
			"neck.png", bytes.NewReader(photo))
		resp, b := e.upload("/api/v1/incidents/"+inc+"/evidence", "officer", ct, body)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("upload = %d: %s", resp.StatusCode, b)
		}
		var it haven.EvidenceItem
		if err := json.Unmarshal([]byte(b), &it); err != nil {
			t.Fatal(err)
		}
		if it.SHA256 != hex.EncodeToString(sum[:]) || it.ContentType != "image/png" || !it.HasThumbnail || it.FileName != "neck.png" {
			t.Fatalf("created = %+v", it)
		}
		if resp.Header.Get("Location") != "/api/v1/evidence/"+it.ID {
			t.Fatalf("Location = %s", resp.Header.Get("Location"))
		}

		// The file, as a download that nothing will render or sniff.
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/evidence/"+it.ID+"/file", nil)
		req.Header.Set("Authorization", "Bearer "+e.tokens["supervisor"])
		fr, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(fr.Body)
		fr.Body.Close()
		if fr.StatusCode != 200 || !bytes.Equal(got, photo) {
			t.Fatalf("file = %d, %d bytes", fr.StatusCode, len(got))
		}
		for h, want := range map[string]string{"Content-Type": "image/png", "Content-Disposition": `attachment; filename=neck.png`,
			"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store", "Content-Security-Policy": "sandbox"} {
			if v := fr.Header.Get(h); !strings.Contains(v, want) {
				t.Errorf("%s = %q, want %q", h, v, want)
			}
		}
		req, _ = http.NewRequest("GET", e.srv.URL+"/api/v1/evidence/"+it.ID+"/thumbnail", nil)
		req.Header.Set("Authorization", "Bearer "+e.tokens["officer"])
		tr, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := jpeg.DecodeConfig(tr.Body)
		tr.Body.Close()
		if err != nil || tr.StatusCode != 200 || cfg.Width != 320 || cfg.Height != 240 {
			t.Fatalf("thumbnail = %d %+v %v", tr.StatusCode, cfg, err)
		}

		for _, sc := range []struct {
			name, method, path, user, body string
			status                         int
			contains                       string
		}{
			{"list", "GET", "/api/v1/incidents/" + inc + "/evidence", "officer", "", 200, `"sha256":"` + it.SHA256},
			{"item", "GET", "/api/v1/evidence/" + it.ID, "supervisor", "", 200, `"description":"Marks on the neck"`},
			{"transfer", "POST", "/api/v1/evidence/" + it.ID + "/custody", "officer", `{"to":"Crime lab","note":"for enhancement"}`, 201, `"from":"officer"`},
			{"transfer nobody", "POST", "/api/v1/evidence/" + it.ID + "/custody", "officer", `{"to":""}`, 422, `"field":"to"`},
			{"bad custody action", "POST", "/api/v1/evidence/" + it.ID + "/custody", "officer", `{"action":"lost","to":"x"}`, 422, `"field":"action"`},
			{"custody", "GET", "/api/v1/evidence/" + it.ID + "/custody", "officer", "", 200, `"action":"downloaded"`},
			{"verify", "GET", "/api/v1/evidence/" + it.ID + "/verify", "officer", "", 200, `"match":true`},
			{"physical as JSON", "POST", "/api/v1/incidents/" + inc + "/evidence", "officer", `{"kind":"physical","description":"Broken phone"}`, 201, `"has_file":false`},
			{"physical without description", "POST", "/api/v1/incidents/" + inc + "/evidence", "officer", `{"kind":"physical"}`, 422, `"field":"description"`},
			{"bad kind", "POST", "/api/v1/incidents/" + inc + "/evidence", "officer", `{"kind":"hunch","description":"x"}`, 422, `"field":"kind"`},
			{"bad collected_at", "POST", "/api/v1/incidents/" + inc + "/evidence", "officer", `{"kind":"physical","description":"x","collected_at":"yesterday"}`, 422, `"field":"collected_at"`},
			{"unknown JSON field", "POST", "/api/v1/incidents/" + inc + "/evidence", "officer", `{"kind":"physical","sha256":"x"}`, 400, `"field":"sha256"`},
			{"other agency: item", "GET", "/api/v1/evidence/" + it.ID, "shelter", "", 404, `"evidence not found"`},
			{"other agency: file", "GET", "/api/v1/evidence/" + it.ID + "/file", "shelter", "", 404, `"evidence not found"`},
			{"other agency: list", "GET", "/api/v1/incidents/" + inc + "/evidence", "shelter", "", 404, `"incident not found"`},
			{"other agency: add", "POST", "/api/v1/incidents/" + inc + "/evidence", "shelter", `{"kind":"physical","description":"x"}`, 404, `"incident not found"`},
			{"admin: item", "GET", "/api/v1/evidence/" + it.ID, "pdadmin", "", 404, `"evidence not found"`},
			{"no such item", "GET", "/api/v1/evidence/nope", "officer", "", 404, `"evidence not found"`},
		} {
			t.Run(sc.name, func(t *testing.T) {
				resp, body := e.do(sc.method, sc.path, sc.user, sc.body)
				if resp.StatusCode != sc.status || !strings.Contains(body, sc.contains) {
					t.Fatalf("%s %s = %d: %s (want %d with %s)", sc.method, sc.path, resp.StatusCode, body, sc.status, sc.contains)
				}
				if resp.StatusCode >= 400 {
					assertErrorBody(t, body)
				}
			})
		}
		// Nothing about the evidence reaches the log.
		if logs := e.logs.String(); strings.Contains(logs, "neck.png") || strings.Contains(logs, "Marks on the neck") || strings.Contains(logs, "Crime lab") {
			t.Error("the request log names evidence")
		}
	})
}

func TestEvidenceUploadChecks(t *testing.T) {
	e := newEnv(t, storetest.Open(t, "sqlite", storetest.Config()))
	inc := e.incident(t, "officer")
	path := "/api/v1/incidents/" + inc + "/evidence"
	post := func(fields [][2]string, name string, file io.Reader) (int, string) {
		t.Helper()
		ct, body := multipartBody(t, fields, name, file)
		resp, b := e.upload(path, "officer", ct, body)
		return resp.StatusCode, b
	}
	pdf := []byte("%PDF-1.7\n%%EOF\n")
	// The type is detected from the bytes, whatever the name or the part's header say.
	status, b := post([][2]string{{"kind", "photo"}}, "looks-like.jpg", bytes.NewReader(pdf))
	if status != 422 || !strings.Contains(b, `"field":"file"`) || !strings.Contains(b, "application/pdf") {
		t.Fatalf("mismatch = %d %s", status, b)
	}
	// Over the kind's limit: 413 on the field file, refused as it streams.
	big := io.MultiReader(bytes.NewReader(pdf), io.LimitReader(evidenceZeros{}, 25<<20))
	status, b = post([][2]string{{"kind", "document"}}, "big.pdf", big)
	if status != 413 || !strings.Contains(b, `"field":"file"`) || !strings.Contains(b, `"too_large"`) || !strings.Contains(b, "25 MiB") {
		t.Fatalf("too large = %d %s", status, b)
	}
	// Over the global 1 MiB body limit of other routes, under the kind's:
	// a 3 MiB document goes through.
	doc := bytes.Repeat([]byte("a statement, line after line\n"), 110000)
	status, b = post([][2]string{{"kind", "document"}, {"description", "typed statement"}}, "statement.txt", bytes.NewReader(doc))
	if status != 201 || !strings.Contains(b, `"size":`+evidenceItoa(len(doc))) {
		t.Fatalf("3 MiB document = %d %.300s", status, b)
	}
	// A file forgotten, an unknown kind, a field too long, no multipart.
	status, b = post([][2]string{{"kind", "video"}}, "", nil)
	if status != 422 || !strings.Contains(b, `"field":"file"`) {
		t.Fatalf("no file = %d %s", status, b)
	}
	status, b = post([][2]string{{"kind", "hologram"}}, "x.png", bytes.NewReader(pdf))
	if status != 422 || !strings.Contains(b, `"field":"kind"`) {
		t.Fatalf("bad kind = %d %s", status, b)
	}
	status, b = post([][2]string{{"kind", "photo"}, {"description", strings.Repeat("x", 40<<10)}}, "x.png", bytes.NewReader(pdf))
	if status != 422 || !strings.Contains(b, `"field":"description"`) {
		t.Fatalf("long field = %d %s", status, b)
	}
	resp, b := e.upload(path, "officer", "text/csv", strings.NewReader("a,b"))
	if resp.StatusCode != 400 {
		t.Fatalf("csv = %d %s", resp.StatusCode, b)
	}
	resp, b = e.upload(path, "officer", "multipart/form-data; boundary=zzz", strings.NewReader("garbage"))
	if resp.StatusCode != 400 {
		t.Fatalf("broken multipart = %d %s", resp.StatusCode, b)
	}
	// Other routes keep their 1 MiB limit.
	resp, _ = e.do("POST", "/api/v1/incidents/"+inc+"/evidence/extra", "officer", `{"x":"`+strings.Repeat("a", 2<<20)+`"}`)
	if resp.StatusCode != 404 {
		t.Fatalf("unknown route = %d", resp.StatusCode)
	}
	resp, b = e.do("POST", "/api/v1/persons", "officer", `{"given_name":"`+strings.Repeat("a", 2<<20)+`"}`)
	if resp.StatusCode != 400 {
		t.Fatalf("big JSON = %d %.200s", resp.StatusCode, b)
	}
}

type evidenceZeros struct{}

func (evidenceZeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func evidenceItoa(n int) string { b, _ := json.Marshal(n); return string(b) }

var thumbRE = regexp.MustCompile(`<img src="/evidence/([0-9a-f-]+)/thumbnail"`)

// postMultipart posts an upload from a signed-in browser.
func postMultipart(t *testing.T, c *http.Client, u string, fields [][2]string, name string, file []byte) (*http.Response, string) {
	t.Helper()
	var r io.Reader
	if file != nil {
		r = bytes.NewReader(file)
	}
	ct, body := multipartBody(t, fields, name, r)
	resp, err := c.Post(u, ct, body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestEvidencePages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		inc := e.incident(t, "officer")
		c := browserClient()
		csrf := login(t, e, c, "officer", storetest.Password)
		page := e.srv.URL + "/incidents/" + inc + "/evidence"

		resp, body := get(t, c, page)
		if resp.StatusCode != 200 || !strings.Contains(body, `accept="image/*" capture="environment"`) ||
			!strings.Contains(body, `enctype="multipart/form-data"`) || !strings.Contains(body, "No evidence yet") {
			t.Fatalf("evidence page = %d: %s", resp.StatusCode, body)
		}
		photo := evidencePNG(t, 400, 300)
		// Without the form's token nothing is stored.
		resp, _ = postMultipart(t, c, page, [][2]string{{"form", "photo"}, {"kind", "photo"}}, "p.png", photo)
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("upload without csrf = %d", resp.StatusCode)
		}
		resp, _ = postMultipart(t, c, page, [][2]string{{"csrf_token", "wrong"}, {"form", "photo"}, {"kind", "photo"}}, "p.png", photo)
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("upload with a wrong csrf = %d", resp.StatusCode)
		}
		if _, body := get(t, c, page); !strings.Contains(body, "No evidence yet") {
			t.Fatal("a refused upload was stored")
		}
		// The camera form.
		resp, body = postMultipart(t, c, page, [][2]string{{"csrf_token", csrf}, {"form", "photo"}, {"kind", "photo"}, {"description", "Scratches, left cheek"}}, "IMG_2001.png", photo)
		if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "done=evidence-added") {
			t.Fatalf("upload = %d %s: %s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		resp, body = get(t, c, page+"?done=evidence-added")
		m := thumbRE.FindStringSubmatch(body)
		if resp.StatusCode != 200 || m == nil || !strings.Contains(body, "Scratches, left cheek") || !strings.Contains(body, "SHA-256 was recorded") {
			t.Fatalf("list = %d: %s", resp.StatusCode, body)
		}
		id := m[1]
		resp, thumb := get(t, c, e.srv.URL+"/evidence/"+id+"/thumbnail")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("thumbnail = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if _, err := jpeg.Decode(strings.NewReader(thumb)); err != nil {
			t.Fatal(err)
		}
		resp, file := get(t, c, e.srv.URL+"/evidence/"+id+"/file")
		if resp.StatusCode != 200 || file != string(photo) || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("download = %d %s", resp.StatusCode, resp.Header.Get("Content-Disposition"))
		}
		// A wrong type on the other form: shown again, the input marked.
		resp, body = postMultipart(t, c, page, [][2]string{{"csrf_token", csrf}, {"form", "other"}, {"kind", "audio"}, {"description", "voicemail"}}, "vm.mp3", []byte("not audio at all"))
		if resp.StatusCode != 422 || !regexp.MustCompile(`id="file"[^>]*aria-invalid="true"`).MatchString(body) || !strings.Contains(body, "voicemail") ||
			!strings.Contains(body, "text/plain") {
			t.Fatalf("wrong type = %d: %s", resp.StatusCode, body)
		}
		// A physical item: the other form with no file chosen.
		resp, body = postMultipart(t, c, page, [][2]string{{"csrf_token", csrf}, {"form", "other"}, {"kind", "physical"}, {"description", "Torn shirt"}, {"collected_at", "2026-01-05T21:45"}}, "", []byte{})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("physical = %d: %s", resp.StatusCode, body)
		}

		// The item page: custody, hand-over, integrity check.
		item := e.srv.URL + "/evidence/" + id
		resp, body = get(t, c, item)
		if resp.StatusCode != 200 || !strings.Contains(body, "Chain of custody") || !strings.Contains(body, "downloaded") || !strings.Contains(body, "viewed") {
			t.Fatalf("item page = %d: %s", resp.StatusCode, body)
		}
		resp, body = post(t, c, item+"/custody", url.Values{"csrf_token": {csrf}, "action": {"transferred"}, "to": {""}})
		if resp.StatusCode != 422 || !strings.Contains(body, `aria-invalid="true"`) {
			t.Fatalf("empty hand-over = %d", resp.StatusCode)
		}
		resp, _ = post(t, c, item+"/custody", url.Values{"csrf_token": {csrf}, "action": {"transferred"}, "to": {"Property room"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("hand-over = %d", resp.StatusCode)
		}
		resp, body = post(t, c, item+"/verify", url.Values{"csrf_token": {csrf}})
		if resp.StatusCode != 200 || !strings.Contains(body, "Integrity confirmed") || !strings.Contains(body, "Property room") {
			t.Fatalf("verify = %d: %s", resp.StatusCode, body)
		}
		// Another agency's staff: the same not-found page as for no item.
		sc := browserClient()
		login(t, e, sc, "shelter", storetest.Password)
		r1, b1 := get(t, sc, item)
		r2, b2 := get(t, sc, e.srv.URL+"/evidence/00000000-0000-7000-8000-000000000000")
		if r1.StatusCode != 404 || r2.StatusCode != 404 || evidenceStripIDs(b1) != evidenceStripIDs(b2) {
			t.Fatalf("other agency = %d / %d", r1.StatusCode, r2.StatusCode)
		}
		if r, _ := get(t, sc, e.srv.URL+"/evidence/"+id+"/thumbnail"); r.StatusCode != 404 {
			t.Fatalf("other agency thumbnail = %d", r.StatusCode)
		}
	})
}

func evidenceStripIDs(s string) string { return requestIDRE.ReplaceAllString(s, "") }

// TestEvidenceSlowUploadAndTamperedDownload: an upload slower than the
// server's read timeout still arrives (the handler extends its deadline);
// HEAD describes a file without downloading it; a file whose recorded
// hash no longer matches never arrives complete.
func TestEvidenceSlowUploadAndTamperedDownload(t *testing.T) {
	cfg := storetest.Config()
	cfg.DataDir = t.TempDir()
	db, err := store.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e := newEnv(t, db)
	s, err := web.New(web.Config{}, web.ServicesFor(db))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(s.Handler())
	srv.Config.ReadTimeout = 300 * time.Millisecond
	srv.Config.WriteTimeout = 300 * time.Millisecond
	srv.Start()
	defer srv.Close()
	inc := e.incident(t, "officer")

	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		mw.WriteField("kind", "document")
		fw, _ := mw.CreateFormFile("file", "slow.txt")
		for i := 0; i < 8; i++ {
			fw.Write(bytes.Repeat([]byte("slowly typed words\n"), 1000))
			time.Sleep(100 * time.Millisecond)
		}
		mw.Close()
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/incidents/"+inc+"/evidence", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+e.tokens["officer"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("slow upload = %d: %s", resp.StatusCode, b)
	}
	var it haven.EvidenceItem
	json.Unmarshal(b, &it)
	if it.Size != 8*19000 {
		t.Fatalf("size = %d", it.Size)
	}

	req, _ = http.NewRequest("HEAD", srv.URL+"/api/v1/evidence/"+it.ID+"/file", nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens["officer"])
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ContentLength != it.Size || resp.Header.Get("Content-Type") != "text/plain" {
		t.Fatalf("HEAD = %d, %d bytes, %s", resp.StatusCode, resp.ContentLength, resp.Header.Get("Content-Type"))
	}
	evs, err := db.Custody(storetest.As(e.users["officer"]), it.ID)
	if err != nil || len(evs) != 2 {
		t.Fatalf("HEAD recorded custody events: %+v %v", evs, err)
	}

	// An attacker with the database changes the recorded hash.
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(cfg.DataDir, "haven.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE evidence SET sha256 = ? WHERE id = ?`, strings.Repeat("0", 64), it.ID); err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest("GET", srv.URL+"/api/v1/evidence/"+it.ID+"/file", nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens["officer"])
	resp, err = http.DefaultClient.Do(req)
	if err == nil {
		got, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		if rerr == nil && int64(len(got)) == it.Size {
			t.Fatalf("a file with a wrong hash arrived complete (%d)", resp.StatusCode)
		}
	}
}
