package cmd

import (
	"context"
	"fmt"

	"github.com/go-logr/logr"
	"k8s.io/klog/v2"
)

// bodyMessages are the klog messages under which client-go logs whole request and response bodies
// (at -v=8 and above). Bodies carry Machines with cloud-init user data and, for Secrets, credentials;
// the plugin never lets them reach a log.
var bodyMessages = map[string]bool{"Request Body": true, "Response Body": true}

// withRedactedBodies returns a context whose logger (the one client-go takes from the context for
// every request) replaces request and response bodies by their size. Every other message passes.
func withRedactedBodies(ctx context.Context) context.Context {
	base := klog.FromContext(ctx)
	return klog.NewContext(ctx, logr.New(&redactingSink{LogSink: base.GetSink()}))
}

// redactingSink wraps a logr.LogSink and redacts the "body" value of body messages.
type redactingSink struct {
	logr.LogSink
}

func (s *redactingSink) Info(level int, msg string, kv ...any) {
	if bodyMessages[msg] {
		kv = redactBody(kv)
	}
	s.LogSink.Info(level, msg, kv...)
}

func (s *redactingSink) WithValues(kv ...any) logr.LogSink {
	return &redactingSink{LogSink: s.LogSink.WithValues(kv...)}
}

func (s *redactingSink) WithName(name string) logr.LogSink {
	return &redactingSink{LogSink: s.LogSink.WithName(name)}
}

// WithCallDepth keeps client-go's call-site reporting working through the wrapper.
func (s *redactingSink) WithCallDepth(depth int) logr.LogSink {
	if cd, ok := s.LogSink.(logr.CallDepthLogSink); ok {
		return &redactingSink{LogSink: cd.WithCallDepth(depth + 1)}
	}
	return s
}

func redactBody(kv []any) []any {
	out := make([]any, len(kv))
	copy(out, kv)
	for i := 0; i+1 < len(out); i += 2 {
		if out[i] == "body" {
			out[i+1] = fmt.Sprintf("[%d bytes, not logged by kubectl-vitimachine]", len(fmt.Sprint(out[i+1])))
		}
	}
	return out
}
