package risk

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/haven-dv/haven"
)

type obj = map[string]any

// validDoc is a valid count_yes instrument as a JSON object to break.
func validDoc(t *testing.T) obj {
	t.Helper()
	in := countInstrument()
	in.Scoring.JudgementBand = "high"
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var o obj
	if err := json.Unmarshal(data, &o); err != nil {
		t.Fatal(err)
	}
	return o
}

// screenDoc is a valid screen instrument.
func screenDoc(t *testing.T) obj {
	o := validDoc(t)
	o["scoring"] = obj{"rule": "screen", "any_of": []any{"q1"}, "count_of": []any{"q2", "q3", "q4"}, "count_at_least": 2,
		"screened_in": "in", "not_screened_in": "out", "max_missing": -1}
	o["bands"] = []any{obj{"id": "out", "label": "Out", "actions": []any{}}, obj{"id": "in", "label": "In", "actions": []any{"hotline_call"}}}
	return o
}

func item(o obj, i int) obj { return o["items"].([]any)[i].(obj) }
func band(o obj, i int) obj { return o["bands"].([]any)[i].(obj) }
func scoring(o obj) obj     { return o["scoring"].(obj) }
func setOptions(o obj, opts ...obj) {
	var list []any
	for _, x := range opts {
		list = append(list, x)
	}
	item(o, 0)["options"] = list
}

