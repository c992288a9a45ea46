package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImportBoundaries(t *testing.T) {
	eachDB(t, func(t *testing.T, tg target) {
		tg.run(t, "agency", "create", "--slug", "metro-pd", "--name", "Metro PD", "--kind", "police")
		dir := t.TempDir()
		write := func(name, s string) string {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		sq := `{"type":"Polygon","coordinates":[[[-87.7,41.8],[-87.6,41.8],[-87.6,41.9],[-87.7,41.9],[-87.7,41.8]]]}`
		good := write("good.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"dist_num":"1"},"geometry":`+sq+`}]}`)
		noName := write("noname.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"dist_num":"1"},"geometry":`+sq+`},
			{"type":"Feature","properties":{"x":"2"},"geometry":`+sq+`}]}`)
		point := write("point.geojson", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"dist_num":"1"},"geometry":{"type":"Point","coordinates":[0,0]}}]}`)
		for _, s := range []struct {
			name   string
			args   []string
			fails  bool
			stdout string
			stderr string
		}{
			{"import", []string{"import", "boundaries", "--agency", "metro-pd", "--kind", "district", "--name-property", "dist_num", good}, false, "Imported 1 district boundaries into metro-pd", ""},
			{"no name", []string{"import", "boundaries", "--agency", "metro-pd", "--name-property", "dist_num", noName}, true, "", `feature 1: no property "dist_num"`},
			{"point", []string{"import", "boundaries", "--agency", "metro-pd", "--name-property", "dist_num", point}, true, "", `feature 0 (1): geometry type "Point"`},
			{"no such agency", []string{"import", "boundaries", "--agency", "nope", "--name-property", "dist_num", good}, true, "", "no agency with slug"},
			{"no such file", []string{"import", "boundaries", "--agency", "metro-pd", "--name-property", "dist_num", filepath.Join(dir, "nope")}, true, "", "cannot read"},
		} {
			t.Run(s.name, func(t *testing.T) {
				r := tg.try(t, testMain(nil), append(s.args[:len(s.args)-1:len(s.args)-1], append(tg.flags, s.args[len(s.args)-1])...)...)
				if (r.err != nil) != s.fails {
					t.Fatalf("err %v, want failure %v\n%s\n%s", r.err, s.fails, r.stdout, r.stderr)
				}
				if !strings.Contains(r.stdout, s.stdout) || !strings.Contains(r.stderr+errString(r.err), s.stderr) {
					t.Errorf("stdout %q stderr %q err %v; want %q / %q", r.stdout, r.stderr, r.err, s.stdout, s.stderr)
				}
			})
		}
	})
}

// The analytics map's serve settings are checked before anything starts.
func TestMapServeFlags(t *testing.T) {
	for _, tt := range []struct {
		args     []string
		env      map[string]string
		contains string
	}{
		{[]string{"config", "--map-tiles", "tiles/{z}/{x}/{y}.png"}, nil, `invalid value "tiles/{z}/{x}/{y}.png" for --map-tiles`},
		{[]string{"config"}, map[string]string{"HAVEN_MAP_TILES": "javascript:x"}, "(env HAVEN_MAP_TILES)"},
		{[]string{"config", "--map-max-zoom", "20"}, nil, "--map-max-zoom must be from 1 to 19"},
		{[]string{"config", "--map-min-cell", "10"}, nil, "--map-min-cell must be from 50 to 10000 metres"},
		{[]string{"config", "--suppress-threshold", "0"}, nil, "--suppress-threshold must be at least 1"},
	} {
		r := runMain(t, testMain(tt.env), tt.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tt.contains) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, r.code, r.stderr, tt.contains)
		}
	}
}
