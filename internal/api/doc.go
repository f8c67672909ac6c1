// Package api serves the Kafka protocol: a Router (the server.Handler) with
// one registration table, which is also the ApiVersions answer, and one file
// per API named by its key (00_produce.go, 01_fetch.go, ...), each opening
// with the versions it advertises and serves and the behaviour it follows.
//
// api is the only package besides wire that handles kmsg request and
// response structs and Kafka error codes: domain packages return Go errors,
// and errors.go maps them to codes (the only place that does).
//
// Concurrency: the Router is safe for concurrent use; handlers run on the
// connection goroutines. A handler that waits (Fetch MaxWait, acks=all)
// blocks its own connection only.
//
// Layering: api sits above replica, storage, controller, metadata, config and
// record; it never imports server or broker (broker wires the Router into
// the server).
package api
