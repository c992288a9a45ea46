package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/auth"
	"github.com/haven-dv/haven/store"
)

var userCreateCommand = &command{
	name:     "user create",
	synopsis: "--agency SLUG --username NAME --role ROLE [--name DISPLAY] [--password-stdin] [flags]",
	summary:  "add a staff account",
	about: `Adds a staff account in an agency, with one role. Without --password-stdin a
strong temporary password is generated and printed; the user must change it
at first sign-in. With --password-stdin the first line of standard input is
the password (at least 12 characters), and it need not be changed.`,
	common: true,
	setup: func(f *flagSet, e *env) func(context.Context) error {
		var agency, username, role, name string
		var fromStdin bool
		f.String(&agency, "agency", "", "SLUG", "Slug of the agency the user works for (required).")
		f.String(&username, "username", "", "NAME", "Sign-in name: lowercase letters, digits, dots, hyphens, underscores (required).")
		f.String(&role, "role", "", "ROLE", "The user's one role: "+roleList()+" (required).")
		f.String(&name, "name", "", "DISPLAY", "Name shown to colleagues; defaults to the username.")
		f.Bool(&fromStdin, "password-stdin", false, "Read the password from the first line of standard input instead of generating one.")
		return func(ctx context.Context) error {
			if err := f.required("agency", "username", "role"); err != nil {
				return err
			}
			password, generated := auth.NewPassword(), true
			if fromStdin {
				var err error
				if password, err = readPassword(e.m.Stdin); err != nil {
					return err
				}
				generated = false
			}
			db, err := e.openDB(ctx, e.common.data, nil)
			if err != nil {
				return err
			}
			defer db.Close()
			a, err := agencyBySlug(ctx, db, agency)
			if err != nil {
				return err
			}
			u := &haven.User{AgencyID: a.ID, Username: username, DisplayName: name,
				Role: haven.Role(strings.TrimSpace(role)), MustChangePassword: generated}
			if err := db.CreateUser(ctx, u, password); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "Created user %s (%s in %s).\n", u.Username, u.Role, a.Slug)
			if generated {
				fmt.Fprintln(e.stdout, "Temporary password (shown once; it must be changed at first sign-in):")
				fmt.Fprintln(e.stdout, password)
			}
			return nil
		}
	},
}

// readPassword reads the first line of r, without its line ending.
func readPassword(r io.Reader) (string, error) {
	if r == nil {
		return "", haven.FieldErrorf(haven.EINVALID, "password-stdin", "no password on standard input")
	}
	line, err := bufio.NewReaderSize(io.LimitReader(r, 4096), 4096).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", haven.FieldErrorf(haven.EINVALID, "password-stdin", "cannot read the password from standard input: %v", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", haven.FieldErrorf(haven.EINVALID, "password-stdin", "no password on standard input")
	}
	return line, nil
}

var userListCommand = &command{
	name:     "user list",
	synopsis: "[--agency SLUG] [--role ROLE] [flags]",
	summary:  "list staff accounts",
	about: `Lists staff accounts, by agency name and username, with their status
(active, disabled, must-change-password) and last sign-in.`,
	common: true,
	setup: func(f *flagSet, e *env) func(context.Context) error {
		var agency, role string
		f.String(&agency, "agency", "", "SLUG", "Only this agency's users.")
		f.String(&role, "role", "", "ROLE", "Only users with this role.")
		return func(ctx context.Context) error {
			var filter haven.UserFilter
			if role != "" {
				if filter.Role = haven.Role(strings.TrimSpace(role)); !filter.Role.Valid() {
					return usageErrorf("invalid value %q for --role: want one of %s", role, roleList())
				}
			}
			db, err := e.openDB(ctx, e.common.data, nil)
			if err != nil {
				return err
			}
			defer db.Close()
			if agency != "" {
				a, err := agencyBySlug(ctx, db, agency)
				if err != nil {
					return err
				}
				filter.AgencyID = a.ID
			}
			users, err := db.FindUsers(ctx, filter)
			if err != nil {
				return err
			}
			tw := newTable(e.stdout)
			fmt.Fprintln(tw, "USERNAME\tROLE\tAGENCY\tSTATUS\tLAST SIGN-IN\tNAME")
			for _, u := range users {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Username, u.Role, u.Agency.Slug, userStatus(u), formatTime(u.LastLoginAt), u.DisplayName)
			}
			return tw.Flush()
		}
	},
}

func userStatus(u *haven.User) string {
	switch {
	case u.Disabled:
		return "disabled"
	case u.MustChangePassword:
		return "must-change-password"
	}
	return "active"
}

