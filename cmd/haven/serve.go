package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/demo"
	"github.com/haven-dv/haven/store"
	"github.com/haven-dv/haven/web"
)

// pruneEvery is how often serve deletes old login attempts and sessions.
const pruneEvery = 10 * time.Minute

var serveCommand = &command{
	name:     "serve",
	synopsis: "[--addr HOST:PORT] [--demo] [--tls-cert FILE --tls-key FILE] [flags]",
	summary:  "run the web server: the web pages and the JSON API",
	about: `Serves Haven's web pages and JSON API. Opens the database (applying any
pending migrations), listens on --addr and runs until interrupted (SIGINT or
SIGTERM), then finishes the requests in flight, waiting at most
--shutdown-timeout. Old login attempts and ended sessions are pruned every
10 minutes. With --demo, fictional demo data and accounts are loaded into an
empty database and the accounts' passwords are printed at every start.

Serves HTTPS when --tls-cert and --tls-key are both given. Behind a reverse
proxy that terminates TLS, use --trust-proxy and --secure-cookies.`,
	common: true,
	setup: func(f *flagSet, e *env) func(context.Context) error {
		s := new(serveFlags)
		s.register(f)
		return func(ctx context.Context) error { return s.run(ctx, e) }
	},
}

// serveFlags are serve's own settings; `haven config` shows them too.
type serveFlags struct {
	addr             string
	demo             bool
	tlsCert          string
	tlsKey           string
	trustProxy       bool
	secureCookies    autoBool
	sessionIdle      time.Duration
	sessionMax       time.Duration
	loginMaxFailures int
	lockout          time.Duration
	loginIPLimit     perMinute
	shutdownTimeout  time.Duration
	finderExitURL    string
	mapTiles         string
	mapMaxZoom       int
	mapMinCell       int
	suppressBelow    int
}

func (s *serveFlags) register(f *flagSet) {
	f.String(&s.addr, "addr", "127.0.0.1:8080", "HOST:PORT",
		"Address to listen on. The default accepts connections from this machine only; use :8080 or 0.0.0.0:8080 for every interface. Port 0 picks a free port.")
	f.Bool(&s.demo, "demo", false,
		"Load fictional demo agencies and accounts into an empty database, print the accounts' passwords and show a demo banner; then import the City of Chicago's 100,000-row sample (../shared/data/chicago, or HAVEN_DEMO_INCIDENTS) into metro-pd in the background, for the dashboards and the map. The data directory defaults to ./haven-demo.")
	f.String(&s.tlsCert, "tls-cert", "", "FILE", "TLS certificate chain (PEM). Give --tls-key too to serve HTTPS.")
	f.String(&s.tlsKey, "tls-key", "", "FILE", "TLS private key (PEM) for --tls-cert.")
	f.Bool(&s.trustProxy, "trust-proxy", false,
		"Take the client's address from X-Forwarded-For, for rate limits and logs. Only behind a reverse proxy you run, which must set that header; otherwise clients could choose their address.")
	f.String(&s.finderExitURL, "finder-exit-url", web.DefaultFinderExitURL, "URL",
		"Where the public finder's quick exit takes a visitor: an everyday site that gives nothing away. An absolute http(s) URL.")
	f.String(&s.mapTiles, "map-tiles", "", "URL",
		"Tile URL template for the analytics map's background, e.g. https://tile.example.org/{z}/{x}/{y}.png; empty (the default): no tiles, the map draws districts and cells on a plain background.")
	f.Int(&s.mapMaxZoom, "map-max-zoom", web.DefaultMapMaxZoom, "N", "The analytics map's closest zoom level (1 to 19): cells, never addresses.")
	f.Int(&s.mapMinCell, "map-min-cell", int(web.DefaultMinCellM), "METRES", "The smallest hotspot or density cell the API computes, in metres (at least 50).")
	f.Int(&s.suppressBelow, "suppress-threshold", 5, "N",
		"Counts from 1 to N-1 are shown as \"<N\" in analytics exported outside the agency; 1 turns suppression off.")
	s.secureCookies = autoBool{}
	f.Var(&s.secureCookies, "secure-cookies", "true|false|auto",
		"Mark cookies Secure, so browsers send them over HTTPS only. auto: on when serving TLS. Set it to true behind a proxy that terminates TLS.")
	f.Duration(&s.sessionIdle, "session-idle", 30*time.Minute, "End a sign-in session that has not been used for this long.")
	f.Duration(&s.sessionMax, "session-max", 12*time.Hour, "End a sign-in session this long after sign-in, used or not.")
	f.Int(&s.loginMaxFailures, "login-max-failures", 5, "N",
		"Failed sign-ins to one account name, within --lockout, that lock it until --lockout has passed.")
	f.Duration(&s.lockout, "lockout", 15*time.Minute, "Window for counting failed sign-ins, and how long a locked account name stays locked.")
	s.loginIPLimit = 20
	f.Var(&s.loginIPLimit, "login-ip-limit", "N/min",
		"Failed sign-ins per minute from one client address before further attempts are refused (HTTP 429).")
	f.Duration(&s.shutdownTimeout, "shutdown-timeout", 15*time.Second,
		"On SIGINT or SIGTERM, how long to let requests in flight finish before closing their connections.")
}

