package web_test

// Real-browser test of the public finder (docs/FINDER.md): on a phone,
// axe-core and the CSP console are clean and nothing scrolls sideways; a
// search finds a service with a tel: link without adding a history entry;
// Shift pressed three times, and the Exit button, both replace the finder
// with the neutral page, so Back does not return to it. See browser_test.go
// for the harness.

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// navHistory is the tab's session history (URLs, oldest first) and the
// index of the current entry, without the new tab's about:blank.
func navHistory(tb *tab) ([]string, int64) {
	tb.t.Helper()
	var res page.GetNavigationHistoryResult
	tb.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		var err error
		res, err = cdp.Call(ctx, t, page.GetNavigationHistory, cdp.Empty{})
		return err
	}))
	var urls []string
	cur := res.CurrentIndex
	for _, e := range res.Entries {
		if e.URL == "about:blank" && len(urls) == 0 { // the new tab's first entry
			cur--
			continue
		}
		urls = append(urls, e.URL)
	}
	return urls, cur
}

// pressShift presses and releases the Shift key as a keyboard would.
func pressShift() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		down := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeRawKeyDown, Key: "Shift", Code: "ShiftLeft",
			WindowsVirtualKeyCode: 16, NativeVirtualKeyCode: 16, Modifiers: 8, Location: 1}
		if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, down); err != nil {
			return err
		}
		up := down
		up.Type, up.Modifiers = input.DispatchKeyEventTypeKeyUp, 0
		_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, up)
		return err
	})
}

// waitLocation waits until the tab is at want.
func waitLocation(tb *tab, want string) {
	tb.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for time.Now().Before(deadline) {
		if tb.location() == want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.t.Fatalf("the tab is at %s, not %s", tb.location(), want)
}

func TestBrowserFind(t *testing.T) {
	if _, err := axeSource(); err != nil {
		t.Fatalf("axe-core: %v (see testdata/browser/README.md)", err)
	}
	e, exit := findEnv(t)
	browser := newBrowser(t)
	start := exit + "?start" // the page the person came from

	t.Run("es", func(t *testing.T) {
		t.Parallel()
		tb := newTab(t, browser, e)
		tb.do(emulatePhone)
		if st := tb.open("/find?lang=es&need=talk"); st != 200 {
			t.Fatalf("GET /find?lang=es: %d", st)
		}
		if got := evalJS[string](tb, `document.documentElement.lang + "|" + document.title`); got != "es|Buscar servicios locales" {
			t.Errorf("lang|title %q", got)
		}
		if u := tb.url(); u.RawQuery != "lang=es" {
			t.Errorf("after the search the address is %s; want /find?lang=es", u)
		}
		pageChecks(t, tb, "/find?lang=es", true)
	})

	for _, how := range []string{"shift", "button"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			tb := newTab(t, browser, e)
			tb.do(emulatePhone)
			if st := tb.open("/neutral?start"); st != 200 {
				t.Fatalf("start page: %d", st)
			}
			if st := tb.open("/find"); st != 200 {
				t.Fatalf("GET /find: %d", st)
			}
			if got := evalJS[string](tb, `document.title`); got != "Find local services" {
				t.Errorf("title %q", got)
			}
			if !evalJS[bool](tb, `!document.getElementById("exit-hint").hidden`) {
				t.Error("the Shift hint is not shown with JavaScript on")
			}
			pageChecks(t, tb, "/find", true)

			// Search by need: the results replace the entry and the search
			// leaves the address bar.
			tb.do(chromedp.SetValue(chromedp.CSS("#need"), "stay"))
			if st := tb.click("#find-form button[type=submit]"); st != 200 {
				t.Fatalf("search: %d", st)
			}
			if txt := tb.text(".fx-results"); !strings.Contains(txt, "Emergency refuge") || !strings.Contains(txt, "Northgate") {
				t.Errorf("results: %q", txt)
			}
			tel := evalJS[string](tb, `(a => a ? a.getAttribute("href") : "")(document.querySelector(".fx-results a[href^='tel:']"))`)
			if tel != "tel:08000005678" {
				t.Errorf("the shelter's call link is %q", tel)
			}
			if u := tb.url(); u.Path != "/find" || u.RawQuery != "" {
				t.Errorf("after the search the address is %s; want /find without the search", u)
			}
			pageChecks(t, tb, "/find results", true)
			if h, cur := navHistory(tb); len(h) != 2 || cur != 1 || h[0] != start {
				t.Errorf("history after a search: %q (current %d); want the start page and one finder entry", h, cur)
			}

			switch how {
			case "shift":
				// Shift, another key, Shift twice: not three in a row, stays.
				tb.do(pressShift(), chromedp.KeyEvent("a"), pressShift(), pressShift())
				time.Sleep(300 * time.Millisecond)
				if u := tb.url(); u.Path != "/find" {
					t.Fatalf("an interrupted Shift sequence left the page, to %s", u)
				}
				tb.do(pressShift(), pressShift(), pressShift())
			case "button":
				if got := tb.text("#exit-this-page"); got != "Exit this page" {
					t.Errorf("exit button text %q", got)
				}
				tb.do(chromedp.Click(chromedp.CSS("#exit-this-page")))
			}
			waitLocation(tb, exit)
			h, cur := navHistory(tb)
			for _, u := range h {
				if strings.Contains(u, "/find") {
					t.Errorf("the finder is still in the history: %q", h)
				}
			}
			if len(h) != 2 || cur != 1 || h[0] != start {
				t.Errorf("history after the exit: %q (current %d); want the start page, then the neutral page", h, cur)
			}
		})
	}
}
