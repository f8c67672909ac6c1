package config

// topicKeys is the table of topic keys (CreateTopics, AlterConfigs and
// IncrementalAlterConfigs on a topic). BrokerKey names the broker key whose
// value is the default for topics that do not set the key; the Default here
// is Kafka's documented topic default, which equals that broker key's
// default (a test checks). Keys with both scopes are set under the same name
// on the broker.
//
// Ranges are Kafka 4's, except segment.index.bytes, whose minimum is raised
// from 4 to 48 bytes because the log engine needs room for four time-index
// entries; rejecting the value here fails CreateTopics instead of the log.
//
// Never modified at run time.
var topicKeys = []Key{
	{Name: "cleanup.policy", Type: TypeList, Default: "delete", Validator: listOf{"delete", "compact"}, Scope: ScopeTopic, BrokerKey: "log.cleanup.policy",
		Doc: "What happens to old segments: delete them by retention time and size, compact them to the latest record per key, or both."},
	{Name: "compression.type", Type: TypeString, Default: "producer", Validator: oneOf{"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"},
		Scope: ScopeBroker | ScopeTopic, Dynamic: true, BrokerKey: "compression.type",
		Doc: "Compression of stored batches: producer keeps each batch as the producer compressed it; any other value recompresses batches to that codec on append."},
	{Name: "delete.retention.ms", Type: TypeLong, Default: "86400000", Validator: atLeast(0), Scope: ScopeTopic, BrokerKey: "log.cleaner.delete.retention.ms",
		Doc: "How long compaction keeps a tombstone, which is how long a consumer reading from the start has to see the delete."},
	{Name: "file.delete.delay.ms", Type: TypeLong, Default: "60000", Validator: atLeast(0), Scope: ScopeTopic, BrokerKey: "log.segment.delete.delay.ms",
		Doc: "How long a segment removed by retention or truncation keeps its files, renamed .deleted, so reads already using them can finish."},
	{Name: "flush.messages", Type: TypeLong, Default: maxLong, Validator: atLeast(1), Scope: ScopeTopic, BrokerKey: "log.flush.interval.messages",
		Doc: "Force an fdatasync after this many messages are appended without one; the default leaves flushing to the OS and to durable acknowledgements."},
	{Name: "flush.ms", Type: TypeLong, Default: maxLong, Validator: atLeast(0), Scope: ScopeTopic, BrokerKey: "log.flush.interval.ms",
		Doc: "Force an fdatasync once the oldest unflushed append is this old."},
	{Name: "index.interval.bytes", Type: TypeInt, Default: "4096", Validator: atLeast(0), Scope: ScopeTopic, BrokerKey: "log.index.interval.bytes",
		Doc: "How many log bytes pass between offset-index entries; smaller finds offsets with shorter scans but makes bigger indexes."},
	{Name: "max.compaction.lag.ms", Type: TypeLong, Default: maxLong, Validator: atLeast(1), Scope: ScopeTopic, BrokerKey: "log.cleaner.max.compaction.lag.ms",
		Doc: "The oldest a record can get before its segment must be compacted, even if the log is not dirty enough."},
	{Name: "max.message.bytes", Type: TypeInt, Default: "1048588", Validator: atLeast(0), Scope: ScopeTopic, BrokerKey: "message.max.bytes",
		Doc: "The largest record batch, after compression, the topic accepts."},
	{Name: "message.downconversion.enable", Type: TypeBoolean, Default: "true", Scope: ScopeTopic,
		Doc: "Accepted for compatibility and ignored: Samsa serves only v2 record batches and never down-converts."},
	{Name: "message.timestamp.after.max.ms", Type: TypeLong, Default: "3600000", Validator: atLeast(0), Scope: ScopeTopic, BrokerKey: "log.message.timestamp.after.max.ms",
		Doc: "With CreateTime, reject a batch whose timestamp is more than this far ahead of the broker's clock."},
	{Name: "message.timestamp.before.max.ms", Type: TypeLong, Default: maxLong, Validator: atLeast(0), Scope: ScopeTopic, BrokerKey: "log.message.timestamp.before.max.ms",
		Doc: "With CreateTime, reject a batch whose timestamp is more than this far behind the broker's clock."},
	{Name: "message.timestamp.type", Type: TypeString, Default: "CreateTime", Validator: oneOf{"CreateTime", "LogAppendTime"}, Scope: ScopeTopic, BrokerKey: "log.message.timestamp.type",
		Doc: "CreateTime keeps the producer's record timestamps; LogAppendTime replaces them with the broker's clock at append."},
	{Name: "min.cleanable.dirty.ratio", Type: TypeDouble, Default: "0.5", Validator: betweenFloat(0, 1), Scope: ScopeTopic, BrokerKey: "log.cleaner.min.cleanable.ratio",
		Doc: "Compact the log once this share of it has not been compacted yet."},
	{Name: "min.compaction.lag.ms", Type: TypeLong, Default: "0", Validator: atLeast(0), Scope: ScopeTopic, BrokerKey: "log.cleaner.min.compaction.lag.ms",
		Doc: "The youngest a record can be and still be removed by compaction, so consumers get time to see every update."},
	{Name: "min.insync.replicas", Type: TypeInt, Default: "1", Validator: atLeast(1), Scope: ScopeBroker | ScopeTopic, Dynamic: true, BrokerKey: "min.insync.replicas",
		Doc: "Fewest in-sync replicas, leader included, that must hold a write before an acks=all produce succeeds; with fewer the produce fails with NOT_ENOUGH_REPLICAS."},
	{Name: "preallocate", Type: TypeBoolean, Default: "false", Scope: ScopeTopic, BrokerKey: "log.preallocate",
		Doc: "Allocate each new segment file at its full size up front."},
	{Name: "retention.bytes", Type: TypeLong, Default: "-1", Scope: ScopeTopic, BrokerKey: "log.retention.bytes",
		Doc: "Delete the oldest segments while a partition would still hold at least this many bytes without them; -1 for no size limit."},
	{Name: "retention.ms", Type: TypeLong, Default: "604800000", Validator: atLeast(-1), Scope: ScopeTopic, BrokerKey: "log.retention.ms",
		Doc: "Delete a segment once its newest record is this old; -1 keeps data for ever."},
	{Name: "segment.bytes", Type: TypeInt, Default: "1073741824", Validator: atLeast(1 << 20), Scope: ScopeTopic, BrokerKey: "log.segment.bytes",
		Doc: "Size at which the active segment file is closed and a new one started; retention and compaction work on whole segments."},
	{Name: "segment.index.bytes", Type: TypeInt, Default: "10485760", Validator: atLeast(48), Scope: ScopeTopic, BrokerKey: "log.index.size.max.bytes",
		Doc: "Size each segment's offset and time index files are preallocated to; a full index rolls the segment."},
	{Name: "segment.jitter.ms", Type: TypeLong, Default: "0", Validator: atLeast(0), Scope: ScopeTopic, BrokerKey: "log.roll.jitter.ms",
		Doc: "Most by which each segment's time-based roll is randomly brought forward, so many partitions do not roll at once."},
	{Name: "segment.ms", Type: TypeLong, Default: "604800000", Validator: atLeast(1), Scope: ScopeTopic, BrokerKey: "log.roll.ms",
		Doc: "Roll a non-empty active segment this long after its first append even if it is not full, so time retention can delete it."},
	{Name: "unclean.leader.election.enable", Type: TypeBoolean, Default: "false", Scope: ScopeBroker | ScopeTopic, Dynamic: true, BrokerKey: "unclean.leader.election.enable",
		Doc: "Whether a replica outside the ISR may become leader when no in-sync replica is alive, trading acknowledged writes for availability."},
}
