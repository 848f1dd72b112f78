package workflow

import (
	"context"
	"time"
)

// RunReminders runs a pass every interval until ctx ends.
func (s *Service) RunReminders(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		rep, err := s.RemindOnce(ctx, s.now(), false)
		if err != nil && ctx.Err() == nil {
			s.log.Error("reminder pass", "err", err)
		} else if rep.Queued > 0 || rep.Sent > 0 || rep.Failed > 0 {
			s.log.Info("reminder pass", "due", rep.Due, "queued", rep.Queued, "sent", rep.Sent, "failed", rep.Failed)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