// validate checks values that parse but make no sense.
func (s *serveFlags) validate(f *flagSet) error {
	if (s.tlsCert == "") != (s.tlsKey == "") {
		return usageErrorf("--tls-cert and --tls-key go together: give both to serve HTTPS, or neither")
	}
	if _, _, err := net.SplitHostPort(s.addr); err != nil {
		return usageErrorf("invalid value %q for --addr (%s): want HOST:PORT such as 127.0.0.1:8080 or :8080", s.addr, f.describe("addr"))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"session-idle", s.sessionIdle}, {"session-max", s.sessionMax}, {"lockout", s.lockout}, {"shutdown-timeout", s.shutdownTimeout}} {
		if d.v <= 0 {
			return usageErrorf("--%s must be longer than 0 (%s gave %s)", d.name, f.describe(d.name), formatDuration(d.v))
		}
	}
	for _, n := range []struct {
		name string
		v    int
	}{{"login-max-failures", s.loginMaxFailures}, {"login-ip-limit", int(s.loginIPLimit)}} {
		if n.v < 1 {
			return usageErrorf("--%s must be at least 1 (%s gave %d)", n.name, f.describe(n.name), n.v)
		}
	}
	if u, err := url.Parse(s.finderExitURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return usageErrorf("invalid value %q for --finder-exit-url (%s): want an absolute http(s) URL such as %s",
			s.finderExitURL, f.describe("finder-exit-url"), web.DefaultFinderExitURL)
	}
	if s.mapTiles != "" {
		if u, err := url.Parse(s.mapTiles); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return usageErrorf("invalid value %q for --map-tiles (%s): want an absolute http(s) URL template such as https://tile.example.org/{z}/{x}/{y}.png",
				s.mapTiles, f.describe("map-tiles"))
		}
	}
	switch {
	case s.mapMaxZoom < 1 || s.mapMaxZoom > 19:
		return usageErrorf("--map-max-zoom must be from 1 to 19 (%s gave %d)", f.describe("map-max-zoom"), s.mapMaxZoom)
	case s.mapMinCell < 50 || s.mapMinCell > 10000:
		return usageErrorf("--map-min-cell must be from 50 to 10000 metres (%s gave %d)", f.describe("map-min-cell"), s.mapMinCell)
	case s.suppressBelow < 1:
		return usageErrorf("--suppress-threshold must be at least 1 (%s gave %d)", f.describe("suppress-threshold"), s.suppressBelow)
	}
	return nil
}

func (s *serveFlags) tls() bool { return s.tlsCert != "" && s.tlsKey != "" }

func (s *serveFlags) storeConfig(cfg *store.Config) {
	cfg.SessionIdle = s.sessionIdle
	cfg.SessionMax = s.sessionMax
	cfg.LoginMaxFailures = s.loginMaxFailures
	cfg.LockoutWindow = s.lockout
	cfg.LoginIPLimit = int(s.loginIPLimit)
}

