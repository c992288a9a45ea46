package importer

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/haven-dv/haven"
	"github.com/haven-dv/haven/nibrs"
)

// The portal's 22 columns, as in crimes_2016_sample.csv.
const portalHeader = "ID,Case Number,Date,Block,IUCR,Primary Type,Description,Location Description,Arrest,Domestic,Beat,District,Ward,Community Area,FBI Code,X Coordinate,Y Coordinate,Year,Updated On,Latitude,Longitude,Location"

// The 21 columns of the 100k sample, with x/y for longitude/latitude.
const sampleHeader = "x,y,ID,Case Number,Date,Block,IUCR,Primary Type,Description,Location Description,Arrest,Domestic,Beat,District,Ward,Community Area,FBI Code,X Coordinate,Y Coordinate,Year,Updated On"

// Real rows of the two files.
const (
	portalRow = `10508693,HZ250496,05/03/2016 11:40:00 PM,013XX S SAWYER AVE,0486,BATTERY,DOMESTIC BATTERY SIMPLE,APARTMENT,True,True,1022,10.0,24.0,29.0,08B,1154907.0,1893681.0,2016,05/10/2016 03:56:50 PM,41.864073157,-87.706818608,"(41.864073157, -87.706818608)"`
	sampleRow = `-87.61660349,41.75381297,7309277,HS113114,01/10/2010 01:00:00 AM,077XX S CALUMET AVE,1310,CRIMINAL DAMAGE,TO PROPERTY,STREET,false,true,0623,006,6,69,14,1179816,1853695,2010,02/10/2018 03:50:01 PM`
)

func splitCSV(s string) []string {
	// Good enough for the fixtures: only the Location column is quoted.
	if i := strings.Index(s, `,"(`); i >= 0 {
		return append(strings.Split(s[:i], ","), strings.Trim(s[i+1:], `"`))
	}
	return strings.Split(s, ",")
}

func mapper(t testing.TB, f Format, header string) Mapper {
	t.Helper()
	m, err := f.Header(strings.Split(header, ","))
	if err != nil {
		t.Fatalf("header: %v", err)
	}
	return m
}

func fp(v float64) *float64 { return &v }

func TestChicagoPortalRow(t *testing.T) {
	inc, err := mapper(t, Chicago(), portalHeader).Map(splitCSV(portalRow), 2)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2016, 5, 4, 4, 40, 0, 0, time.UTC) // 11:40 PM CDT (UTC-5)
	want := &haven.Incident{
		Source: "chicago", SourceID: "10508693",
		ReportedAt: at, OccurredAt: &at,
		Domestic: true,
		Location: haven.Location{Address: "013XX S SAWYER AVE", Latitude: fp(41.864073157), Longitude: fp(-87.706818608),
			Beat: "1022", District: "010", LocationType: "APARTMENT"},
		SourceCodes: map[string]string{"iucr": "0486", "fbi_code": "08B", "primary_type": "BATTERY",
			"description": "DOMESTIC BATTERY SIMPLE", "case_number": "HZ250496", "arrest": "true"},
		Offenses: []haven.Offense{{Code: "13B"}},
	}
	if !reflect.DeepEqual(inc, want) {
		t.Errorf("got  %+v\nwant %+v", inc, want)
	}
}

func TestChicagoSampleRow(t *testing.T) {
	inc, err := mapper(t, Chicago(), sampleHeader).Map(splitCSV(sampleRow), 3)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2010, 1, 10, 7, 0, 0, 0, time.UTC) // 1:00 AM CST (UTC-6)
	want := &haven.Incident{
		Source: "chicago", SourceID: "7309277",
		ReportedAt: at, OccurredAt: &at,
		Domestic: true,
		Location: haven.Location{Address: "077XX S CALUMET AVE", Latitude: fp(41.75381297), Longitude: fp(-87.61660349),
			Beat: "0623", District: "006", LocationType: "STREET"},
		SourceCodes: map[string]string{"iucr": "1310", "fbi_code": "14", "primary_type": "CRIMINAL DAMAGE",
			"description": "TO PROPERTY", "case_number": "HS113114", "arrest": "false"},
		Offenses: []haven.Offense{{Code: "290"}},
	}
	if !reflect.DeepEqual(inc, want) {
		t.Errorf("got  %+v\nwant %+v", inc, want)
	}
}

