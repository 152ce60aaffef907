package write

import (
	"context"
	"errors"
	"io"
	"net"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilnet "k8s.io/apimachinery/pkg/util/net"
)

// Retries is how many times a failed write is tried again when the failure is transient. client-go
// itself already honours Retry-After on 429 and 5xx responses; these retries cover what it does not.
const Retries = 3

// backoff is the wait before retry n (0-based): 200ms, 800ms, 3.2s.
func backoff(n int) time.Duration { return 200 * time.Millisecond << (2 * n) }

// retryable reports a transient failure worth another try: throttling, server timeouts, 5xx
// answers and broken connections. Refusals (forbidden, invalid, conflict, not found) are final.
func retryable(err error) bool {
	return apierrors.IsTooManyRequests(err) || ambiguous(err)
}

// ambiguous reports a failure after which the server may or may not have stored the write: the
// request reached it (or may have) and no clear answer came back.
func ambiguous(err error) bool {
	if apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err) || apierrors.IsInternalError(err) || apierrors.IsServiceUnavailable(err) {
		return true
	}
	if utilnet.IsConnectionReset(err) || utilnet.IsProbableEOF(err) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