func (s *serveFlags) run(ctx context.Context, e *env) error {
	if err := s.validate(e.flags); err != nil {
		return err
	}
	// Cancelled by the first SIGINT or SIGTERM; stop() below restores the
	// default, so that a second one ends the process at once.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	var tlsConfig *tls.Config
	if s.tls() {
		cert, err := tls.LoadX509KeyPair(s.tlsCert, s.tlsKey)
		if err != nil {
			return haven.FieldErrorf(haven.EINVALID, "tls-cert", "cannot load the TLS certificate and key (--tls-cert, --tls-key): %v", err)
		}
		tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}

	dataDir := e.dataDir(s.demo)
	db, err := e.openDB(ctx, dataDir, s.storeConfig)
	if err != nil {
		return err
	}
	defer db.Close()

	var creds []demo.Credential
	if s.demo {
		// The demo's background import logs through slog's default logger:
		// make that the server's, so its lines come out in the same format.
		slog.SetDefault(e.log)
		var created bool
		if creds, created, err = demo.Ensure(ctx, db, dataDir); err != nil {
			return err
		}
		if created {
			e.log.Info("demo data loaded", "data_dir", dataDir)
		}
	}

	secure := s.secureCookies.resolve(s.tls())
	var demoStatus func() string
	if s.demo {
		demoStatus = func() string { return demoStatusLine(demo.ChicagoStatus()) }
	}
	srv, err := web.New(web.Config{Logger: e.log, SecureCookies: secure, TrustProxy: s.trustProxy, Demo: s.demo, DemoStatus: demoStatus,
		FinderExitURL: s.finderExitURL,
		MapTiles:      s.mapTiles, MapMaxZoom: s.mapMaxZoom, MinCellM: float64(s.mapMinCell), SuppressThreshold: s.suppressBelow},
		web.Services{Agencies: db, Users: db, Auth: db, Persons: db, BreakGlass: db, MFA: db, Incidents: db, Evidence: db, Risk: db,
			Consents: db, Cases: db, Plans: db, Referrals: db, Directory: db, Shelters: db, Audit: db, Ready: db.Ping,
			Analytics: db, Boundaries: db})
	if err != nil {
		return &haven.Error{Code: haven.EINTERNAL, Message: "cannot set up the web server", Err: err}
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10, // cookies and a few headers; Go's default is 1 MiB
		ErrorLog:          slog.NewLogLogger(e.log.Handler(), slog.LevelWarn),
	}

	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return &haven.Error{Code: haven.EUNAVAILABLE, Message: fmt.Sprintf("cannot listen on %s (--addr)", s.addr), Err: err}
	}
	url := listenURL(ln.Addr().String(), tlsConfig != nil)
	if e.m.Listening != nil {
		e.m.Listening(ln.Addr())
	}
	e.log.Info("listening", "addr", ln.Addr().String(), "tls", tlsConfig != nil, "secure_cookies", secure,
		"trust_proxy", s.trustProxy, "demo", s.demo, "database", db.Driver(), "version", haven.Version)
	if s.demo {
		writeDemoBanner(e.stdout, url, dataDir, creds)
	} else {
		fmt.Fprintf(e.stdout, "Haven is listening on %s\n", url)
	}

	var wg sync.WaitGroup
	pruneCtx, stopPrune := context.WithCancel(ctx)
	wg.Go(func() { prune(pruneCtx, db, e.log) })
	defer func() { stopPrune(); wg.Wait() }() // before db.Close

	errc := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			errc <- hs.ServeTLS(ln, "", "") // the certificate is in TLSConfig
		} else {
			errc <- hs.Serve(ln)
		}
	}()

	var serveErr error
	select {
	case serveErr = <-errc:
	case <-ctx.Done():
		e.log.Info("shutting down", "timeout", s.shutdownTimeout.String())
	}
	stop()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		e.log.Warn("requests still running at the shutdown timeout; closing their connections", "err", err)
		hs.Close()
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return &haven.Error{Code: haven.EUNAVAILABLE, Message: "the web server stopped", Err: serveErr}
	}
	e.log.Info("stopped")
	return nil
}

// prune deletes stale login attempts and sessions now and every pruneEvery.
func prune(ctx context.Context, db *store.DB, log *slog.Logger) {
	t := time.NewTicker(pruneEvery)
	defer t.Stop()
	for {
		if n, err := db.Prune(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Warn("prune failed", "err", err)
		} else {
			log.Debug("pruned", "rows", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// listenURL is the address to open in a browser. An unspecified host
// (0.0.0.0, ::) is shown as localhost, which reaches it from this machine.
func listenURL(addr string, tls bool) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port) + "/"
}

// writeDemoBanner tells the person who started the demo where it is and
// how to sign in.
func writeDemoBanner(w io.Writer, url, dataDir string, creds []demo.Credential) {
	file := filepath.Join(dataDir, demo.CredentialsFile)
	fmt.Fprintf(w, "Haven demo (fictional data) is running at %s\n\n", url)
	if len(creds) == 0 {
		fmt.Fprintf(w, "The demo accounts' passwords are not in %s (the demo data was loaded elsewhere).\n", file)
		fmt.Fprintf(w, "Give an account a new password with: haven user reset-password --user admin (and the same --data or --db)\n")
		return
	}
	fmt.Fprintf(w, "Sign in with one of these demo accounts (also in %s):\n\n", file)
	tw := newTable(w)
	fmt.Fprintln(tw, "  USERNAME\tPASSWORD\tROLE\tAGENCY")
	for _, c := range creds {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", c.Username, c.Password, c.Role, c.Agency)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nOpen %s in a browser. Press Ctrl-C to stop.\n", url)
}

// demoStatusLine is the demo banner's progress line while the Chicago
// sample loads in the background, "" once it is done.
func demoStatusLine(st demo.ImportStatus) string {
	switch st.State {
	case "importing":
		pct := 0
		if st.Size > 0 {
			pct = int(st.Read * 100 / st.Size)
		}
		return fmt.Sprintf("Loading the Chicago sample: %d%% (%d incidents so far); counts and maps grow until it is done.", pct, st.Imported+st.Already)
	case "failed":
		return "The Chicago sample could not be loaded; see the server log."
	}
	return ""
}