func TestChicagoHeader(t *testing.T) {
	tests := []struct {
		name    string
		header  string
		missing []string
		reason  string // part of the error, "" for none
	}{
		{"portal", portalHeader, nil, ""},
		{"100k sample", sampleHeader, nil, ""},
		{"leading row number", "," + portalHeader, nil, ""},
		{"Kaggle row number", "Unnamed: 0," + portalHeader, nil, ""},
		{"API snake_case", "id,case_number,date,block,iucr,primary_type,description,location_description,arrest,domestic,beat,district,fbi_code,latitude,longitude", nil, ""},
		{"odd case and spaces", " id , DATE,domestic ", nil, ""},
		{"byte-order mark", "\ufeffID,Date,Domestic", nil, ""},
		{"only Location", "ID,Date,Domestic,Location", nil, ""},
		{"no Date or Domestic", "ID,Block,Latitude,Longitude", []string{"Date", "Domestic"}, ""},
		{"no ID", "Date,Domestic", []string{"ID"}, ""},
		{"latitude alone", "ID,Date,Domestic,Latitude", nil, "Latitude and Longitude go together"},
		{"x alone", "ID,Date,Domestic,x", nil, "x (longitude) and y (latitude) go together"},
		{"ID twice", "ID,Date,Domestic,id", nil, `column "id" appears more than once`},
		{"empty", "", []string{"ID", "Date", "Domestic"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Chicago().Header(strings.Split(tt.header, ","))
			if tt.missing == nil && tt.reason == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var he *HeaderError
			if !errors.As(err, &he) {
				t.Fatalf("err = %v, want a *HeaderError", err)
			}
			if !reflect.DeepEqual(he.Missing, tt.missing) || !strings.Contains(he.Reason, tt.reason) {
				t.Errorf("missing %v, reason %q; want %v, %q", he.Missing, he.Reason, tt.missing, tt.reason)
			}
			if !strings.HasPrefix(err.Error(), "line 1: ") {
				t.Errorf("error %q does not name line 1", err)
			}
			for _, m := range tt.missing {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not name %s", err, m)
				}
			}
		})
	}
	err := &HeaderError{Format: "chicago", Missing: []string{"Date", "Domestic"}}
	if want := "line 1: the header lacks the columns Date, Domestic, which the chicago format requires"; err.Error() != want {
		t.Errorf("%q, want %q", err, want)
	}
}

