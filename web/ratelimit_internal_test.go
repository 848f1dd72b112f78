package web

import (
	"fmt"
	"testing"
	"time"
)

func TestLimiterRemembersLimitedClientsPastItsCapacity(t *testing.T) {
	l := newLimiter(20, time.Minute)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 20; i++ {
		if !l.allow("192.0.2.1", now) {
			t.Fatalf("request %d refused", i+1)
		}
	}
	if l.allow("192.0.2.1", now) {
		t.Fatal("the 21st request in a minute was allowed")
	}
	// Review of issue 17: past 10,000 addresses the limiter forgot everyone.
	for i := 0; i < 3*defaultMaxClients; i++ {
		l.allow(fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), now.Add(time.Second))
	}
	if n := len(l.full); n > defaultMaxClients {
		t.Errorf("the limiter holds %d clients, more than %d", n, defaultMaxClients)
	}
	if l.allow("192.0.2.1", now.Add(time.Second)) {
		t.Error("a limited client was forgotten after many other addresses")
	}
	// Newcomers past the capacity share one allowance rather than go unlimited.
	allowed := 0
	for i := 0; i < 100; i++ {
		if l.allow(fmt.Sprintf("172.16.0.%d", i), now.Add(2*time.Second)) {
			allowed++
		}
	}
	if allowed > 20 {
		t.Errorf("%d newcomers allowed past the capacity, want at most 20", allowed)
	}
	// A minute later every allowance is whole again, and the old entries go.
	later := now.Add(2 * time.Minute)
	if !l.allow("192.0.2.1", later) || !l.allow("172.16.0.1", later) {
		t.Error("clients still refused a minute after their last request")
	}
	if n := len(l.full); n > 2 {
		t.Errorf("%d clients kept after every allowance was whole again", n)
	}
}

func TestClientKeyGroupsIPv6By64(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":            "192.0.2.7",
		"::ffff:192.0.2.7":     "192.0.2.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
		"not an address":       "not an address",
	} {
		if got := clientKey(in); got != want {
			t.Errorf("clientKey(%q) = %q, want %q", in, got, want)
		}
	}
}
