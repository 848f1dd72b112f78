package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/store"
)

// The dashboard's and the project list's queries on an instance written by `piaf seed`, as the
// administrator (every project) and as the seeded member (their projects only). Point
// PIAF_BENCH_DATA at a seeded data folder (it is migrated if needed; the benchmark only
// reads); compare a 100-project and a 10,000-project seed:
//
//	piaf seed --data /tmp/s100 --projects 100 --assessments 30 --revisions 3000 --password ...
//	PIAF_BENCH_DATA=/tmp/s100 go test -run '^$' -bench Seeded ./store
func BenchmarkSeeded(b *testing.B) {
	dir := os.Getenv("PIAF_BENCH_DATA")
	if dir == "" {
		b.Skip("set PIAF_BENCH_DATA to a folder written by piaf seed")
	}
	ctx := context.Background()
	s, err := store.OpenFile(ctx, filepath.Join(dir, store.FileName))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	admin, err := s.UserByEmail(ctx, "admin@seed.piaf.test")
	if err != nil {
		b.Fatal(err)
	}
	member, err := s.UserByEmail(ctx, "member@seed.piaf.test")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	today, horizon := now.Format(time.DateOnly), now.AddDate(0, 0, 30).Format(time.DateOnly)
	for _, who := range []struct {
		name  string
		scope store.Scope
	}{{"admin", store.Scope{UserID: admin.ID, All: true}}, {"member", store.Scope{UserID: member.ID}}} {
		// cached: what a page costs while nothing was written since the last one; read: right
		// after a write, when the lists are read from the database again.
		for _, mode := range []string{"cached", "read"} {
			forget := func() {
				if mode == "read" {
					s.ForgetCached()
				}
			}
			dashboard := func(b *testing.B) {
				if _, _, err := s.OpenHighRisks(ctx, who.scope, 10); err != nil {
					b.Fatal(err)
				}
				if _, _, err := s.OverdueMitigations(ctx, who.scope, today, 10); err != nil {
					b.Fatal(err)
				}
				if _, _, err := s.DueSoonList(ctx, who.scope, today, horizon, 20); err != nil {
					b.Fatal(err)
				}
			}
			projects := func(b *testing.B) {
				if _, _, err := s.Projects(ctx, store.ProjectQuery{UserID: who.scope.UserID, All: who.scope.All, Limit: 20}); err != nil {
					b.Fatal(err)
				}
			}
			b.Run("dashboard/"+who.name+"/"+mode, func(b *testing.B) {
				dashboard(b) // the first read fills the cache
				cpuPerOp(b)
				for b.Loop() {
					forget()
					dashboard(b)
				}
			})
			b.Run("projects/"+who.name+"/"+mode, func(b *testing.B) {
				projects(b)
				cpuPerOp(b)
				for b.Loop() {
					forget()
					projects(b)
				}
			})
		}
	}
}
