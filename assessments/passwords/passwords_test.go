package passwords

import (
	"strings"
	"testing"
)

func TestCheckPolicy(t *testing.T) {
	for _, tc := range []struct {
		password, email string
		refused         string // part of the reason, "" when accepted
	}{
		{"correct horse battery", "ada@example.org", ""},
		{"short", "", "at least 12 characters"},
		{strings.Repeat("x", 257) + "y", "", "at most 256"},
		{"aaaaaaaaaaaaaaa", "", "too common"},
		{"abcabcabcabcabc", "", "too common"},
		{"my name is ada.lovelace!", "ada.lovelace@example.org", "email address"},
		{"ada likes long passwords", "ada@example.org", ""}, // local parts under 4 characters are too common to refuse
	} {
		err := CheckPolicy(tc.password, tc.email)
		switch {
		case tc.refused == "" && err != nil:
			t.Errorf("CheckPolicy(%q) = %v, want accepted", tc.password, err)
		case tc.refused != "" && (err == nil || !strings.Contains(err.Error(), tc.refused)):
			t.Errorf("CheckPolicy(%q) = %v, want a reason with %q", tc.password, err, tc.refused)
		}
	}
}

func TestHashMatches(t *testing.T) {
	h := Hash("correct horse battery")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not an argon2id PHC string with the OWASP parameters", h)
	}
	if h == Hash("correct horse battery") {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	if !Matches(h, "correct horse battery") {
		t.Error("the password does not match its own hash")
	}
	if Matches(h, "correct horse batterY") {
		t.Error("another password matches")
	}
	if Matches("", "") || Matches("", "piaf-no-such-account") {
		t.Error("an empty hash (an invited account) matches")
	}
	if Matches("$bcrypt$whatever", "x") {
		t.Error("a hash of another scheme matches")
	}
}