// Each case edits the real portal row: column name → new value.
func TestChicagoValues(t *testing.T) {
	m := mapper(t, Chicago(), portalHeader)
	cols := strings.Split(portalHeader, ",")
	edit := func(changes map[string]string) []string {
		rec := splitCSV(portalRow)
		for k, v := range changes {
			found := false
			for i, c := range cols {
				if c == k {
					rec[i], found = v, true
				}
			}
			if !found {
				t.Fatalf("no column %s", k)
			}
		}
		return rec
	}
	tests := []struct {
		name    string
		changes map[string]string
		err     string // the whole error, "" for none
		check   func(*haven.Incident) bool
	}{
		{"lower-case booleans", map[string]string{"Domestic": "false", "Arrest": "false"}, "",
			func(i *haven.Incident) bool { return !i.Domestic && i.SourceCodes["arrest"] == "false" }},
		{"1 and 0", map[string]string{"Domestic": "1", "Arrest": "0"}, "",
			func(i *haven.Incident) bool { return i.Domestic && i.SourceCodes["arrest"] == "false" }},
		{"TRUE", map[string]string{"Domestic": "TRUE"}, "", func(i *haven.Incident) bool { return i.Domestic }},
		{"empty Arrest", map[string]string{"Arrest": ""}, "",
			func(i *haven.Incident) bool { _, ok := i.SourceCodes["arrest"]; return !ok }},
		{"district 10", map[string]string{"District": "10"}, "", func(i *haven.Incident) bool { return i.Location.District == "010" }},
		{"district 010", map[string]string{"District": "010"}, "", func(i *haven.Incident) bool { return i.Location.District == "010" }},
		{"district 1.0", map[string]string{"District": "1.0"}, "", func(i *haven.Incident) bool { return i.Location.District == "001" }},
		{"district 31.00", map[string]string{"District": "31.00"}, "", func(i *haven.Incident) bool { return i.Location.District == "031" }},
		{"district empty", map[string]string{"District": ""}, "", func(i *haven.Incident) bool { return i.Location.District == "" }},
		{"district with letters kept", map[string]string{"District": "NORTH"}, "", func(i *haven.Incident) bool { return i.Location.District == "NORTH" }},
		{"district 10.5 kept", map[string]string{"District": "10.5"}, "", func(i *haven.Incident) bool { return i.Location.District == "10.5" }},
		{"beat 313", map[string]string{"Beat": "313"}, "", func(i *haven.Incident) bool { return i.Location.Beat == "0313" }},
		{"beat 313.0", map[string]string{"Beat": "313.0"}, "", func(i *haven.Incident) bool { return i.Location.Beat == "0313" }},
		{"IUCR 486", map[string]string{"IUCR": "486"}, "", func(i *haven.Incident) bool { return i.SourceCodes["iucr"] == "0486" }},
		{"fbi lower case", map[string]string{"FBI Code": "04b"}, "",
			func(i *haven.Incident) bool { return i.SourceCodes["fbi_code"] == "04B" && i.Offenses[0].Code == "13A" }},
		{"unmapped FBI code", map[string]string{"FBI Code": "06"}, "", func(i *haven.Incident) bool { return len(i.Offenses) == 0 }},
		{"no coordinates", map[string]string{"Latitude": "", "Longitude": "", "Location": ""}, "",
			func(i *haven.Incident) bool { return i.Location.Latitude == nil && i.Location.Longitude == nil }},
		{"outside Chicago is fine", map[string]string{"Latitude": "30.2672", "Longitude": "-97.7431"}, "",
			func(i *haven.Incident) bool { return *i.Location.Latitude == 30.2672 }},
		{"winter time", map[string]string{"Date": "01/15/2016 12:00:00 PM"}, "",
			func(i *haven.Incident) bool { return i.OccurredAt.Equal(time.Date(2016, 1, 15, 18, 0, 0, 0, time.UTC)) }},
		{"midnight", map[string]string{"Date": "07/04/2016 12:00:00 AM"}, "",
			func(i *haven.Incident) bool { return i.OccurredAt.Equal(time.Date(2016, 7, 4, 5, 0, 0, 0, time.UTC)) }},
		{"API timestamp", map[string]string{"Date": "2016-05-03T23:40:00.000"}, "",
			func(i *haven.Incident) bool { return i.OccurredAt.Equal(time.Date(2016, 5, 4, 4, 40, 0, 0, time.UTC)) }},
		{"spaces trimmed", map[string]string{"ID": " 42 ", "Domestic": " True "}, "",
			func(i *haven.Incident) bool { return i.SourceID == "42" && i.Domestic }},

		{"bad date", map[string]string{"Date": "13/45/2016 11:40:00 PM"}, `line 57: column Date: cannot parse "13/45/2016 11:40:00 PM" as MM/DD/YYYY hh:mm:ss AM/PM`, nil},
		{"24-hour date", map[string]string{"Date": "05/03/2016 23:40:00"}, `line 57: column Date: cannot parse "05/03/2016 23:40:00" as MM/DD/YYYY hh:mm:ss AM/PM`, nil},
		{"empty date", map[string]string{"Date": ""}, "line 57: column Date: empty: every record needs its date", nil},
		{"date in 1066", map[string]string{"Date": "10/14/1066 09:00:00 AM"}, `line 57: column Date: "10/14/1066 09:00:00 AM" is not between 1900 and 2099`, nil},
		{"empty ID", map[string]string{"ID": ""}, "line 57: column ID: empty: every record needs its id in the source", nil},
		{"ID with a space", map[string]string{"ID": "10 5"}, `line 57: column ID: "10 5" contains a space or control character`, nil},
		{"bad Domestic", map[string]string{"Domestic": "maybe"}, `line 57: column Domestic: "maybe" is not true or false`, nil},
		{"empty Domestic", map[string]string{"Domestic": ""}, `line 57: column Domestic: "" is not true or false`, nil},
		{"bad Arrest", map[string]string{"Arrest": "2"}, `line 57: column Arrest: "2" is not true or false`, nil},
		{"latitude 91", map[string]string{"Latitude": "91"}, `line 57: column Latitude: latitude "91" is outside -90 to 90`, nil},
		{"longitude -181", map[string]string{"Longitude": "-181"}, `line 57: column Longitude: longitude "-181" is outside -180 to 180`, nil},
		{"latitude NaN", map[string]string{"Latitude": "NaN"}, `line 57: column Latitude: cannot parse "NaN" as a latitude in degrees`, nil},
		{"latitude text", map[string]string{"Latitude": "north"}, `line 57: column Latitude: cannot parse "north" as a latitude in degrees`, nil},
		{"latitude without longitude", map[string]string{"Longitude": ""}, `line 57: column Longitude: empty while Latitude is "41.864073157": give both or neither`, nil},
		{"longitude without latitude", map[string]string{"Latitude": ""}, `line 57: column Latitude: empty while Longitude is "-87.706818608": give both or neither`, nil},
		{"block not UTF-8", map[string]string{"Block": "013XX S \xff AVE"}, "line 57: column Block: not valid UTF-8 text", nil},
		{"block with NUL", map[string]string{"Block": "013XX\x00"}, "line 57: column Block: contains a control character (U+0000)", nil},
		{"long description", map[string]string{"Description": strings.Repeat("A", 101)}, "line 57: column Description: longer than 100 bytes", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inc, err := m.Map(edit(tt.changes), 57)
			if tt.err != "" {
				var re *RowError
				if !errors.As(err, &re) || re.Line != 57 {
					t.Fatalf("err = %v, want a *RowError on line 57", err)
				}
				if err.Error() != tt.err {
					t.Errorf("error\n %s\nwant\n %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(inc) {
				t.Errorf("unexpected %+v", inc)
			}
		})
	}
}

func TestChicagoFieldCount(t *testing.T) {
	m := mapper(t, Chicago(), sampleHeader)
	_, err := m.Map(strings.Split(sampleRow+",extra", ","), 9)
	if err == nil || err.Error() != "line 9: has 22 fields; the header has 21" {
		t.Errorf("err = %v", err)
	}
	_, err = m.Map([]string{"x"}, 10)
	if err == nil || err.Error() != "line 10: has 1 fields; the header has 21" {
		t.Errorf("err = %v", err)
	}
}

// The location column alone gives the point.
func TestChicagoLocationColumn(t *testing.T) {
	m := mapper(t, Chicago(), "ID,Date,Domestic,Location")
	for _, tt := range []struct {
		loc      string
		lat, lon float64
		err      string
	}{
		{"(41.86, -87.70)", 41.86, -87.70, ""},
		{"(41.86,-87.70)", 41.86, -87.70, ""},
		{"", 0, 0, ""},
		{"41.86, -87.70", 0, 0, `line 4: column Location: cannot parse "41.86, -87.70" as (latitude, longitude)`},
		{"(141.86, -87.70)", 0, 0, `line 4: column Location: latitude "141.86" is outside -90 to 90`},
	} {
		inc, err := m.Map([]string{"1", "01/01/2020 01:00:00 AM", "false", tt.loc}, 4)
		switch {
		case tt.err != "":
			if err == nil || err.Error() != tt.err {
				t.Errorf("%q: err = %v, want %s", tt.loc, err, tt.err)
			}
		case err != nil:
			t.Errorf("%q: %v", tt.loc, err)
		case tt.loc == "":
			if inc.Location.Latitude != nil {
				t.Errorf("%q: point %v", tt.loc, *inc.Location.Latitude)
			}
		case *inc.Location.Latitude != tt.lat || *inc.Location.Longitude != tt.lon:
			t.Errorf("%q: %v, %v", tt.loc, *inc.Location.Latitude, *inc.Location.Longitude)
		}
	}
}

func TestChicagoOffenses(t *testing.T) {
	tests := []struct {
		iucr, fbi string
		domestic  bool
		want      []haven.Offense
	}{
		{"0486", "08B", true, []haven.Offense{{Code: "13B"}}},                                // domestic battery simple
		{"0460", "08B", false, []haven.Offense{{Code: "13B"}}},                               // battery simple
		{"0560", "08A", false, []haven.Offense{{Code: "13B"}}},                               // assault simple
		{"0498", "04B", true, []haven.Offense{{Code: "13A", Circumstances: []string{"06"}}}}, // aggravated domestic battery
		{"0430", "04B", false, []haven.Offense{{Code: "13A"}}},
		{"051A", "04A", true, []haven.Offense{{Code: "13A", Circumstances: []string{"06"}}}},
		{"0110", "01A", true, []haven.Offense{{Code: "09A", Circumstances: []string{"06"}}}},
		{"0142", "01B", true, []haven.Offense{{Code: "09B"}}}, // circumstance 06 is for 09A/13A only
		{"1310", "14", true, []haven.Offense{{Code: "290"}}},
		{"1330", "26", false, []haven.Offense{{Code: "90Z"}}},
		{"4387", "26", true, []haven.Offense{{Code: "90Z", Description: "protective-order violation"}}},
		{"4386", "26", false, []haven.Offense{{Code: "90Z", Description: "protective-order violation"}}},
		{"0580", "08A", true, []haven.Offense{{Code: "13C", Description: "stalking"}}},
		{"0583", "08A", false, []haven.Offense{{Code: "13C", Description: "stalking"}}},
		{"3960", "26", false, []haven.Offense{{Code: "13C"}}},
		{"0320", "03", false, []haven.Offense{{Code: "120"}}},
		{"0610", "05", false, []haven.Offense{{Code: "220"}}},
		{"0910", "07", false, []haven.Offense{{Code: "240"}}},
		{"1010", "09", false, []haven.Offense{{Code: "200"}}},
		{"1150", "10", false, []haven.Offense{{Code: "250"}}},
		{"1210", "12", false, []haven.Offense{{Code: "270"}}},
		{"1305", "13", false, []haven.Offense{{Code: "280"}}},
		{"143A", "15", false, []haven.Offense{{Code: "520"}}},
		{"2230", "22", false, []haven.Offense{{Code: "90G"}}},
		{"0470", "24", false, []haven.Offense{{Code: "90C"}}},
		// Classes NIBRS splits stay unmapped.
		{"0281", "02", true, nil},
		{"0820", "06", false, nil},
		{"1150", "11", false, nil},
		{"1562", "17", false, nil},
		{"2027", "18", false, nil},
		{"1750", "20", true, nil},
		{"", "", false, nil},
		{"9999", "99", false, nil},
	}
	for _, tt := range tests {
		got := chicagoOffenses(tt.iucr, tt.fbi, tt.domestic)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("IUCR %s FBI %s domestic %v: %+v, want %+v", tt.iucr, tt.fbi, tt.domestic, got, tt.want)
		}
	}
	// Every mapping names a real NIBRS code.
	for fbi, code := range fbiToNIBRS {
		if !nibrs.ValidOffense(code) {
			t.Errorf("FBI %s maps to %s, not a NIBRS offence code", fbi, code)
		}
	}
	for iucr, o := range iucrOffense {
		if !nibrs.ValidOffense(o.Code) {
			t.Errorf("IUCR %s maps to %s, not a NIBRS offence code", iucr, o.Code)
		}
	}
}
