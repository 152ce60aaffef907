package guest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"time"
)

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// EscapeByte is Ctrl+], which detaches from a console on a terminal, as in virtctl and telnet.
const EscapeByte = 0x1d

// ConsolePath is the serial console subresource.
const ConsolePath = "console"

// ErrDetached says the user detached with Ctrl+].
var ErrDetached = errors.New("detached")

// escapeReader passes its reader's bytes on until the escape byte, then reports ErrDetached.
type escapeReader struct {
	r    io.Reader
	seen bool
}

func (e *escapeReader) Read(p []byte) (int, error) {
	if e.seen {
		return 0, ErrDetached
	}
	n, err := e.r.Read(p)
	if i := bytes.IndexByte(p[:n], EscapeByte); i >= 0 {
		e.seen = true
		if i == 0 {
			return 0, ErrDetached
		}
		return i, nil
	}
	return n, err
}

// Linger is how long, without a terminal, the console is still read after standard input ended:
// until the guest has said nothing for this long (so that "echo CMD | console" shows the answer).
const Linger = 2 * time.Second

// Attach streams a console: in to the guest, the guest to out, until the guest closes it, in
// ends, or ctx ends. With escape (a terminal), Ctrl+] on in detaches and Attach returns
// ErrDetached; without it every byte goes to the guest as it is, and after in ends the guest's
// output is still copied until it has been quiet for Linger.
func Attach(ctx context.Context, s *Stream, in io.Reader, out io.Writer, escape bool) error {
	if escape {
		in = &escapeReader{r: in}
	}
	quiet := time.NewTimer(time.Hour)
	quiet.Stop()
	var mu sync.Mutex
	inEnded := false
	errs := make(chan error, 2)
	go func() {
		_, err := io.Copy(s, in)
		if err == nil && !escape {
			mu.Lock()
			inEnded = true
			quiet.Reset(Linger)
			mu.Unlock()
			return
		}
		if err == nil {
			err = io.EOF
		}
		errs <- err
	}()
	go func() {
		_, err := io.Copy(writerFunc(func(p []byte) (int, error) {
			mu.Lock()
			if inEnded {
				quiet.Reset(Linger)
			}
			mu.Unlock()
			return out.Write(p)
		}), s)
		if err == nil {
			err = io.EOF
		}
		errs <- err
	}()
	var err error
	select {
	case err = <-errs:
	case <-quiet.C:
	case <-ctx.Done():
		err = ctx.Err()
	}
	_ = s.Close()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrDetached):
		return ErrDetached
	case errors.Is(err, io.EOF), errors.Is(err, context.Canceled), isClosed(err):
		return nil
	}
	return err
}
