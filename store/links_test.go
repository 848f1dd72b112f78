package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/piaf-dev/piaf/store"
	"github.com/piaf-dev/piaf/store/storetest"
)

// Review of issue 17, item 6: reset links lived 7 days, as long as invitations.
func TestResetLinksExpireWithinHours(t *testing.T) {
	s := storetest.New(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	u, err := s.CreateUser(ctx, store.NewUser{Email: "a@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		purpose store.LinkPurpose
		asked   time.Duration
		want    time.Duration
	}{
		{store.LinkReset, 7 * 24 * time.Hour, 4 * time.Hour},
		{store.LinkReset, time.Hour, time.Hour},
		{store.LinkInvite, 30 * 24 * time.Hour, 7 * 24 * time.Hour},
		{store.LinkInvite, 7 * 24 * time.Hour, 7 * 24 * time.Hour},
	} {
		tok, err := s.CreateLink(ctx, tc.purpose, u.ID, tc.asked)
		if err != nil {
			t.Fatal(err)
		}
		l, err := s.Link(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.ExpiresAt.Sub(now); got != tc.want {
			t.Errorf("%s link asked for %v lives %v, want %v", tc.purpose, tc.asked, got, tc.want)
		}
	}
}
