package telemetry

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"

	"github.com/rs/zerolog"
)

// Role is what a token may do on the admin endpoint. Roles are ordered:
// write includes read, admin includes both.
type Role int

// The roles.
const (
	RoleRead  Role = 1 // /metrics
	RoleWrite Role = 2 // reserved for endpoints that change data
	RoleAdmin Role = 3 // /debug/pprof/
)

func (r Role) String() string {
	switch r {
	case RoleRead:
		return "read"
	case RoleWrite:
		return "write"
	case RoleAdmin:
		return "admin"
	}
	return fmt.Sprintf("role(%d)", int(r))
}

// ParseRole parses "read", "write" or "admin".
func ParseRole(s string) (Role, error) {
	for _, r := range []Role{RoleRead, RoleWrite, RoleAdmin} {
		if strings.EqualFold(s, r.String()) {
			return r, nil
		}
	}
	return 0, fmt.Errorf("unknown role %q (want read, write or admin)", s)
}

// Token is a bearer token of the admin endpoint and its role. Its Secret
// is never logged nor printed (String hides it).
type Token struct {
	Secret string
	Role   Role
}

// MinTokenLength is the shortest accepted secret.
const MinTokenLength = 16

func (t Token) String() string { return "token(" + t.Role.String() + ", redacted)" }

// ParseTokens reads tokens, one per line as "<role> <secret>"; blank lines
// and lines starting with # are skipped. Errors name the line, never the
// secret.
func ParseTokens(text string) ([]Token, error) {
	var out []Token
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		role, secret, ok := strings.Cut(line, " ")
		secret = strings.TrimSpace(secret)
		if !ok || secret == "" {
			return nil, fmt.Errorf("line %d: want \"<role> <secret>\"", i+1)
		}
		r, err := ParseRole(role)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		if len(secret) < MinTokenLength {
			return nil, fmt.Errorf("line %d: the secret is shorter than %d bytes", i+1, MinTokenLength)
		}
		out = append(out, Token{Secret: secret, Role: r})
	}
	return out, nil
}

// authorizer checks bearer tokens. With no tokens, every route that needs
// only read is open (the loopback default) and admin routes are refused.
type authorizer struct {
	tokens []hashedToken
	log    zerolog.Logger
}

type hashedToken struct {
	sum  [32]byte
	role Role
}

func newAuthorizer(tokens []Token, log zerolog.Logger) *authorizer {
	a := &authorizer{log: log}
	for _, t := range tokens {
		a.tokens = append(a.tokens, hashedToken{sum: sha256.Sum256([]byte(t.Secret)), role: t.Role})
	}
	return a
}

// role returns the role of the request's bearer token, 0 for none or an
// unknown one. Comparing SHA-256 sums in constant time hides the length
// and the content of the secrets from timing.
func (a *authorizer) role(r *http.Request) Role {
	h := r.Header.Get("Authorization")
	scheme, secret, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return 0
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(secret)))
	var best Role
	for _, t := range a.tokens {
		if subtle.ConstantTimeCompare(sum[:], t.sum[:]) == 1 {
			best = max(best, t.role)
		}
	}
	return best
}

// require wraps next so that it answers only requests whose token has at
// least role: 401 without a valid token, 403 with too small a role.
func (a *authorizer) require(role Role, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(a.tokens) == 0 && role == RoleRead {
			next.ServeHTTP(w, r) // no tokens configured: read routes are open
			return
		}
		got := a.role(r)
		switch {
		case got == 0:
			a.refuse(w, r, http.StatusUnauthorized, role, got)
		case got < role:
			a.refuse(w, r, http.StatusForbidden, role, got)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

func (a *authorizer) refuse(w http.ResponseWriter, r *http.Request, status int, need, got Role) {
	// Never the Authorization header: only what was asked and by whom.
	a.log.Warn().Str("path", r.URL.Path).Str("remote", r.RemoteAddr).Str("need", need.String()).
		Bool("token_valid", got != 0).Int("status", status).Msg("admin endpoint refused a request")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="actorstore"`)
	}
	http.Error(w, http.StatusText(status), status)
}
