package main

import (
	"strings"
	"testing"

	"github.com/piaf-dev/piaf/assessments/workflow/workflowtest"
)

// TestSameVerdictOnTheCommandLine is the CLI's half of web's TestSameVerdictEverywhere: the
// inputs a command takes get the table's verdict, refused with one line naming the field.
func TestSameVerdictOnTheCommandLine(t *testing.T) {
	data := t.TempDir()
	for _, in := range workflowtest.Inputs {
		if in.Entity != "user" {
			continue // the other inputs have no command
		}
		t.Run(in.Name, func(t *testing.T) {
			r := runCmd(t, "a long enough passphrase\n", nil, "user", "add", "--data", data, "--email", in.Value, "--name", "Ann")
			if (r.err != nil) != in.Refused {
				t.Fatalf("refused=%v (%v), want refused=%v", r.err != nil, r.err, in.Refused)
			}
			if r.err != nil && (!strings.Contains(r.err.Error(), in.Field+": ") || strings.Contains(r.err.Error(), "\n")) {
				t.Errorf("error %q is not one line naming %s", r.err, in.Field)
			}
		})
	}
	r := runCmd(t, "a long enough passphrase\n", nil, "user", "add", "--data", data, "--email", "bob@example.org", "--name", "B\x00b")
	if r.err == nil || !strings.Contains(r.err.Error(), "name: ") {
		t.Errorf("a name with NUL: %v, want refused naming the name", r.err)
	}
}
