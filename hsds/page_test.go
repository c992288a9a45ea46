package hsds

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestNewPage(t *testing.T) {
	tests := []struct {
		name                        string
		items, total, page, perPage int
		want                        Page[int]
	}{
		{"one page", 2, 2, 1, 10, Page[int]{TotalItems: 2, TotalPages: 1, PageNumber: 1, Size: 2, FirstPage: true, LastPage: true}},
		{"empty result", 0, 0, 1, 10, Page[int]{TotalItems: 0, TotalPages: 0, PageNumber: 1, Size: 0, FirstPage: true, LastPage: true, Empty: true}},
		{"first of three", 10, 25, 1, 10, Page[int]{TotalItems: 25, TotalPages: 3, PageNumber: 1, Size: 10, FirstPage: true}},
		{"middle", 10, 25, 2, 10, Page[int]{TotalItems: 25, TotalPages: 3, PageNumber: 2, Size: 10}},
		{"last, partly full", 5, 25, 3, 10, Page[int]{TotalItems: 25, TotalPages: 3, PageNumber: 3, Size: 5, LastPage: true}},
		{"exactly full", 10, 20, 2, 10, Page[int]{TotalItems: 20, TotalPages: 2, PageNumber: 2, Size: 10, LastPage: true}},
		{"past the end", 0, 25, 4, 10, Page[int]{TotalItems: 25, TotalPages: 3, PageNumber: 4, Size: 0, LastPage: true, Empty: true}},
		{"page 0 is page 1", 3, 3, 0, 10, Page[int]{TotalItems: 3, TotalPages: 1, PageNumber: 1, Size: 3, FirstPage: true, LastPage: true}},
		{"no page size: one page", 3, 3, 1, 0, Page[int]{TotalItems: 3, TotalPages: 1, PageNumber: 1, Size: 3, FirstPage: true, LastPage: true}},
		{"total below the items", 3, 1, 1, 10, Page[int]{TotalItems: 3, TotalPages: 1, PageNumber: 1, Size: 3, FirstPage: true, LastPage: true}},
		{"huge page", 0, 5, math.MaxInt, 10, Page[int]{TotalItems: 5, TotalPages: 1, PageNumber: math.MaxInt, LastPage: true, Empty: true}},
		// The standard's examples/organization_list.json.
		{"the standard's example", 1, 10, 1, 1, Page[int]{TotalItems: 10, TotalPages: 10, PageNumber: 1, Size: 1, FirstPage: true}},
	}
	for _, tt := range tests {
		items := make([]int, tt.items)
		got := NewPage(items, tt.total, tt.page, tt.perPage)
		tt.want.Contents = items
		if got.TotalItems != tt.want.TotalItems || got.TotalPages != tt.want.TotalPages || got.PageNumber != tt.want.PageNumber ||
			got.Size != tt.want.Size || got.FirstPage != tt.want.FirstPage || got.LastPage != tt.want.LastPage || got.Empty != tt.want.Empty ||
			len(got.Contents) != tt.items {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
	// contents is never null, every header field is always written.
	data, _ := json.Marshal(NewPage[Service](nil, 0, 1, 10))
	if want := `{"total_items":0,"total_pages":0,"page_number":1,"size":0,"first_page":true,"last_page":true,"empty":true,"contents":[]}`; string(data) != want {
		t.Errorf("empty page: %s", data)
	}
}

func TestPaginate(t *testing.T) {
	all := make([]string, 25)
	for i := range all {
		all[i] = strings.Repeat("x", i)
	}
	for _, tt := range []struct {
		page, perPage, size, first int
		last                       bool
	}{
		{1, 10, 10, 0, false}, {3, 10, 5, 20, true}, {4, 10, 0, -1, true}, {1, 0, 25, 0, true},
		{-5, 10, 10, 0, false}, {math.MaxInt, math.MaxInt, 0, -1, true}, {2, math.MaxInt, 0, -1, true},
	} {
		p := Paginate(all, tt.page, tt.perPage)
		if p.Size != tt.size || p.LastPage != tt.last || p.TotalItems != 25 {
			t.Errorf("Paginate(25, %d, %d): %+v", tt.page, tt.perPage, p)
		}
		if tt.first >= 0 && (len(p.Contents) == 0 || p.Contents[0] != all[tt.first]) {
			t.Errorf("Paginate(25, %d, %d) starts wrong", tt.page, tt.perPage)
		}
	}
	// The page's slice cannot grow into the list.
	p := Paginate(all, 1, 10)
	p.Contents = append(p.Contents, "new")
	if all[10] == "new" {
		t.Error("appending to a page overwrote the list")
	}
}
