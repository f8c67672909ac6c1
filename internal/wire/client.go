package wire

import "net"

// ClientInfo describes the connection a request arrived on. The server
// fills it in; handlers read it (for logs, quotas and, later, the
// authenticated principal). It lives here, below both server and api, so
// that api can implement server's Handler without importing server.
type ClientInfo struct {
	// Listener is the listener name (PLAINTEXT, ...).
	Listener string
	// RemoteAddr is the client's address; LocalAddr the broker's.
	RemoteAddr, LocalAddr net.Addr
	// ConnID is unique per connection for the server's lifetime.
	ConnID uint64
}
