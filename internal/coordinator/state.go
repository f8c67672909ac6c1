package coordinator

// Record is one key/value record of a coordinator topic. A nil Value is a
// tombstone: the key's state is deleted.
type Record struct {
	Key, Value []byte
}

// size is the record's share of a batch, close enough for the rewrite
// threshold.
func (r Record) size() int64 { return int64(len(r.Key) + len(r.Value) + 16) }

// State is one shard's in-memory state machine, supplied by the package that
// uses the Runtime. Every method is called on the shard's event loop, one at
// a time, so a State needs no locks.
type State interface {
	// Replay applies one record read back from the log while loading, in log
	// order. key and value alias a read buffer: copy what is kept. An error
	// aborts the load (it is retried).
	Replay(offset int64, rec Record) error
	// Loaded is called once replay is complete, before any operation; the
	// State keeps sh to append, park replies and set timers.
	Loaded(sh *Shard)
	// LiveRecords returns records that, replayed on their own, rebuild the
	// state as it has been written (not including changes not yet written).
	// The runtime appends them to bound the log (see the package doc).
	LiveRecords() []Record
	// Unloaded is called when the shard stops (leadership lost, shutdown):
	// the State fails whatever it keeps waiting with ErrNotCoordinator.
	Unloaded()
}
