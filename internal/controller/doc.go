// Package controller is Samsa's metadata quorum: the KRaft-style controller
// that owns the cluster metadata (topics, partitions and their replicas,
// brokers, dynamic configs, producer-ID blocks) in a replicated log on
// hashicorp/raft, and the only component that changes it.
//
// Main pieces (docs/controller.md has the picture):
//   - Controller: New opens the raft stores in metadata.log.dir, Start joins
//     the quorum and returns once this node leads and has caught up, Close
//     shuts down in order. Today the quorum is a single voter (the embedded
//     single-node default); Options.Voters and Options.Transport are the
//     seams for 3 or 5 voters.
//   - The FSM (fsm.go): applies each committed raft entry, a batch of
//     metadata records, to the current metadata.Image, and publishes the new
//     image through Image (an atomic pointer) and Subscribe (image plus
//     delta, in log order). Snapshots are the image's records.
//   - The event loop (controller.go): one goroutine owns the mutable
//     controller state. Operations (CreateTopics, DeleteTopics,
//     CreatePartitions, AlterConfigs, RegisterBroker, AllocateProducerIDs)
//     arrive as closures, are validated in arrival order against the image
//     including everything proposed before them, and turn into records that
//     are proposed to raft; the caller gets its result only once the FSM has
//     applied them, so Image() already shows the change.
//
// Invariants:
//   - The metadata image changes only by applying committed log entries, on
//     the FSM goroutine; every replica applies the same entries to the same
//     image and so builds the same images.
//   - Operations are totally ordered by the event loop, and their results
//     reflect commits: a reported success is durable (raft fsyncs the entry)
//     and visible in Image().
//   - The FSM never panics on a log entry: a corrupt or inconsistent batch
//     is rejected whole (the image does not change) and logged.
//
// Concurrency: exported methods are safe for concurrent use. Subscribers run
// on the FSM goroutine and must not block (see Subscribe).
//
// Layering (shared/ARCHITECTURE.md): controller is layer 3. It imports
// metadata and hashicorp/raft (with its bbolt store), never replica, storage
// or api: brokers learn metadata only through the images and deltas it
// publishes, and the api package maps its errors to Kafka codes. Topic
// config validation is plugged in by the broker (Options.ValidateTopicConfig)
// so the controller does not import the config package either.
package controller
