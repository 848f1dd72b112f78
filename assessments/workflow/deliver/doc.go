// Package deliver sends things out of piaf: email over SMTP, signed webhooks
// and iCalendar feeds. It knows nothing of the database or of reminders; the
// caller decides what to send, to whom, and records what happened.
//
// Exactly-once delivery is the caller's job, but this package helps: an
// Email carries a stable Message-ID and a webhook a stable delivery id, both
// derived by the caller from the reminder key, so a receiver can drop the
// duplicate that a crash between "sent" and "recorded" may cause.
package deliver
