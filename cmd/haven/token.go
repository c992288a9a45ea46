package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/haven-dv/haven"
)

var tokenCreateCommand = &command{
	name:     "token create",
	synopsis: "--user NAME [--name LABEL] [--expires DURATION] [flags]",
	summary:  "issue an API bearer token for an integration",
	about: `Issues a bearer token that acts as the given user in the JSON API
(Authorization: Bearer TOKEN). The token is printed once, alone on the last
line of output, so that scripts can take it with tail -n 1; only its hash is
stored. Give integrations their own user, with the least role they need.`,
	common: true,
	setup: func(f *flagSet, e *env) func(context.Context) error {
		var username, label string
		var expires time.Duration
		f.String(&username, "user", "", "NAME", "Username the token acts as (required).")
		f.String(&label, "name", "api", "LABEL", "What the token is for, to tell tokens apart in lists.")
		f.Duration(&expires, "expires", 0, "How long until the token expires, such as 720h; 0 means never.")
		return func(ctx context.Context) error {
			if err := f.required("user"); err != nil {
				return err
			}
			if expires < 0 {
				return usageErrorf("--expires must be 0 (never) or longer (%s gave %s)", f.describe("expires"), formatDuration(expires))
			}
			db, u, err := e.openUser(ctx, username)
			if err != nil {
				return err
			}
			defer db.Close()
			var expiresAt *time.Time
			if expires > 0 {
				t := time.Now().Add(expires).UTC()
				expiresAt = &t
			}
			secret, tok, err := db.CreateToken(ctx, u.ID, label, expiresAt)
			if err != nil {
				return err
			}
			until := "never expires"
			if tok.ExpiresAt != nil {
				until = "expires " + formatTime(tok.ExpiresAt)
			}
			fmt.Fprintf(e.stdout, "Created API token %s %q for %s (%s, %s).\n", tok.ID, tok.Name, u.Username, tok.Prefix, until)
			fmt.Fprintln(e.stdout, "Copy it now; it cannot be shown again:")
			fmt.Fprintln(e.stdout, secret)
			return nil
		}
	},
}

var tokenListCommand = &command{
	name:     "token list",
	synopsis: "--user NAME [flags]",
	summary:  "list a user's API tokens",
	about: `Lists a user's API tokens, newest first, with their status. Secrets are
never shown, only their first characters (the prefix), to recognise a token.`,
	common: true,
	setup: func(f *flagSet, e *env) func(context.Context) error {
		var username string
		f.String(&username, "user", "", "NAME", "Username whose tokens to list (required).")
		return func(ctx context.Context) error {
			if err := f.required("user"); err != nil {
				return err
			}
			db, u, err := e.openUser(ctx, username)
			if err != nil {
				return err
			}
			defer db.Close()
			toks, err := db.FindTokens(ctx, u.ID)
			if err != nil {
				return err
			}
			now := time.Now()
			tw := newTable(e.stdout)
			fmt.Fprintln(tw, "ID\tNAME\tPREFIX\tSTATUS\tCREATED\tEXPIRES\tLAST USED")
			for _, t := range toks {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Prefix, tokenStatus(t, now),
					formatTime(&t.CreatedAt), formatTime(t.ExpiresAt), formatTime(t.LastUsedAt))
			}
			return tw.Flush()
		}
	},
}

func tokenStatus(t *haven.APIToken, now time.Time) string {
	switch {
	case t.RevokedAt != nil:
		return "revoked"
	case !t.Active(now):
		return "expired"
	}
	return "active"
}

var tokenRevokeCommand = &command{
	name:     "token revoke",
	synopsis: "--id ID [flags]",
	summary:  "revoke an API token at once",
	about: `Revokes an API token: it stops working at once. 'haven token list --user
NAME' shows the ids.`,
	common: true,
	setup: func(f *flagSet, e *env) func(context.Context) error {
		var id string
		f.String(&id, "id", "", "ID", "Id of the token, from 'haven token list' (required).")
		return func(ctx context.Context) error {
			if err := f.required("id"); err != nil {
				return err
			}
			db, err := e.openDB(ctx, e.common.data, nil)
			if err != nil {
				return err
			}
			defer db.Close()
			id = strings.TrimSpace(id)
			if err := db.RevokeToken(ctx, id); haven.ErrorCode(err) == haven.ENOTFOUND {
				return haven.FieldErrorf(haven.ENOTFOUND, "id", "no API token with id %q; 'haven token list --user NAME' shows them", id)
			} else if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Revoked API token %s.\n", id)
			return nil
		}
	},
}
