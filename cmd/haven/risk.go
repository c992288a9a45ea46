package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/risk"
	"github.com/haven-dv/haven/store"
)

var riskInstrumentsCommand = &command{
	name:     "risk instruments",
	synopsis: "[--agency SLUG] [flags]",
	summary:  "list the risk instruments in use, built-in or an agency's own",
	about: `Lists the risk instruments Haven offers: id, version, number of items, result
bands, where the definition came from (builtin:… for the ones shipped in the
binary, otherwise the file) and name.

Without --agency it lists the instruments every agency gets: the built-in
ones, replaced by any in DATA/instruments/*.json. With --agency, those of
that agency, whose own DATA/instruments/SLUG/*.json replace them in turn.
An instrument replaces the one with the same id. 'haven risk validate'
checks a file before it is put there.`,
	common: true,
	setup: func(f *flagSet, e *env) func(context.Context) error {
		var agency string
		f.String(&agency, "agency", "", "SLUG", "List the instruments of this agency, with its own versions in DATA/instruments/SLUG/.")
		return func(ctx context.Context) error {
			db, err := e.openDB(ctx, e.common.data, nil)
			if err != nil {
				return err
			}
			defer db.Close()
			insts, err := agencyInstruments(ctx, db, agency)
			if err != nil {
				return err
			}
			tw := newTable(e.stdout)
			fmt.Fprintln(tw, "ID\tVERSION\tITEMS\tBANDS\tSOURCE\tNAME")
			for _, in := range insts {
				var bands []string
				for _, b := range in.Bands {
					bands = append(bands, b.ID)
				}
				src := in.File
				if src == "" {
					src = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", in.ID, in.Version, len(in.Items), strings.Join(bands, ","), src, in.Name)
			}
			return tw.Flush()
		}
	},
}

// agencyInstruments lists the instruments of the agency with the given
// slug, or those every agency gets when slug is empty.
func agencyInstruments(ctx context.Context, db *store.DB, slug string) ([]*haven.Instrument, error) {
	if strings.TrimSpace(slug) != "" {
		a, err := agencyBySlug(ctx, db, slug)
		if err != nil {
			return nil, err
		}
		ctx = withAgency(ctx, a)
	}
	return db.Instruments(ctx)
}

var riskValidateCommand = &command{
	name:     "risk validate",
	synopsis: "FILE|DIR...",
	summary:  "check instrument definition files before putting them in DATA/instruments",
	about: `Checks risk instrument definitions, the JSON files an agency puts in
DATA/instruments/ (for every agency) or DATA/instruments/SLUG/ (for one) to
use its own or its licensed version of an instrument. Each FILE is checked as
Haven checks it when it loads it; a DIR stands for the *.json files directly
in it, the ones Haven would load.

Prints "ok FILE (ID VERSION, N items)" for each good file and "invalid FILE:
PROBLEM", naming the item at fault, for each bad one. Exits 0 when every file
is good, 1 when any is not (or two files in one directory define the same
instrument), 2 when no file is named. It does not open the database.`,
	setup: func(f *flagSet, e *env) func(context.Context) error {
		var files []string
		f.Operands(&files)
		return func(ctx context.Context) error {
			if len(files) == 0 {
				return usageErrorf("name the instrument FILE (or DIR) to check")
			}
			return validateInstruments(e, files)
		}
	},
}

func validateInstruments(e *env, args []string) error {
	total, bad := 0, 0
	fail := func(name, msg string) {
		bad++
		fmt.Fprintf(e.stdout, "invalid %s: %s\n", name, msg)
	}
	for _, arg := range args {
		files, err := instrumentFiles(arg)
		if err != nil {
			total++
			fail(arg, err.Error())
			continue
		}
		if len(files) == 0 {
			fmt.Fprintf(e.stderr, "note: %s holds no *.json files\n", arg)
		}
		byID := map[string]string{} // within one directory, the file defining each id
		for _, file := range files {
			total++
			data, err := os.ReadFile(file)
			if err != nil {
				fail(file, "cannot read it: "+pathErrorText(err))
				continue
			}
			in, err := risk.Parse(file, data)
			if err != nil {
				fail(file, parseErrorText(file, err))
				continue
			}
			if prev, ok := byID[in.ID]; ok && len(files) > 1 {
				fail(file, fmt.Sprintf("defines instrument %q again (as %s does): Haven would load only one of them", in.ID, prev))
				continue
			}
			byID[in.ID] = file
			fmt.Fprintf(e.stdout, "ok %s (%s %s, %d items)\n", file, in.ID, in.Version, len(in.Items))
			if !strings.EqualFold(filepath.Ext(file), ".json") {
				fmt.Fprintf(e.stderr, "note: %s is valid, but Haven loads only files named *.json from DATA/instruments\n", file)
			}
		}
	}
	if bad > 0 {
		return haven.Errorf(haven.EINVALID, "%d of %d instrument files %s invalid", bad, total, plural(bad, "is", "are"))
	}
	return nil
}

// instrumentFiles is the file named, or the *.json files directly in the
// directory named, in name order.
func instrumentFiles(arg string) ([]string, error) {
	fi, err := os.Stat(arg)
	if err != nil {
		return nil, errors.New("cannot read it: " + pathErrorText(err))
	}
	if !fi.IsDir() {
		return []string{arg}, nil
	}
	entries, err := os.ReadDir(arg)
	if err != nil {
		return nil, errors.New("cannot read the directory: " + pathErrorText(err))
	}
	var files []string
	for _, de := range entries {
		if !de.IsDir() && strings.HasSuffix(de.Name(), ".json") {
			files = append(files, filepath.Join(arg, de.Name()))
		}
	}
	sort.Strings(files)
	return files, nil
}

// pathErrorText is the reason of a file error without the path, which the
// line names already.
func pathErrorText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// parseErrorText is risk.Parse's message for file, with the field at
// fault, and without the file name when the line names it already.
func parseErrorText(file string, err error) string {
	msg := haven.ErrorMessage(err)
	var he *haven.Error
	if !errors.As(err, &he) {
		msg = err.Error() // Parse reports plain errors too; they describe the file, not Haven
	}
	if f := haven.ErrorField(err); f != "" && !strings.Contains(msg, f) {
		msg += " (field " + f + ")"
	}
	if rest, ok := strings.CutPrefix(msg, file+": "); ok {
		msg = rest
	}
	return msg
}

var riskScoreCommand = &command{
	name:     "risk score",
	synopsis: "--instrument ID --answers ITEM=ANSWER,... [--judgement] [--callouts N] [--marac-referral] [--agency SLUG] [flags]",
	summary:  "score answers to a risk instrument, storing nothing",
	about: `Scores answers with a risk instrument, as Haven would when an assessment is
recorded, and prints the result as JSON: score, band, whether it counts as
high risk, the reasons (the rules that fired) and the actions the band sets
in motion. Nothing is stored and nothing is set in motion: use it to try an
instrument, or to check an agency's own version of one.

Answers are ITEM=ANSWER pairs separated by commas: q1=yes,q2=no,q3=unknown.
Every item takes yes, no, unknown and declined; some take special options
(the Danger Assessment's never-lived-together). Items left out count as
missing. With --agency the agency's instruments are used (its own versions
in DATA/instruments/SLUG/ replace the built-in ones); without, those every
agency gets. 'haven risk instruments' lists the ids.`,
	common: true,
	setup: func(f *flagSet, e *env) func(context.Context) error {
		var instrument, agency string
		answers := answersValue{}
		var facts haven.RiskFacts
		f.String(&instrument, "instrument", "", "ID", "Id of the instrument, such as lap or danger-assessment (required).")
		f.Var(&answers, "answers", "ITEM=ANSWER,...", "The answers, ITEM=ANSWER separated by commas: q1=yes,q2=no,q3=unknown.")
		f.Bool(&facts.ProfessionalJudgement, "judgement", false, "The assessor's professional judgement says the risk is high: raises the result to the instrument's judgement band, where it has one.")
		f.Int(&facts.PoliceCallouts12m, "callouts", 0, "N", "Police call-outs for domestic abuse involving the pair in the past 12 months, this one included (DASH's escalation rule).")
		f.Bool(&facts.MARACReferral12m, "marac-referral", false, "The person was referred to the high-risk conference (MARAC) in the past 12 months (DASH's repeat-referral rule).")
		f.String(&agency, "agency", "", "SLUG", "Use this agency's instruments, with its own versions in DATA/instruments/SLUG/.")
		return func(ctx context.Context) error {
			if err := f.required("instrument"); err != nil {
				return err
			}
			if facts.PoliceCallouts12m < 0 {
				return usageErrorf("--callouts must be 0 or more (%s gave %d)", f.describe("callouts"), facts.PoliceCallouts12m)
			}
			db, err := e.openDB(ctx, e.common.data, nil)
			if err != nil {
				return err
			}
			defer db.Close()
			if strings.TrimSpace(agency) != "" {
				a, err := agencyBySlug(ctx, db, agency)
				if err != nil {
					return err
				}
				ctx = withAgency(ctx, a)
			}
			// The store scores with risk.Score on the agency's set, and
			// stores and audits nothing.
			res, err := db.ScoreRisk(ctx, instrument, answers, facts)
			if err != nil {
				return err
			}
			enc := json.NewEncoder(e.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(res)
		}
	},
}

// answersValue is --answers: item=answer pairs separated by commas.
type answersValue map[string]string

func (a answersValue) Set(v string) error {
	clear(a)
	for _, pair := range strings.Split(v, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		item, answer, ok := strings.Cut(pair, "=")
		item, answer = strings.TrimSpace(item), strings.TrimSpace(answer)
		switch {
		case !ok || item == "" || answer == "":
			return fmt.Errorf("%q is not ITEM=ANSWER (write q1=yes,q2=no)", pair)
		case a[item] != "":
			return fmt.Errorf("item %s is answered twice", item)
		}
		a[item] = answer
	}
	return nil
}

func (a answersValue) String() string {
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k + "=" + a[k])
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
