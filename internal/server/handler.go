package server

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/samsa-io/samsa/internal/wire"
)

// Handler serves requests. The server calls Handle once per request, from
// the connection's goroutine, one request at a time per connection (so a
// connection's requests are handled and answered in order); different
// connections call it concurrently.
//
// Handle returns the response to send, with its version already matching the
// request's, or nil when no response is due (Produce with acks=0). A non-nil
// error closes the connection without a response: use it for requests the
// broker must refuse outright (a version outside the served range, for
// instance). ctx is cancelled when the server starts shutting down: a
// handler that is only waiting should answer with what it has; one that
// must finish a write should detach from the cancellation
// (context.WithoutCancel) and bound itself.
//
// Buffer ownership: req's byte fields (Produce records, JoinGroup protocol
// metadata, SyncGroup assignments, ...) alias the connection's read buffer,
// which the server reuses for the connection's next request once Handle has
// returned. A handler that keeps any of them past its return must copy them.
type Handler interface {
	Handle(ctx context.Context, client *wire.ClientInfo, hdr wire.RequestHeader, req kmsg.Request) (kmsg.Response, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, client *wire.ClientInfo, hdr wire.RequestHeader, req kmsg.Request) (kmsg.Response, error)

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, client *wire.ClientInfo, hdr wire.RequestHeader, req kmsg.Request) (kmsg.Response, error) {
	return f(ctx, client, hdr, req)
}