func TestParseValid(t *testing.T) {
	for name, o := range map[string]obj{"count": validDoc(t), "screen": screenDoc(t)} {
		data, _ := json.Marshal(o)
		in, err := Parse("ok.json", data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if in.File != "ok.json" {
			t.Errorf("%s: file %q", name, in.File)
		}
	}
	// A weighted sum may take special options, with any score.
	o := validDoc(t)
	scoring(o)["rule"] = "weighted_sum"
	setOptions(o, obj{"value": "never-lived-together", "label": "Never", "score": -3}, obj{"value": "n_a", "label": "N/A", "score": 0})
	data, _ := json.Marshal(o)
	if _, err := Parse("ok.json", data); err != nil {
		t.Errorf("options: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name   string
		doc    func(t *testing.T) obj // nil: validDoc
		mutate func(o obj)
		raw    string // instead of doc
		want   string
	}{
		{name: "empty file", raw: "", want: "the file is empty"},
		{name: "syntax", raw: "{\n\"id\": \"x\",\n}", want: "invalid JSON at line 3"},
		{name: "truncated", raw: `{"id": "x"`, want: "the file ends too early"},
		{name: "two objects", raw: `{"id": "x"} {"id": "y"}`, want: "unexpected data after the instrument object"},
		{name: "not an object", raw: `["lap"]`, want: "the instrument must be an object"},
		{name: "wrong type", mutate: func(o obj) { item(o, 2)["weight"] = "heavy" }, want: "items.weight must be a number, not string"},
		{name: "unknown field", mutate: func(o obj) { o["colour"] = "red" }, want: `unknown field "colour"`},
		{name: "unknown item field", mutate: func(o obj) { item(o, 2)["wieght"] = 1 }, want: `item q3: unknown field "wieght"`},
		{name: "unknown band field", mutate: func(o obj) { band(o, 2)["maximum"] = 9 }, want: `band "high": unknown field "maximum"`},
		{name: "unknown scoring field", mutate: func(o obj) { scoring(o)["threshold"] = 9 }, want: `scoring: unknown field "threshold"`},
		{name: "no id", mutate: func(o obj) { delete(o, "id") }, want: "id is required"},
		{name: "id not a slug", mutate: func(o obj) { o["id"] = "My DASH" }, want: `id "My DASH" must be a lowercase slug`},
		{name: "id uppercase", mutate: func(o obj) { o["id"] = "DASH" }, want: "must be a lowercase slug"},
		{name: "id trailing hyphen", mutate: func(o obj) { o["id"] = "dash-" }, want: "must be a lowercase slug"},
		{name: "no version", mutate: func(o obj) { o["version"] = " " }, want: "version is required"},
		{name: "no name", mutate: func(o obj) { delete(o, "name") }, want: "name is required"},
		{name: "no owner", mutate: func(o obj) { o["owner"] = "" }, want: "owner is required"},
		{name: "no source", mutate: func(o obj) { o["source"] = "" }, want: "source is required"},
		{name: "no licence", mutate: func(o obj) { delete(o, "licence") }, want: "licence is required"},
		{name: "wording", mutate: func(o obj) { o["wording"] = "verbatim" }, want: `wording "verbatim" must be "paraphrase" or "official"`},
		{name: "subject", mutate: func(o obj) { o["subject"] = "child" }, want: `subject "child" must be`},
		{name: "no items", mutate: func(o obj) { o["items"] = []any{} }, want: "items: at least one item is required"},
		{name: "items out of order", mutate: func(o obj) { item(o, 0)["id"] = "q2"; item(o, 1)["id"] = "q1" }, want: `item 1: id "q2" must be "q1"`},
		{name: "item id missing", mutate: func(o obj) { delete(item(o, 3), "id") }, want: `item 4: id is required`},
		{name: "item id skips", mutate: func(o obj) { item(o, 4)["id"] = "q6" }, want: `item 5: id "q6" must be "q5"`},
		{name: "empty text", mutate: func(o obj) { item(o, 1)["text"] = "  " }, want: "item q2: text is required"},
		{name: "negative weight", mutate: func(o obj) { item(o, 2)["weight"] = -1 }, want: "item q3: weight must be ≥ 0"},
		{name: "huge weight", mutate: func(o obj) { item(o, 2)["weight"] = 1e300 }, want: "item q3: weight must be at most 1000"},
		{name: "option on a count", mutate: func(o obj) { setOptions(o, obj{"value": "x", "label": "X"}) }, want: "item q1: special options are only scored by the weighted_sum rule, not count_yes"},
		{name: "option says yes", mutate: func(o obj) {
			scoring(o)["rule"] = "weighted_sum"
			setOptions(o, obj{"value": "yes", "label": "Yes", "score": 2})
		}, want: `item q1: option "yes": value collides with the answer every item takes`},
		{name: "option says declined", mutate: func(o obj) {
			scoring(o)["rule"] = "weighted_sum"
			setOptions(o, obj{"value": "declined", "label": "D"})
		}, want: `option "declined": value collides`},
		{name: "option twice", mutate: func(o obj) {
			scoring(o)["rule"] = "weighted_sum"
			setOptions(o, obj{"value": "a", "label": "A"}, obj{"value": "a", "label": "A again"})
		}, want: `item q1: option "a" is listed twice`},
		{name: "option no value", mutate: func(o obj) {
			scoring(o)["rule"] = "weighted_sum"
			setOptions(o, obj{"label": "A"})
		}, want: "item q1: option 1: value is required"},
		{name: "option bad value", mutate: func(o obj) {
			scoring(o)["rule"] = "weighted_sum"
			setOptions(o, obj{"value": "Never Lived", "label": "A"})
		}, want: `item q1: option "Never Lived": value must be lowercase`},
		{name: "option no label", mutate: func(o obj) {
			scoring(o)["rule"] = "weighted_sum"
			setOptions(o, obj{"value": "a"})
		}, want: `item q1: option "a": label is required`},
		{name: "option huge score", mutate: func(o obj) {
			scoring(o)["rule"] = "weighted_sum"
			setOptions(o, obj{"value": "a", "label": "A", "score": -1e9})
		}, want: `item q1: option "a": score must be between -1000 and 1000`},
		{name: "no rule", mutate: func(o obj) { delete(scoring(o), "rule") }, want: "scoring: rule is required"},
		{name: "bad rule", mutate: func(o obj) { scoring(o)["rule"] = "sum" }, want: `scoring: rule "sum" is not one of screen, weighted_sum, count_yes`},
		{name: "no bands", mutate: func(o obj) { o["bands"] = []any{} }, want: "bands: at least one band is required"},
		{name: "band twice", mutate: func(o obj) { band(o, 2)["id"] = "medium" }, want: `band "medium": id is used twice`},
		{name: "band no id", mutate: func(o obj) { delete(band(o, 1), "id") }, want: "band 2: id is required"},
		{name: "band bad id", mutate: func(o obj) { band(o, 1)["id"] = "Medium" }, want: `band "Medium": id must be a lowercase slug`},
		{name: "band no label", mutate: func(o obj) { band(o, 1)["label"] = "" }, want: `band "medium": label is required`},
		{name: "first band min", mutate: func(o obj) { band(o, 0)["min"] = 0 }, want: `band "low": the first band takes no min`},
		{name: "later band no min", mutate: func(o obj) { delete(band(o, 2), "min") }, want: `band "high": min is required for every band after the first`},
		{name: "mins not increasing", mutate: func(o obj) { band(o, 2)["min"] = 2 }, want: `band "high": min 2 must be above the previous band's (medium 2)`},
		{name: "mins decreasing", mutate: func(o obj) { band(o, 2)["min"] = 1.5 }, want: `band "high": min 1.5 must be above`},
		{name: "unknown action", mutate: func(o obj) { band(o, 2)["actions"] = []any{"flag_high_risk", "foo"} },
			want: `band "high": action "foo" is not one of hotline_call, offer_information, flag_high_risk, advocacy_task, conference_proposal, marac_referral`},
		{name: "action twice", mutate: func(o obj) { band(o, 2)["actions"] = []any{"flag_high_risk", "flag_high_risk"} }, want: `band "high": action "flag_high_risk" is listed twice`},
		{name: "judgement band", mutate: func(o obj) { scoring(o)["judgement_band"] = "severe" }, want: `scoring: judgement_band: band "severe" does not exist`},
		{name: "max missing", mutate: func(o obj) { scoring(o)["max_missing"] = -2 }, want: "scoring: max_missing -2 must be -1 (any number) or more"},
		{name: "max missing above items", mutate: func(o obj) { scoring(o)["max_missing"] = 6 }, want: "scoring: max_missing 6 is more than the 5 items"},
		{name: "prorate any missing", mutate: func(o obj) { scoring(o)["prorate"] = true }, want: "scoring: prorate needs max_missing between 0 and 4"},
		{name: "prorate all missing", mutate: func(o obj) { scoring(o)["prorate"] = true; scoring(o)["max_missing"] = 5 }, want: "prorate needs max_missing"},
		{name: "prorate a sum", mutate: func(o obj) {
			scoring(o)["rule"] = "weighted_sum"
			scoring(o)["prorate"] = true
			scoring(o)["max_missing"] = 2
		}, want: "scoring: prorate is only for the count_yes rule"},
		{name: "escalation without band", mutate: func(o obj) { scoring(o)["escalation_callouts"] = 3 }, want: "scoring: escalation_callouts needs an escalation_band"},
		{name: "escalation band without count", mutate: func(o obj) { scoring(o)["escalation_band"] = "high" }, want: "escalation_band needs escalation_callouts above 0"},
		{name: "negative escalation", mutate: func(o obj) { scoring(o)["escalation_callouts"] = -1 }, want: "escalation_callouts -1 must be 0 (off) or more"},
		{name: "escalation band missing", mutate: func(o obj) { scoring(o)["escalation_callouts"] = 3; scoring(o)["escalation_band"] = "top" }, want: `scoring: escalation_band: band "top" does not exist`},
		{name: "repeat band missing", mutate: func(o obj) { scoring(o)["repeat_band"] = "marac" }, want: `scoring: repeat_band: band "marac" does not exist`},
		{name: "any_of on a count", mutate: func(o obj) { scoring(o)["any_of"] = []any{"q1"} }, want: "scoring: any_of is only for the screen rule"},
		{name: "screened_in on a count", mutate: func(o obj) { scoring(o)["screened_in"] = "high" }, want: "scoring: screened_in is only for the screen rule"},

		{name: "screen: no items to screen", doc: screenDoc, mutate: func(o obj) {
			delete(scoring(o), "any_of")
			delete(scoring(o), "count_of")
			delete(scoring(o), "count_at_least")
		},
			want: "scoring: the screen rule needs any_of or count_of items"},
		{name: "screen: any_of unknown item", doc: screenDoc, mutate: func(o obj) { scoring(o)["any_of"] = []any{"q1", "q9"} }, want: `scoring: any_of: item "q9" does not exist`},
		{name: "screen: count_of twice", doc: screenDoc, mutate: func(o obj) { scoring(o)["count_of"] = []any{"q2", "q2"} }, want: `scoring: count_of: item "q2" is listed twice`},
		{name: "screen: count too high", doc: screenDoc, mutate: func(o obj) { scoring(o)["count_at_least"] = 4 }, want: "scoring: count_at_least must be between 1 and the 3 count_of items"},
		{name: "screen: count zero", doc: screenDoc, mutate: func(o obj) { scoring(o)["count_at_least"] = 0 }, want: "count_at_least must be between 1"},
		{name: "screen: count without items", doc: screenDoc, mutate: func(o obj) { delete(scoring(o), "count_of") }, want: "scoring: count_at_least needs count_of items"},
		{name: "screen: no screened_in", doc: screenDoc, mutate: func(o obj) { delete(scoring(o), "screened_in") }, want: "scoring: screened_in band is required"},
		{name: "screen: no not_screened_in", doc: screenDoc, mutate: func(o obj) { delete(scoring(o), "not_screened_in") }, want: "scoring: not_screened_in band is required"},
		{name: "screen: screened_in unknown", doc: screenDoc, mutate: func(o obj) { scoring(o)["screened_in"] = "high" }, want: `scoring: screened_in: band "high" does not exist`},
		{name: "screen: bands reversed", doc: screenDoc, mutate: func(o obj) { scoring(o)["screened_in"] = "out"; scoring(o)["not_screened_in"] = "in" },
			want: `scoring: screened_in band "out" must come after not_screened_in band "in"`},
		{name: "screen: band with min", doc: screenDoc, mutate: func(o obj) { band(o, 1)["min"] = 1 }, want: `band "in": min is not used by the screen rule`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.raw)
			if tt.mutate != nil {
				doc := validDoc
				if tt.doc != nil {
					doc = tt.doc
				}
				o := doc(t)
				tt.mutate(o)
				data, _ = json.Marshal(o)
			}
			_, err := Parse("broken.json", data)
			if err == nil {
				t.Fatalf("no error for %s", data)
			}
			if haven.ErrorCode(err) != haven.EINVALID {
				t.Errorf("code %s", haven.ErrorCode(err))
			}
			if msg := haven.ErrorMessage(err); !strings.HasPrefix(msg, "broken.json: ") || !strings.Contains(msg, tt.want) {
				t.Errorf("got  %q\nwant %q", msg, "broken.json: …"+tt.want+"…")
			}
		})
	}
}

// Every built-in file survives a round trip through JSON.
func TestParseRoundTrip(t *testing.T) {
	list, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range list {
		data, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		again, err := Parse("again.json", data)
		if err != nil {
			t.Fatalf("%s: %v", in.ID, err)
		}
		again.File = in.File
		data2, _ := json.Marshal(again)
		if string(data) != string(data2) {
			t.Errorf("%s changed in a round trip", in.ID)
		}
	}
}

// The example in docs/RISK.md is a valid instrument.
func TestDocExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/RISK.md")
	if err != nil {
		t.Skip("docs/RISK.md not found")
	}
	_, rest, ok := strings.Cut(string(doc), "```json\n")
	example, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("no JSON example in docs/RISK.md")
	}
	in, err := Parse("metro-screen.json", []byte(example))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Score(in, map[string]string{"q1": "yes", "q3": "yes"}, haven.RiskFacts{})
	if err != nil || r.Band != "high" {
		t.Errorf("band %s, err %v", r.Band, err)
	}
}
