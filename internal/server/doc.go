// Package server runs the Kafka listeners: it accepts TCP connections,
// reads size-framed requests, hands each to a Handler and writes the
// responses back in request order.
//
// Connection model (shared/ARCHITECTURE.md, "Runtime shape"): one goroutine
// per connection reads a frame (refusing one larger than
// socket.request.max.bytes before allocating it), parses it with package
// wire, calls the Handler, and writes the response before reading the next
// request, as Kafka's broker does by muting a connection while a request is
// in processing. Clients pipeline anyway; their requests wait in the socket
// buffer. The seam for processing several requests of one connection at once
// stays inside this package (serve.go).
//
// Robustness: a frame that does not parse, an unknown API key or a version
// kmsg cannot decode closes the connection (as Kafka's broker does), except
// ApiVersions above the supported range, which gets the KIP-511 answer. A
// panic in a Handler is recovered, logged and closes only that connection.
// Idle connections are closed after connections.max.idle.ms; connections
// beyond max.connections are closed on accept.
//
// Concurrency: Server methods are safe for concurrent use. Shutdown stops
// accepting, lets every in-flight request finish and write its response,
// then closes the connections.
//
// Layering: server imports wire (and kmsg for the Handler contract); it
// knows nothing of topics or logs. The api package implements Handler;
// broker wires them together.
package server
