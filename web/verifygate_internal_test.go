package web

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestVerificationSlotsAreBounded(t *testing.T) {
	var releases []func()
	for i := 0; i < cap(verifySlots); i++ {
		ctx, done, err := startVerify(context.Background())
		if err != nil {
			t.Fatalf("slot %d: %v", i+1, err)
		}
		if deadline, ok := ctx.Deadline(); !ok || time.Until(deadline) > verifyBudget {
			t.Errorf("slot %d: no time budget on the verification context", i+1)
		}
		releases = append(releases, done)
	}
	if _, _, err := startVerify(context.Background()); !errors.Is(err, errVerifyBusy) {
		t.Errorf("with every slot taken: %v, want errVerifyBusy", err)
	}
	for _, done := range releases {
		done()
	}
	_, done, err := startVerify(context.Background())
	if err != nil {
		t.Fatalf("after the slots were released: %v", err)
	}
	done()
}
