// Package replica turns storage logs into Kafka partitions: a Partition
// knows its leader epoch and role, computes the high watermark, serves
// appends with Kafka's acks semantics and lets fetches wait for new data.
// The Manager keeps the set of local partitions in line with the cluster
// metadata image, creating and deleting logs as topics come and go.
//
// This is the single-node form: the local broker leads every partition it
// hosts, the ISR is itself, and the high watermark is the log end offset.
// Followers, the ISR and AlterPartition arrive with replication
// (fetcher.go, alterpartition.go).
//
// Concurrency: a Partition guards its role and epoch with an RWMutex; the
// log serializes appends itself. Long-poll fetches wait on a channel that
// the partition closes and replaces after every append (no goroutine per
// partition). The Manager guards its map with an RWMutex.
//
// Layering: replica imports storage, record and metadata; never api, server
// or controller (metadata reaches it as images through ApplyImage).
package replica
