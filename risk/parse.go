package risk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/haven-dv/haven"
)

// maxItems bounds an instrument's length (the longest real one has 27),
// and maxScore its weights and option scores, so that sums stay exact.
const (
	maxItems = 200
	maxScore = 1000
)

var (
	slugRe   = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	optionRe = regexp.MustCompile(`^[a-z0-9]+([-_][a-z0-9]+)*$`)
)

// reserved are the answer values every item takes; options may not reuse them.
var reserved = []string{haven.AnswerYes, haven.AnswerNo, haven.AnswerUnknown, haven.AnswerDeclined}

// Parse validates one instrument definition. name (a file name) appears in
// every error, with the item and the problem.
func Parse(name string, data []byte) (*haven.Instrument, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var inst haven.Instrument
	if err := dec.Decode(&inst); err != nil {
		return nil, haven.Errorf(haven.EINVALID, "%s: %s", name, jsonProblem(data, err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, haven.Errorf(haven.EINVALID, "%s: unexpected data after the instrument object", name)
	}
	inst.File = name
	if err := validate(&inst); err != nil {
		return nil, haven.Errorf(haven.EINVALID, "%s: %s", name, err)
	}
	return &inst, nil
}

// jsonProblem describes a decoding error in words, with the line.
func jsonProblem(data []byte, err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at line %d: %s", lineOf(data, syn.Offset), syn.Error())
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "the instrument"
		}
		return fmt.Sprintf("line %d: %s must be %s, not %s", lineOf(data, typ.Offset), field, jsonType(typ.Type.Kind().String()), typ.Value)
	case errors.Is(err, io.EOF):
		return "the file is empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "invalid JSON: the file ends too early"
	}
	if strings.HasPrefix(err.Error(), "json: unknown field ") {
		if where := unknownField(data); where != "" {
			return where
		}
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// unknownField finds the first key that names no field, and says where it
// is ("item q3: unknown field \"wieght\""), so that the error points at the
// item or band at fault. It returns "" if it cannot tell.
func unknownField(data []byte) string {
	var v any
	if json.Unmarshal(data, &v) != nil {
		return ""
	}
	return walkFields(v, reflect.TypeFor[haven.Instrument](), "")
}

func walkFields(v any, t reflect.Type, where string) string {
	switch t.Kind() {
	case reflect.Pointer:
		return walkFields(v, t.Elem(), where)
	case reflect.Slice:
		list, _ := v.([]any)
		for i, el := range list {
			if s := walkFields(el, t.Elem(), elementName(where, t.Elem(), el, i)); s != "" {
				return s
			}
		}
	case reflect.Struct:
		obj, _ := v.(map[string]any)
		for _, key := range slices.Sorted(maps.Keys(obj)) {
			f, ok := fieldByJSONName(t, key)
			if !ok {
				if where == "" {
					return fmt.Sprintf("unknown field %q", key)
				}
				return fmt.Sprintf("%s: unknown field %q", where, key)
			}
			sub := where
			if f.Type.Kind() == reflect.Struct { // scoring
				sub = strings.TrimPrefix(where+": "+key, ": ")
			}
			if s := walkFields(obj[key], f.Type, sub); s != "" {
				return s
			}
		}
	}
	return ""
}

// elementName names a list element the way errors do: "item q3",
// "band \"high\"", "item q3: option 2".
func elementName(where string, t reflect.Type, el any, i int) string {
	obj, _ := el.(map[string]any)
	id, _ := obj["id"].(string)
	var name string
	switch t {
	case reflect.TypeFor[haven.InstrumentItem]():
		name = fmt.Sprintf("item %d", i+1)
		if id != "" {
			name = "item " + id
		}
	case reflect.TypeFor[haven.InstrumentBand]():
		name = fmt.Sprintf("band %d", i+1)
		if id != "" {
			name = fmt.Sprintf("band %q", id)
		}
	default:
		name = fmt.Sprintf("option %d", i+1)
	}
	return strings.TrimPrefix(where+": "+name, ": ")
}

// fieldByJSONName finds the field a JSON key decodes into; encoding/json
// matches names case-insensitively.
func fieldByJSONName(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		if name != "-" && strings.EqualFold(name, key) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "float64", "int", "int64":
		return "a number"
	case "bool":
		return "true or false"
	case "slice":
		return "a list"
	case "struct", "map":
		return "an object"
	case "ptr":
		return "a number"
	}
	return kind
}

func lineOf(data []byte, offset int64) int {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	if offset < 0 {
		offset = 0
	}
	return 1 + bytes.Count(data[:offset], []byte("\n"))
}

// validate checks a decoded instrument; its errors name the item or band
// and the problem, without the file name.
func validate(in *haven.Instrument) error {
	switch {
	case in.ID == "":
		return errors.New("id is required")
	case len(in.ID) > 64 || !slugRe.MatchString(in.ID):
		return fmt.Errorf("id %q must be a lowercase slug (letters a–z, digits and single hyphens, at most 64 characters)", in.ID)
	case strings.TrimSpace(in.Version) == "":
		return errors.New("version is required")
	case strings.TrimSpace(in.Name) == "":
		return errors.New("name is required")
	case strings.TrimSpace(in.Owner) == "":
		return errors.New("owner is required")
	case strings.TrimSpace(in.Source) == "":
		return errors.New("source is required")
	case strings.TrimSpace(in.Licence) == "":
		return errors.New("licence is required")
	case in.Wording != "paraphrase" && in.Wording != "official":
		return fmt.Errorf("wording %q must be \"paraphrase\" or \"official\"", in.Wording)
	case in.Subject != "" && in.Subject != "victim" && in.Subject != "offender":
		return fmt.Errorf("subject %q must be \"victim\", \"offender\" or left out", in.Subject)
	case len(in.Items) == 0:
		return errors.New("items: at least one item is required")
	case len(in.Items) > maxItems:
		return fmt.Errorf("items: %d items is more than the limit of %d", len(in.Items), maxItems)
	}
	sc := &in.Scoring
	switch sc.Rule {
	case haven.RuleScreen, haven.RuleWeightedSum, haven.RuleCountYes:
	case "":
		return fmt.Errorf("scoring: rule is required (%s, %s or %s)", haven.RuleScreen, haven.RuleWeightedSum, haven.RuleCountYes)
	default:
		return fmt.Errorf("scoring: rule %q is not one of %s, %s, %s", sc.Rule, haven.RuleScreen, haven.RuleWeightedSum, haven.RuleCountYes)
	}

	for i := range in.Items {
		if err := validateItem(&in.Items[i], i, sc.Rule); err != nil {
			return err
		}
	}
	if err := validateBands(in.Bands, sc.Rule); err != nil {
		return err
	}
	return validateScoring(in)
}

func validateItem(it *haven.InstrumentItem, i int, rule string) error {
	want := fmt.Sprintf("q%d", i+1)
	if it.ID != want {
		if it.ID == "" {
			return fmt.Errorf("item %d: id is required (want %q: items are q1…qN in order)", i+1, want)
		}
		return fmt.Errorf("item %d: id %q must be %q (items are q1…qN in order)", i+1, it.ID, want)
	}
	if strings.TrimSpace(it.Text) == "" {
		return fmt.Errorf("item %s: text is required", it.ID)
	}
	if it.Weight < 0 || math.IsNaN(it.Weight) {
		return fmt.Errorf("item %s: weight must be ≥ 0", it.ID)
	}
	if it.Weight > maxScore {
		return fmt.Errorf("item %s: weight must be at most %d", it.ID, maxScore)
	}
	if len(it.Options) > 0 && rule != haven.RuleWeightedSum {
		return fmt.Errorf("item %s: special options are only scored by the %s rule, not %s", it.ID, haven.RuleWeightedSum, rule)
	}
	var seen []string
	for j, o := range it.Options {
		switch {
		case o.Value == "":
			return fmt.Errorf("item %s: option %d: value is required", it.ID, j+1)
		case slices.Contains(reserved, o.Value):
			return fmt.Errorf("item %s: option %q: value collides with the answer every item takes (yes, no, unknown, declined)", it.ID, o.Value)
		case len(o.Value) > 64 || !optionRe.MatchString(o.Value):
			return fmt.Errorf("item %s: option %q: value must be lowercase letters, digits, hyphens or underscores (at most 64)", it.ID, o.Value)
		case slices.Contains(seen, o.Value):
			return fmt.Errorf("item %s: option %q is listed twice", it.ID, o.Value)
		case strings.TrimSpace(o.Label) == "":
			return fmt.Errorf("item %s: option %q: label is required", it.ID, o.Value)
		case math.IsNaN(o.Score) || math.Abs(o.Score) > maxScore:
			return fmt.Errorf("item %s: option %q: score must be between -%d and %d", it.ID, o.Value, maxScore, maxScore)
		}
		seen = append(seen, o.Value)
	}
	return nil
}

func validateBands(bands []haven.InstrumentBand, rule string) error {
	if len(bands) == 0 {
		return errors.New("bands: at least one band is required")
	}
	seen := map[string]bool{}
	for i, b := range bands {
		switch {
		case b.ID == "":
			return fmt.Errorf("band %d: id is required", i+1)
		case len(b.ID) > 64 || !slugRe.MatchString(b.ID):
			return fmt.Errorf("band %q: id must be a lowercase slug", b.ID)
		case seen[b.ID]:
			return fmt.Errorf("band %q: id is used twice", b.ID)
		case strings.TrimSpace(b.Label) == "":
			return fmt.Errorf("band %q: label is required", b.ID)
		}
		seen[b.ID] = true
		if rule == haven.RuleScreen {
			if b.Min != nil {
				return fmt.Errorf("band %q: min is not used by the %s rule (bands are ordered lowest risk first)", b.ID, rule)
			}
		} else if i == 0 {
			if b.Min != nil {
				return fmt.Errorf("band %q: the first band takes no min (it holds every score below the next band's)", b.ID)
			}
		} else {
			switch {
			case b.Min == nil:
				return fmt.Errorf("band %q: min is required for every band after the first", b.ID)
			case math.IsNaN(*b.Min) || math.IsInf(*b.Min, 0):
				return fmt.Errorf("band %q: min must be a finite number", b.ID)
			case i > 1 && *b.Min <= *bands[i-1].Min:
				return fmt.Errorf("band %q: min %s must be above the previous band's (%s %s)", b.ID, num(*b.Min), bands[i-1].ID, num(*bands[i-1].Min))
			}
		}
		var acts []string
		for _, a := range b.Actions {
			if !slices.Contains(haven.RiskActions, a) {
				return fmt.Errorf("band %q: action %q is not one of %s", b.ID, a, strings.Join(haven.RiskActions, ", "))
			}
			if slices.Contains(acts, a) {
				return fmt.Errorf("band %q: action %q is listed twice", b.ID, a)
			}
			acts = append(acts, a)
		}
	}
	return nil
}

func validateScoring(in *haven.Instrument) error {
	sc := &in.Scoring
	n := len(in.Items)
	band := func(field, id string) error {
		if bandIndex(in.Bands, id) < 0 {
			return fmt.Errorf("scoring: %s: band %q does not exist", field, id)
		}
		return nil
	}
	items := func(field string, ids []string) error {
		var seen []string
		for _, id := range ids {
			if itemIndex(in.Items, id) < 0 {
				return fmt.Errorf("scoring: %s: item %q does not exist", field, id)
			}
			if slices.Contains(seen, id) {
				return fmt.Errorf("scoring: %s: item %q is listed twice", field, id)
			}
			seen = append(seen, id)
		}
		return nil
	}

	if sc.Rule == haven.RuleScreen {
		if len(sc.AnyOf) == 0 && len(sc.CountOf) == 0 {
			return errors.New("scoring: the screen rule needs any_of or count_of items")
		}
		if err := items("any_of", sc.AnyOf); err != nil {
			return err
		}
		if err := items("count_of", sc.CountOf); err != nil {
			return err
		}
		switch {
		case len(sc.CountOf) > 0 && (sc.CountAtLeast < 1 || sc.CountAtLeast > len(sc.CountOf)):
			return fmt.Errorf("scoring: count_at_least must be between 1 and the %d count_of items", len(sc.CountOf))
		case len(sc.CountOf) == 0 && sc.CountAtLeast != 0:
			return errors.New("scoring: count_at_least needs count_of items")
		case sc.ScreenedIn == "":
			return errors.New("scoring: screened_in band is required by the screen rule")
		case sc.NotScreened == "":
			return errors.New("scoring: not_screened_in band is required by the screen rule")
		}
		if err := band("screened_in", sc.ScreenedIn); err != nil {
			return err
		}
		if err := band("not_screened_in", sc.NotScreened); err != nil {
			return err
		}
		if bandIndex(in.Bands, sc.ScreenedIn) <= bandIndex(in.Bands, sc.NotScreened) {
			return fmt.Errorf("scoring: screened_in band %q must come after not_screened_in band %q (bands go from lowest to highest risk)", sc.ScreenedIn, sc.NotScreened)
		}
	} else {
		switch {
		case len(sc.AnyOf) > 0:
			return fmt.Errorf("scoring: any_of is only for the %s rule", haven.RuleScreen)
		case len(sc.CountOf) > 0:
			return fmt.Errorf("scoring: count_of is only for the %s rule", haven.RuleScreen)
		case sc.CountAtLeast != 0:
			return fmt.Errorf("scoring: count_at_least is only for the %s rule", haven.RuleScreen)
		case sc.ScreenedIn != "":
			return fmt.Errorf("scoring: screened_in is only for the %s rule", haven.RuleScreen)
		case sc.NotScreened != "":
			return fmt.Errorf("scoring: not_screened_in is only for the %s rule", haven.RuleScreen)
		}
	}

	if sc.JudgementBand != "" {
		if err := band("judgement_band", sc.JudgementBand); err != nil {
			return err
		}
	}
	switch {
	case sc.MaxMissing < -1:
		return fmt.Errorf("scoring: max_missing %d must be -1 (any number) or more", sc.MaxMissing)
	case sc.MaxMissing > n:
		return fmt.Errorf("scoring: max_missing %d is more than the %d items", sc.MaxMissing, n)
	}
	if sc.Prorate {
		switch {
		case sc.Rule != haven.RuleCountYes:
			return fmt.Errorf("scoring: prorate is only for the %s rule", haven.RuleCountYes)
		case sc.MaxMissing < 0 || sc.MaxMissing >= n:
			return fmt.Errorf("scoring: prorate needs max_missing between 0 and %d (fewer than the items)", n-1)
		}
	}
	switch {
	case sc.EscalationCallouts < 0:
		return fmt.Errorf("scoring: escalation_callouts %d must be 0 (off) or more", sc.EscalationCallouts)
	case sc.EscalationCallouts > 0 && sc.EscalationBand == "":
		return errors.New("scoring: escalation_callouts needs an escalation_band")
	case sc.EscalationCallouts == 0 && sc.EscalationBand != "":
		return errors.New("scoring: escalation_band needs escalation_callouts above 0")
	}
	if sc.EscalationBand != "" {
		if err := band("escalation_band", sc.EscalationBand); err != nil {
			return err
		}
	}
	if sc.RepeatBand != "" {
		if err := band("repeat_band", sc.RepeatBand); err != nil {
			return err
		}
	}
	return nil
}

func bandIndex(bands []haven.InstrumentBand, id string) int {
	for i := range bands {
		if bands[i].ID == id {
			return i
		}
	}
	return -1
}

func itemIndex(items []haven.InstrumentItem, id string) int {
	for i := range items {
		if items[i].ID == id {
			return i
		}
	}
	return -1
}
