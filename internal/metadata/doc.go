// Package metadata is the cluster metadata model shared by the controller and
// every broker: the record types the controller writes to its replicated
// metadata log, their binary codec, and the immutable Image those records
// build, with the Delta that describes each step.
//
// Main types:
//   - Record: one metadata change (TopicRecord, PartitionRecord, ConfigRecord,
//     RegisterBrokerRecord, ...). Each record type carries a Version field and
//     is encoded by Encode as record type (int16), version (int16), fields,
//     big-endian (docs/format/metadata-records.md). A raft log entry holds a
//     batch of records (EncodeBatch), applied atomically.
//   - Image: the whole cluster metadata as of one metadata log offset: cluster
//     ID, topics and partitions, brokers, dynamic configs, the next producer
//     ID. Images are immutable. Image.Apply returns a new Image and a Delta
//     and leaves the receiver untouched (copy-on-write, sharing every
//     unchanged topic), so a broker can publish images through an
//     atomic.Pointer and readers never lock.
//   - Delta: what one Apply changed (topics created and deleted, partitions
//     changed with their old and new state, configs, brokers), for the
//     components that act on changes rather than on whole images (the replica
//     manager becoming leader or follower, caches invalidating entries).
//
// Invariants:
//   - An Image, everything reachable from it and every Delta are never
//     mutated after they are returned. Accessors hand out the shared maps and
//     slices as read-only views where copying would cost a large image
//     copy; callers must not modify them.
//   - Apply is all or nothing: a batch with one record that does not fit the
//     image (a partition of an unknown topic, a duplicate topic name, ...)
//     changes nothing and returns an error wrapping ErrInvalidRecord. Every
//     replica of the metadata log applies the same batches to the same image,
//     so they all reject the same batches, and the images stay identical.
//   - Image.Records rebuilds the image: EmptyImage().Apply(img.Records(),
//     img.Offset()) is equal to img. That is the raft snapshot.
//   - Decode never panics, whatever its input: malformed bytes produce an
//     error wrapping ErrCorruptRecord.
//
// Concurrency: images and deltas are safe for concurrent readers because no
// one writes them. Apply may run concurrently with readers of its receiver.
//
// Layering (shared/ARCHITECTURE.md): metadata is a leaf (layer 1). It imports
// the standard library only: no kmsg, no raft, no other internal package. The
// controller produces its records; brokers consume its images.
package metadata
