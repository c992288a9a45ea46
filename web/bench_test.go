package web_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/haven-dv/haven/store/storetest"
)

// BenchmarkAPIMe is one authenticated API call through the whole stack over
// loopback HTTP: middleware, token lookup, user lookup, JSON.
func BenchmarkAPIMe(b *testing.B) {
	for _, d := range storetest.Drivers {
		b.Run(d, func(b *testing.B) {
			e := newEnv(b, storetest.Open(b, d, storetest.Config()))
			req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/me", nil)
			req.Header.Set("Authorization", "Bearer "+e.tokens["officer"])
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := http.DefaultClient.Do(req.Clone(req.Context()))
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Fatalf("status %d", resp.StatusCode)
					}
				}
			})
		})
	}
}
