package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haven-dv/haven/demo"
	"github.com/haven-dv/haven/store/storetest"
)

// server is a serve command running in-process.
type server struct {
	addr           string
	stdout, stderr *syncBuffer
	done           chan error
	cancel         context.CancelFunc
}

// startServe runs serve with args until the test stops it or ends.
func startServe(t *testing.T, m *Main, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{stdout: new(syncBuffer), stderr: new(syncBuffer), done: make(chan error, 1), cancel: cancel}
	addrc := make(chan net.Addr, 1)
	m.Listening = func(a net.Addr) { addrc <- a }
	go func() { s.done <- m.Run(ctx, args, s.stdout, s.stderr) }()
	select {
	case a := <-addrc:
		s.addr = a.String()
	case err := <-s.done:
		cancel()
		t.Fatalf("serve ended before listening: %v\n%s", err, s.stderr)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatal("serve did not start listening within 30s")
	}
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop cancels serve's context, as SIGINT would, and returns Run's error.
func (s *server) stop(t *testing.T) error {
	t.Helper()
	s.cancel()
	select {
	case err, ok := <-s.done:
		if ok {
			close(s.done)
		}
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down within 20s of cancellation")
	}
	return nil
}

func get(t *testing.T, c *http.Client, url string) int {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestServeDemo(t *testing.T) {
	eachDB(t, func(t *testing.T, tg target) {
		args := append([]string{"serve", "--demo", "--addr", "127.0.0.1:0", "--log-format", "text"}, tg.flags...)
		s := startServe(t, testMain(nil), args...)
		if code := get(t, http.DefaultClient, "http://"+s.addr+"/healthz"); code != http.StatusOK {
			t.Errorf("/healthz = %d", code)
		}
		if err := s.stop(t); err != nil {
			t.Fatalf("serve returned %v", err)
		}
		if _, err := net.DialTimeout("tcp", s.addr, time.Second); err == nil {
			t.Error("still accepting connections after shutdown")
		}

		out := s.stdout.String()
		if !strings.Contains(out, "http://"+s.addr+"/") {
			t.Errorf("URL not printed:\n%s", out)
		}
		file := filepath.Join(tg.cfg.DataDir, demo.CredentialsFile)
		fi, err := os.Stat(file)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", file, fi.Mode().Perm())
		}
		creds, err := demo.ReadCredentials(tg.cfg.DataDir)
		if err != nil || len(creds) != 7 {
			t.Fatalf("credentials: %d, %v", len(creds), err)
		}
		b, _ := os.ReadFile(file)
		if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 7 {
			t.Errorf("credentials file has %d lines, want 7", len(lines))
		}
		for _, c := range creds {
			if !strings.Contains(out, c.Username) || !strings.Contains(out, c.Password) {
				t.Errorf("credentials of %s not printed", c.Username)
			}
		}
		if !strings.Contains(s.stderr.String(), "demo data loaded") {
			t.Errorf("no log of the demo load:\n%s", s.stderr)
		}

		// A second start loads nothing and prints the same accounts.
		s = startServe(t, testMain(nil), args...)
		if err := s.stop(t); err != nil {
			t.Fatal(err)
		}
		for _, c := range creds {
			if !strings.Contains(s.stdout.String(), c.Password) {
				t.Errorf("second start: password of %s not printed", c.Username)
			}
		}
		if strings.Contains(s.stderr.String(), "demo data loaded") {
			t.Error("second start loaded demo data again")
		}
		_, created, err := demo.Ensure(storetest.System(), tg.open(t), tg.cfg.DataDir)
		if err != nil || created {
			t.Errorf("Ensure after serve: created %v, %v", created, err)
		}
	})
}

// Without --data, --demo keeps its data in ./haven-demo.
func TestServeDemoDefaultDir(t *testing.T) {
	t.Chdir(t.TempDir())
	s := startServe(t, testMain(nil), "serve", "--demo", "--addr", "127.0.0.1:0")
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"haven-demo/haven.db", "haven-demo/" + demo.CredentialsFile} {
		if _, err := os.Stat(f); err != nil {
			t.Error(err)
		}
	}
	if _, err := os.Stat("haven-data"); !os.IsNotExist(err) {
		t.Errorf("haven-data created: %v", err)
	}
}

func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	s := startServe(t, testMain(nil), "serve", "--addr", "127.0.0.1:0", "--data", dir,
		"--tls-cert", certFile, "--tls-key", keyFile)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if code := get(t, c, "https://"+s.addr+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz over TLS = %d", code)
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.stdout.String(), "https://"+s.addr+"/") {
		t.Errorf("https URL not printed: %s", s.stdout)
	}
}

func TestServeErrors(t *testing.T) {
	dir := t.TempDir()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	missing := filepath.Join(dir, "missing.pem")
	tests := []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"address in use", []string{"--addr", busy.Addr().String()}, 1, "cannot listen on " + busy.Addr().String()},
		{"missing certificate", []string{"--addr", "127.0.0.1:0", "--tls-cert", missing, "--tls-key", missing}, 1, "cannot load the TLS certificate"},
		{"only key", []string{"--tls-key", missing}, 2, "--tls-cert and --tls-key go together"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runMain(t, testMain(nil), append([]string{"serve", "--data", dir}, tt.args...)...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.contains) {
				t.Errorf("exit %d, stderr %q; want %d containing %q", r.code, r.stderr, tt.code, tt.contains)
			}
		})
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "haven test"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestDemoStatusLine(t *testing.T) {
	for _, c := range []struct {
		st   demo.ImportStatus
		want string
	}{
		{demo.ImportStatus{}, ""},
		{demo.ImportStatus{State: "absent"}, ""},
		{demo.ImportStatus{State: "done", Imported: 100000}, ""},
		{demo.ImportStatus{State: "importing", Read: 1, Size: 4, Imported: 20000, Already: 5000},
			"Loading the Chicago sample: 25% (25000 incidents so far); counts and maps grow until it is done."},
		{demo.ImportStatus{State: "importing"}, "Loading the Chicago sample: 0% (0 incidents so far); counts and maps grow until it is done."},
		{demo.ImportStatus{State: "failed", Error: "disk full"}, "The Chicago sample could not be loaded; see the server log."},
	} {
		if got := demoStatusLine(c.st); got != c.want {
			t.Errorf("%+v: %q, want %q", c.st, got, c.want)
		}
	}
}
