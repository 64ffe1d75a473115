package controller

import (
	"errors"
	"time"

	"github.com/mailgun-operator/mailgun-operator/internal/mailgun"
)

// outcome is what one reconcile ended in: the phase and reason shown in
// status, and when to look again.
type outcome struct {
	phase   phase
	reason  string
	message string
	// requeueAfter > 0 asks for another look after that long.
	requeueAfter time.Duration
	// retry asks the work queue for a retry with its exponential backoff.
	retry bool
	// err is the cause, logged and returned when retry is set.
	err error
}

// reasonError carries a reason chosen where the failure was understood, for
// example DomainNotFound, with whether the user must act (stalled) or the
// operator retries.
type reasonError struct {
	reason  string
	stalled bool
	// after > 0: nothing failed, the operator waits that long and looks
	// again (Mailgun finishing something in the background).
	after time.Duration
	err   error
}

func (e *reasonError) Error() string { return e.err.Error() }
func (e *reasonError) Unwrap() error { return e.err }

// stalledError marks err as needing the user. It is still checked again
// with a backoff (see settle), so it heals by itself when the cause goes.
func stalledError(reason string, err error) error {
	return &reasonError{reason: reason, stalled: true, err: err}
}

// waitError says the operator is waiting on Mailgun, not failing: it looks
// again after the given time, without the work queue's growing backoff.
func waitError(reason string, after time.Duration, err error) error {
	return &reasonError{reason: reason, after: after, err: err}
}

// retryError marks err as something the operator retries with backoff.
func retryError(reason string, err error) error {
	return &reasonError{reason: reason, err: err}
}

// minRateLimitWait keeps a reset time in the past or a few milliseconds away
// from turning into a hot loop.
const minRateLimitWait = time.Second

// classify turns any reconcile error into its outcome. It is the only place
// where errors become conditions and requeues.
func classify(err error, now time.Time) outcome {
	var re *reasonError
	if errors.As(err, &re) {
		if re.stalled {
			return outcome{phase: phaseStalled, reason: re.reason, message: re.Error(), err: err}
		}
		if re.after > 0 {
			return outcome{phase: phaseReconciling, reason: re.reason, message: re.Error(), requeueAfter: re.after}
		}
		return outcome{phase: phaseReconciling, reason: re.reason, message: re.Error(), retry: true, err: err}
	}
	switch {
	case errors.Is(err, mailgun.ErrUnauthorized):
		return outcome{phase: phaseStalled, reason: ReasonInvalidCredentials, err: err,
			message: "Mailgun refused the API key: put a valid key in the account's Secret; " + err.Error()}
	case errors.Is(err, mailgun.ErrForbidden):
		return outcome{phase: phaseStalled, reason: ReasonForbidden, err: err,
			message: "Mailgun refused the request for this account (a plan limit or a permission of the key); " +
				"raise the limit or change the spec: " + err.Error()}
	case errors.Is(err, mailgun.ErrInvalid):
		return outcome{phase: phaseStalled, reason: ReasonInvalidSpec, err: err,
			message: "Mailgun rejected the spec; fix it and apply again: " + err.Error()}
	case errors.Is(err, mailgun.ErrConflict):
		return outcome{phase: phaseStalled, reason: ReasonConflict, err: err,
			message: "the object already exists in Mailgun in a form the operator cannot take over: " + err.Error()}
	case errors.Is(err, mailgun.ErrRateLimited):
		at, known := mailgun.RetryAfter(err)
		out := rateLimited(at, now)
		out.err = err
		if !known {
			// A 429 without a reset time (a proxy's, say): the work
			// queue's growing backoff, not a fixed second, so the
			// account is not pushed against its limit in a loop.
			out.requeueAfter, out.retry = 0, true
		}
		return out
	default:
		return outcome{phase: phaseReconciling, reason: ReasonProgressingWithRetry, retry: true, err: err,
			message: "retrying after a temporary failure: " + err.Error()}
	}
}

// rateLimited is the outcome of a call refused, or not sent, because the
// account is paused by a 429 until at (zero: unknown). The message never
// names the wait: a countdown would change status (and wake every watcher)
// on each check.
func rateLimited(at, now time.Time) outcome {
	wait := minRateLimitWait
	if at.Sub(now) > wait {
		wait = at.Sub(now)
	}
	return outcome{phase: phaseReconciling, reason: ReasonRateLimited, requeueAfter: wait,
		message: "Mailgun is rate limiting this account; the operator tries again when the limit resets"}
}
