package totp

import (
	"fmt"
	"strconv"
	"strings"
)

// URI returns the otpauth:// key URI that enrols an authenticator app:
//
//	otpauth://totp/Issuer:account?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30
//
// Issuer and account are percent-encoded, colons included, so that neither
// can break the "Issuer:account" label, and spaces become %20 (some apps
// show a "+" literally). The issuer is repeated as a parameter, which newer
// apps prefer. With an empty issuer the label is the account alone.
func URI(secret, issuer, account string) string {
	var b strings.Builder
	b.WriteString("otpauth://totp/")
	if issuer != "" {
		b.WriteString(escape(issuer))
		b.WriteByte(':')
	}
	b.WriteString(escape(account))
	b.WriteString("?secret=")
	b.WriteString(escape(strings.ToUpper(strings.TrimRight(secret, "="))))
	if issuer != "" {
		b.WriteString("&issuer=")
		b.WriteString(escape(issuer))
	}
	b.WriteString("&algorithm=SHA1&digits=")
	b.WriteString(strconv.Itoa(Digits))
	b.WriteString("&period=")
	b.WriteString(strconv.Itoa(Period))
	return b.String()
}

// escape percent-encodes every byte except RFC 3986's unreserved characters,
// which is valid in a path segment and in a query value alike.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
