package guest

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestCtrlBracketDetachesAndWhatCameBeforeItIsSent(t *testing.T) {
	r := &escapeReader{r: strings.NewReader("ls -l\r\x1dnever sent")}
	got, err := io.ReadAll(r)
	if !errors.Is(err, ErrDetached) || string(got) != "ls -l\r" {
		t.Errorf("read %q, %v; want %q and ErrDetached", got, err, "ls -l\r")
	}
	r = &escapeReader{r: strings.NewReader("\x1d")}
	if n, err := r.Read(make([]byte, 8)); n != 0 || !errors.Is(err, ErrDetached) {
		t.Errorf("escape alone: %d, %v", n, err)
	}
	// Ctrl-C and every other control byte go to the guest.
	r = &escapeReader{r: strings.NewReader("\x03\x04\x1b[A")}
	if got, err := io.ReadAll(r); err != nil || string(got) != "\x03\x04\x1b[A" {
		t.Errorf("control bytes: %q, %v", got, err)
	}
}
