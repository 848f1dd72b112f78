package web

import (
	"context"
	"errors"
	"runtime"
	"time"
)

// Verification of uploaded reports is open to anyone, so its cost is bounded three ways: the
// signing package refuses malformed PDFs in linear time before parsing, each verification has a
// time budget after which the parser is stopped, and only a few run at once in the process
// (CPU is the process's, not a server's, so the limit is too).
const (
	verifyBudget = 5 * time.Second
	// verifyWait is how long a request waits for a free slot before it is told to retry.
	verifyWait = 2 * time.Second
)

var verifySlots = make(chan struct{}, max(1, runtime.NumCPU()/2))

// errVerifyBusy means every verification slot stayed taken for verifyWait.
var errVerifyBusy = errors.New("web: every verification slot is busy")

// startVerify waits for a verification slot and returns a context bounded by the time budget;
// done releases both.
func startVerify(ctx context.Context) (context.Context, func(), error) {
	wait, cancelWait := context.WithTimeout(ctx, verifyWait)
	defer cancelWait()
	select {
	case verifySlots <- struct{}{}:
	case <-wait.Done():
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, nil, errVerifyBusy
	}
	ctx, cancel := context.WithTimeout(ctx, verifyBudget)
	return ctx, func() { cancel(); <-verifySlots }, nil
}
