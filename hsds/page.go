package hsds

// Page is one page of a list of the HSDS API: the paging header the
// standard's API reference requires of every list endpoint, then the items
// (schema/openapi.json, components.schemas.Page, with contents).
type Page[T any] struct {
	TotalItems int  `json:"total_items"` // items in the whole result, across all pages
	TotalPages int  `json:"total_pages"` // pages in the whole result
	PageNumber int  `json:"page_number"` // this page's number, from 1
	Size       int  `json:"size"`        // items on this page
	FirstPage  bool `json:"first_page"`  // this is the first page
	LastPage   bool `json:"last_page"`   // there is no page after this one
	Empty      bool `json:"empty"`       // this page has no items
	Contents   []T  `json:"contents"`
}

// NewPage builds page number page (from 1) of a result of total items in
// pages of perPage, whose items on this page are items:
//
//   - total_items is total, the caller's count of the whole result (at
//     least len(items));
//   - total_pages is total divided by perPage, rounded up: 0 for an empty
//     result;
//   - page_number is page (1 when page < 1);
//   - size is the number of items on this page, len(items), as the
//     reference describes it ("the number of entities in the current page"),
//     not the page size asked for;
//   - first_page is page_number == 1;
//   - last_page is page_number >= total_pages: true for the last page, for
//     a page past the end and for an empty result;
//   - empty is size == 0: true for an empty result and for a page past the
//     end;
//   - contents is items, never null.
//
// perPage < 1 stands for one page holding everything.
func NewPage[T any](items []T, total, page, perPage int) Page[T] {
	page = max(page, 1)
	if perPage < 1 {
		perPage = max(total, len(items), 1)
	}
	total = max(total, len(items))
	pages := total / perPage
	if total%perPage != 0 {
		pages++
	}
	if items == nil {
		items = []T{}
	}
	return Page[T]{
		TotalItems: total,
		TotalPages: pages,
		PageNumber: page,
		Size:       len(items),
		FirstPage:  page == 1,
		LastPage:   page >= pages,
		Empty:      len(items) == 0,
		Contents:   items,
	}
}

// Paginate returns page number page (from 1) of all, in pages of perPage:
// for lists held in memory, such as a taxonomy's terms.
func Paginate[T any](all []T, page, perPage int) Page[T] {
	page = max(page, 1)
	if perPage < 1 {
		perPage = max(len(all), 1)
	}
	start := len(all)
	if page-1 <= len(all)/perPage { // (page-1)*perPage cannot overflow
		start = min((page-1)*perPage, len(all))
	}
	end := start + min(perPage, len(all)-start)
	return NewPage(all[start:end:end], len(all), page, perPage)
}
