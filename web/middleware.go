package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/haven-dv/haven"
)

type ctxKey int

const (
	infoKey ctxKey = iota
	sessionKey
)

// reqInfo is filled in as a request goes through the layers, for the one
// log line and the metrics written when it is done.
type reqInfo struct {
	id     string
	route  string // the matched pattern, set by guard
	userID string // set by authenticate
}

func info(ctx context.Context) *reqInfo {
	if i, ok := ctx.Value(infoKey).(*reqInfo); ok {
		return i
	}
	return &reqInfo{}
}

func requestID(ctx context.Context) string { return info(ctx).id }

func sessionFrom(ctx context.Context) *haven.Session {
	s, _ := ctx.Value(sessionKey).(*haven.Session)
	return s
}

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// statusWriter records the status and size for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe gives each request an id, recovers panics, and writes one log
// line and the metrics. The log line names the route pattern, never the
// raw path or query, which could carry a name someone searched for.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-ID")
		if !requestIDRE.MatchString(id) {
			b := make([]byte, 8)
			rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-ID", id)
		ri := &reqInfo{id: id, route: "unmatched"}
		ctx := context.WithValue(r.Context(), infoKey, ri)
		// The audit log records which request did what, and from where.
		ctx = haven.NewContextWithRequest(ctx, haven.Request{ID: id, ClientIP: s.clientIP(r)})
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
		if !isStreamedUpload(r) { // evidence uploads stream, with their own limit per kind (web/evidence.go)
			r.Body = http.MaxBytesReader(sw, r.Body, maxJSONBody)
		}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(ctx, "panic", "request_id", id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if sw.status == 0 {
					s.fail(sw, r, haven.Internal(fmt.Errorf("panic: %v", p)))
				}
			}
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			route := ri.route
			elapsed := time.Since(start)
			s.metrics.observe(r.Method, route, status, elapsed)
			s.log.LogAttrs(ctx, levelFor(status), "request",
				slog.String("request_id", id), slog.String("method", r.Method), slog.String("route", route),
				slog.Int("status", status), slog.Int("bytes", sw.bytes),
				slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000), slog.String("user_id", ri.userID))
		}()
		next.ServeHTTP(sw, r)
	})
}

// securityHeaders sets a strict CSP and the usual headers. Pages and API
// answers carry personal data, so nothing but static assets may be cached.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(self), payment=(), usb=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		if s.cfg.SecureCookies {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

const sessionCookie = "haven_session"

// authenticate puts the actor in the context: from a bearer token when one
// is sent (a wrong token is an error, never a fallback to the cookie), or
// from the session cookie. Anonymous requests pass through; routes that
// need an actor check for one.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, token, _ := strings.Cut(h, " ")
			if !strings.EqualFold(scheme, "Bearer") || token == "" {
				s.apiErr(w, r, haven.Errorf(haven.EUNAUTHORIZED, "send the API token as 'Authorization: Bearer <token>'"))
				return
			}
			actor, err := s.svc.Auth.TokenActor(ctx, strings.TrimSpace(token))
			if err != nil {
				s.apiErr(w, r, err)
				return
			}
			info(ctx).userID = actor.UserID
			next.ServeHTTP(w, r.WithContext(haven.NewContextWithActor(ctx, actor)))
			return
		}
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			actor, sess, err := s.svc.Auth.SessionActor(ctx, c.Value)
			switch haven.ErrorCode(err) {
			case "":
				info(ctx).userID = actor.UserID
				ctx = haven.NewContextWithActor(ctx, actor)
				ctx = context.WithValue(ctx, sessionKey, sess)
			case haven.EUNAUTHORIZED:
				s.clearSessionCookie(w) // ended: forget it, continue as anonymous
			default:
				s.fail(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Server) setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
}

// clientIP is the address rate limits count against.
func (s *Server) clientIP(r *http.Request) string {
	if s.cfg.TrustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			// The last entry is the one our own proxy added; earlier ones are the client's word.
			if ip := net.ParseIP(strings.TrimSpace(parts[len(parts)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// isAPI reports whether the request should be answered in JSON.
func isAPI(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || r.Header.Get("Authorization") != ""
}

// fail answers err in the form the client expects.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if isAPI(r) {
		s.apiErr(w, r, err)
		return
	}
	s.errorPage(w, r, err)
}

func levelFor(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}