// userCommand makes the commands that act on one user named by --user.
func userCommand(name, summary, about string, act func(ctx context.Context, e *env, db *store.DB, u *haven.User) error) *command {
	return &command{
		name:     "user " + name,
		synopsis: "--user NAME [flags]",
		summary:  summary,
		about:    about,
		common:   true,
		setup: func(f *flagSet, e *env) func(context.Context) error {
			var username string
			f.String(&username, "user", "", "NAME", "Username of the account (required).")
			return func(ctx context.Context) error {
				if err := f.required("user"); err != nil {
					return err
				}
				db, u, err := e.openUser(ctx, username)
				if err != nil {
					return err
				}
				defer db.Close()
				return act(ctx, e, db, u)
			}
		},
	}
}

var userDisableCommand = userCommand("disable", "disable an account and end its sessions",
	`Disables an account: it can no longer sign in, its sessions end at once and
its API tokens are refused until it is enabled again.`,
	func(ctx context.Context, e *env, db *store.DB, u *haven.User) error {
		if err := db.SetUserDisabled(ctx, u.ID, true); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Disabled user %s: signed out everywhere; API tokens refused.\n", u.Username)
		return nil
	})

var userEnableCommand = userCommand("enable", "enable a disabled account",
	`Enables a disabled account again. Its API tokens that were not revoked and
have not expired work again.`,
	func(ctx context.Context, e *env, db *store.DB, u *haven.User) error {
		if err := db.SetUserDisabled(ctx, u.ID, false); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Enabled user %s.\n", u.Username)
		return nil
	})

var userResetPasswordCommand = userCommand("reset-password", "give an account a new temporary password",
	`Gives an account a new, generated temporary password, printed on the last
line, which must be changed at the next sign-in. The account's sessions end.`,
	func(ctx context.Context, e *env, db *store.DB, u *haven.User) error {
		password := auth.NewPassword()
		if err := db.ResetPassword(ctx, u.ID, password); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "New temporary password for %s (shown once; it must be changed at next sign-in):\n", u.Username)
		fmt.Fprintln(e.stdout, password)
		return nil
	})

var userResetSecondFactorCommand = userCommand("reset-2fa", "remove an account's second factor, for a lost phone",
	`Removes an account's second factor (its authenticator app secret and
unused recovery codes), for someone who lost their phone or their codes. The
account's sessions end; at the next sign-in the user sets up a new second
factor with their password. Check who is asking before you run it: with the
password alone the account can then enrol a new factor. The reset is
recorded in the audit log.`,
	func(ctx context.Context, e *env, db *store.DB, u *haven.User) error {
		if err := db.ResetSecondFactor(ctx, u.ID); err != nil {
			return err
		}
		if u.MFAEnrolled {
			fmt.Fprintf(e.stdout, "Removed the second factor of %s: signed out everywhere; a new one is set up at the next sign-in.\n", u.Username)
		} else {
			fmt.Fprintf(e.stdout, "%s had no second factor set up (any unfinished set-up was cleared); signed out everywhere.\n", u.Username)
		}
		return nil
	})

// agencyBySlug names the flag when the agency does not exist.
func agencyBySlug(ctx context.Context, db *store.DB, slug string) (*haven.Agency, error) {
	a, err := db.AgencyBySlug(ctx, strings.TrimSpace(slug))
	if haven.ErrorCode(err) == haven.ENOTFOUND {
		return nil, haven.FieldErrorf(haven.ENOTFOUND, "agency", "no agency with slug %q; 'haven agency list' shows them", slug)
	}
	return a, err
}

// openAgency opens the database and finds the agency a command is about;
// the caller closes the database.
func (e *env) openAgency(ctx context.Context, slug string) (*store.DB, *haven.Agency, error) {
	db, err := e.openDB(ctx, e.common.data, nil)
	if err != nil {
		return nil, nil, err
	}
	a, err := agencyBySlug(ctx, db, slug)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, a, nil
}

// userByName names the flag when the user does not exist.
// openUser opens the database and finds the user a command is about; the
// caller closes the database.
func (e *env) openUser(ctx context.Context, username string) (*store.DB, *haven.User, error) {
	db, err := e.openDB(ctx, e.common.data, nil)
	if err != nil {
		return nil, nil, err
	}
	u, err := userByName(ctx, db, username)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, u, nil
}

func userByName(ctx context.Context, db *store.DB, username string) (*haven.User, error) {
	u, err := db.UserByUsername(ctx, username)
	if haven.ErrorCode(err) == haven.ENOTFOUND {
		return nil, haven.FieldErrorf(haven.ENOTFOUND, "user", "no user named %q; 'haven user list' shows them", store.NormalizeUsername(username))
	}
	return u, err
}
