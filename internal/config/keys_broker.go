package config

import "strconv"

// Kafka's "no limit" numbers, as they appear in its documented defaults.
var (
	maxInt  = strconv.FormatInt(1<<31-1, 10)
	maxLong = strconv.FormatInt(1<<63-1, 10)
)

// brokerKeys is the table of broker-only keys: server.properties, flags and
// dynamic broker configs. Keys that are also topic keys under the same name
// live in topicKeys with both scopes. Names, types, defaults and ranges are
// Kafka 4's unless a comment says otherwise; Samsa's own keys start with
// "samsa.". Order is by concern; BrokerKeys sorts by name.
//
// Never modified at run time.
var brokerKeys = []Key{
	// Node identity and roles.
	{Name: "node.id", Type: TypeInt, NoDefault: true, Required: true, Validator: atLeast(0), Scope: ScopeBroker,
		Doc: "Id of this node, unique among the brokers and controllers of the cluster."},
	{Name: "process.roles", Type: TypeList, NoDefault: true, Required: true, Validator: listOf{"broker", "controller"}, Scope: ScopeBroker,
		Doc: "What this process runs: broker, controller, or both (broker,controller) as a single-node cluster does."},
	{Name: "cluster.id", Type: TypeString, NoDefault: true, Validator: checkClusterID, Scope: ScopeBroker,
		Doc: "Samsa-specific: the id of the cluster this node belongs to (a 22-character base64 UUID), which Kafka keeps only in meta.properties."},
	{Name: "broker.rack", Type: TypeString, NoDefault: true, Scope: ScopeBroker,
		Doc: "Rack or availability zone of this broker, so replica placement can spread partitions across failure domains."},

	// Listeners and the controller quorum.
	{Name: "listeners", Type: TypeList, Default: "PLAINTEXT://:9092", Validator: checkListeners, Scope: ScopeBroker,
		Doc: "Addresses to accept connections on, as NAME://host:port; an empty host means every interface and IPv6 addresses go in brackets ([::1]:9092)."},
	{Name: "advertised.listeners", Type: TypeList, NoDefault: true, Validator: checkAdvertised, Scope: ScopeBroker,
		Doc: "Addresses published to clients and other brokers, when they differ from the bind addresses; when unset, the listeners other than the controller listeners are advertised."},
	{Name: "listener.security.protocol.map", Type: TypeString, Default: "SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT",
		Validator: checkProtocolMap, Scope: ScopeBroker,
		Doc: "Security protocol of each listener name, as NAME:PROTOCOL pairs; when left unset, controller listeners not in the default map speak PLAINTEXT."},
	{Name: "controller.listener.names", Type: TypeList, NoDefault: true, Required: true, Validator: distinct{}, Scope: ScopeBroker,
		Doc: "Names of the listeners the controller quorum uses; a node reaches the controllers through the first one."},
	{Name: "inter.broker.listener.name", Type: TypeString, NoDefault: true, Scope: ScopeBroker,
		Doc: "Listener brokers use to reach each other; when unset, the listener named after security.inter.broker.protocol."},
	{Name: "security.inter.broker.protocol", Type: TypeString, Default: "PLAINTEXT", Validator: securityProtocols, Scope: ScopeBroker,
		Doc: "Security protocol between brokers, used only to pick the inter-broker listener when inter.broker.listener.name is unset; set one or the other."},
	{Name: "controller.quorum.voters", Type: TypeList, Default: "", Validator: checkVoters, Scope: ScopeBroker,
		Doc: "The static controller quorum as id@host:port entries; a controller must be one of them."},
	{Name: "samsa.admin.listener", Type: TypeString, Default: "127.0.0.1:9644", Validator: checkHostPortOrEmpty, Scope: ScopeBroker,
		Doc: "Samsa-specific: host:port of the HTTP admin server (/metrics, /healthz, pprof); empty turns it off."},

	// Log directories and recovery.
	{Name: "log.dirs", Type: TypeList, NoDefault: true, Validator: distinct{}, Fallbacks: []string{"log.dir"}, Scope: ScopeBroker,
		Doc: "Directories that hold partition logs, spread across disks; takes precedence over log.dir."},
	{Name: "log.dir", Type: TypeList, Default: "/tmp/kafka-logs", Validator: distinct{}, Scope: ScopeBroker,
		Doc: "Log directory used when log.dirs is not set."},
	{Name: "metadata.log.dir", Type: TypeString, NoDefault: true, Scope: ScopeBroker,
		Doc: "Directory of the cluster metadata (raft) log; when unset, the first log directory."},
	{Name: "num.recovery.threads.per.data.dir", Type: TypeInt, Default: "2", Validator: atLeast(1), Scope: ScopeBroker, Dynamic: true,
		Doc: "How many partition logs per log directory are recovered at start-up, and flushed at shutdown, in parallel."},

	// Broker-level defaults of topic configs (see keys_topic.go for the
	// topic names), with Kafka's unit synonyms as fallbacks.
	{Name: "log.segment.bytes", Type: TypeInt, Default: "1073741824", Validator: atLeast(1 << 20), Scope: ScopeBroker, Dynamic: true,
		Doc: "Default segment.bytes: the size at which a partition's active segment file is closed and a new one started."},
	{Name: "log.roll.ms", Type: TypeLong, NoDefault: true, Validator: atLeast(1), Fallbacks: []string{"log.roll.hours"}, Scope: ScopeBroker, Dynamic: true,
		Doc: "Default segment.ms: the age at which a non-empty active segment is rolled even if not full; takes precedence over log.roll.hours."},
	{Name: "log.roll.hours", Type: TypeInt, Default: "168", Validator: atLeast(1), Scope: ScopeBroker,
		Doc: "log.roll.ms in hours, used when log.roll.ms is not set."},
	{Name: "log.roll.jitter.ms", Type: TypeLong, NoDefault: true, Validator: atLeast(0), Fallbacks: []string{"log.roll.jitter.hours"}, Scope: ScopeBroker, Dynamic: true,
		Doc: "Default segment.jitter.ms: the most a segment's roll time is randomly brought forward, so logs created together do not roll together."},
	{Name: "log.roll.jitter.hours", Type: TypeInt, Default: "0", Validator: atLeast(0), Scope: ScopeBroker,
		Doc: "log.roll.jitter.ms in hours, used when log.roll.jitter.ms is not set."},
	{Name: "log.retention.ms", Type: TypeLong, NoDefault: true, Fallbacks: []string{"log.retention.minutes", "log.retention.hours"}, Scope: ScopeBroker, Dynamic: true,
		Doc: "Default retention.ms: how long a segment is kept after its newest record, -1 for ever; takes precedence over log.retention.minutes and log.retention.hours."},
	{Name: "log.retention.minutes", Type: TypeInt, NoDefault: true, Fallbacks: []string{"log.retention.hours"}, Scope: ScopeBroker,
		Doc: "log.retention.ms in minutes, used when log.retention.ms is not set; takes precedence over log.retention.hours."},
	{Name: "log.retention.hours", Type: TypeInt, Default: "168", Scope: ScopeBroker,
		Doc: "log.retention.ms in hours, used when neither log.retention.ms nor log.retention.minutes is set."},
	{Name: "log.retention.bytes", Type: TypeLong, Default: "-1", Scope: ScopeBroker, Dynamic: true,
		Doc: "Default retention.bytes: the size a partition's log may keep before its oldest segments are deleted, -1 for no limit."},
	{Name: "log.retention.check.interval.ms", Type: TypeLong, Default: "300000", Validator: atLeast(1), Scope: ScopeBroker,
		Doc: "How often the broker looks for segments that retention allows it to delete."},
	{Name: "log.cleanup.policy", Type: TypeList, Default: "delete", Validator: listOf{"delete", "compact"}, Scope: ScopeBroker, Dynamic: true,
		Doc: "Default cleanup.policy: delete old segments, compact to the latest value per key, or both."},
	{Name: "log.cleaner.delete.retention.ms", Type: TypeLong, Default: "86400000", Validator: atLeast(0), Scope: ScopeBroker, Dynamic: true,
		Doc: "Default delete.retention.ms: how long compaction keeps tombstones."},
	{Name: "log.cleaner.min.compaction.lag.ms", Type: TypeLong, Default: "0", Validator: atLeast(0), Scope: ScopeBroker, Dynamic: true,
		Doc: "Default min.compaction.lag.ms: the youngest a record can be and still be compacted away."},
	{Name: "log.cleaner.max.compaction.lag.ms", Type: TypeLong, Default: maxLong, Validator: atLeast(1), Scope: ScopeBroker, Dynamic: true,
		Doc: "Default max.compaction.lag.ms: the oldest a record can get before its segment must be compacted."},
	{Name: "log.cleaner.min.cleanable.ratio", Type: TypeDouble, Default: "0.5", Validator: betweenFloat(0, 1), Scope: ScopeBroker, Dynamic: true,
		Doc: "Default min.cleanable.dirty.ratio: the share of uncompacted bytes at which a log becomes worth compacting."},
	{Name: "log.index.size.max.bytes", Type: TypeInt, Default: "10485760", Validator: atLeast(48), Scope: ScopeBroker, Dynamic: true,
		Doc: "Default segment.index.bytes: the size each offset and time index file is preallocated to."},
	{Name: "log.index.interval.bytes", Type: TypeInt, Default: "4096", Validator: atLeast(0), Scope: ScopeBroker, Dynamic: true,
		Doc: "Default index.interval.bytes: how many log bytes pass between two index entries."},
	{Name: "log.flush.interval.messages", Type: TypeLong, Default: maxLong, Validator: atLeast(1), Scope: ScopeBroker, Dynamic: true,
		Doc: "Default flush.messages: force an fdatasync after this many unflushed messages."},
	{Name: "log.flush.interval.ms", Type: TypeLong, NoDefault: true, Validator: atLeast(0), Fallbacks: []string{"log.flush.scheduler.interval.ms"}, Scope: ScopeBroker, Dynamic: true,
		Doc: "Default flush.ms: force an fdatasync once the oldest unflushed message is this old; when unset, log.flush.scheduler.interval.ms."},
	{Name: "log.flush.scheduler.interval.ms", Type: TypeLong, Default: maxLong, Scope: ScopeBroker,
		Doc: "How often the flusher checks for logs due a time-based flush, and the flush.ms default when log.flush.interval.ms is unset."},
	{Name: "log.flush.offset.checkpoint.interval.ms", Type: TypeInt, Default: "60000", Validator: atLeast(0), Scope: ScopeBroker,
		Doc: "How often the recovery-point checkpoint is written, which bounds how much log recovery re-reads after a crash."},
	{Name: "log.flush.start.offset.checkpoint.interval.ms", Type: TypeInt, Default: "60000", Validator: atLeast(0), Scope: ScopeBroker,
		Doc: "How often the log-start-offset checkpoint is written."},
	{Name: "log.segment.delete.delay.ms", Type: TypeLong, Default: "60000", Validator: atLeast(0), Scope: ScopeBroker, Dynamic: true,
		Doc: "Default file.delete.delay.ms: how long a deleted segment's files linger so reads already using them can finish."},
	{Name: "log.preallocate", Type: TypeBoolean, Default: "false", Scope: ScopeBroker, Dynamic: true,
		Doc: "Default preallocate: whether a new segment file is allocated at full size up front."},
	{Name: "log.message.timestamp.type", Type: TypeString, Default: "CreateTime", Validator: oneOf{"CreateTime", "LogAppendTime"}, Scope: ScopeBroker, Dynamic: true,
		Doc: "Default message.timestamp.type: keep the producer's timestamps or stamp records with the broker's clock."},
	{Name: "log.message.timestamp.before.max.ms", Type: TypeLong, Default: maxLong, Validator: atLeast(0), Scope: ScopeBroker, Dynamic: true,
		Doc: "Default message.timestamp.before.max.ms: how far in the past a CreateTime timestamp may be."},
	{Name: "log.message.timestamp.after.max.ms", Type: TypeLong, Default: "3600000", Validator: atLeast(0), Scope: ScopeBroker, Dynamic: true,
		Doc: "Default message.timestamp.after.max.ms: how far in the future a CreateTime timestamp may be."},
	{Name: "message.max.bytes", Type: TypeInt, Default: "1048588", Validator: atLeast(0), Scope: ScopeBroker, Dynamic: true,
		Doc: "Default max.message.bytes: the largest record batch, after compression, a topic accepts."},

	// Topic creation.
	{Name: "num.partitions", Type: TypeInt, Default: "1", Validator: atLeast(1), Scope: ScopeBroker,
		Doc: "Partition count of topics created without one, including auto-created topics."},
	{Name: "default.replication.factor", Type: TypeInt, Default: "1", Validator: atLeast(1), Scope: ScopeBroker,
		Doc: "Replication factor of topics created without one, including auto-created topics."},
	{Name: "auto.create.topics.enable", Type: TypeBoolean, Default: "true", Scope: ScopeBroker,
		Doc: "Whether a Metadata request for a missing topic creates it."},
	{Name: "delete.topic.enable", Type: TypeBoolean, Default: "true", Scope: ScopeBroker,
		Doc: "Whether DeleteTopics is allowed."},

	// Connections.
	{Name: "socket.request.max.bytes", Type: TypeInt, Default: "104857600", Validator: atLeast(1), Scope: ScopeBroker,
		Doc: "The largest request frame accepted; a connection announcing a larger one is closed."},
	{Name: "socket.send.buffer.bytes", Type: TypeInt, Default: "102400", Validator: atLeast(-1), Scope: ScopeBroker,
		Doc: "SO_SNDBUF of accepted connections, -1 for the OS default."},
	{Name: "socket.receive.buffer.bytes", Type: TypeInt, Default: "102400", Validator: atLeast(-1), Scope: ScopeBroker,
		Doc: "SO_RCVBUF of accepted connections, -1 for the OS default."},
	{Name: "max.connections", Type: TypeInt, Default: maxInt, Validator: atLeast(0), Scope: ScopeBroker, Dynamic: true,
		Doc: "Most client connections the broker holds at once; new ones wait while the limit is reached."},
	{Name: "max.connections.per.ip", Type: TypeInt, Default: maxInt, Validator: atLeast(0), Scope: ScopeBroker, Dynamic: true,
		Doc: "Most connections from one IP address; further ones are closed on accept."},
	{Name: "connections.max.idle.ms", Type: TypeLong, Default: "600000", Scope: ScopeBroker,
		Doc: "A connection with no request for this long is closed."},
	{Name: "num.network.threads", Type: TypeInt, Default: "3", Validator: atLeast(1), Scope: ScopeBroker, Dynamic: true,
		Doc: "Accepted for compatibility and unused: Samsa serves each connection on its own goroutines."},
	{Name: "num.io.threads", Type: TypeInt, Default: "8", Validator: atLeast(1), Scope: ScopeBroker, Dynamic: true,
		Doc: "Accepted for compatibility and unused: requests run on their connection's goroutine, not a thread pool."},

	// Consumer groups.
	{Name: "offsets.topic.num.partitions", Type: TypeInt, Default: "50", Validator: atLeast(1), Scope: ScopeBroker,
		Doc: "Partition count of __consumer_offsets, fixed when the topic is first created."},
	{Name: "offsets.topic.replication.factor", Type: TypeShort, Default: "3", Validator: atLeast(1), Scope: ScopeBroker,
		Doc: "Replication factor of __consumer_offsets; creation waits until this many brokers are alive."},
	{Name: "offsets.retention.minutes", Type: TypeInt, Default: "10080", Validator: atLeast(1), Scope: ScopeBroker,
		Doc: "How long the committed offsets of a group with no members are kept."},
	{Name: "group.initial.rebalance.delay.ms", Type: TypeInt, Default: "3000", Validator: atLeast(0), Scope: ScopeBroker,
		Doc: "How long a new classic group waits for more members before its first rebalance."},
	{Name: "group.min.session.timeout.ms", Type: TypeInt, Default: "6000", Validator: atLeast(0), Scope: ScopeBroker,
		Doc: "Smallest session timeout a classic group member may ask for."},
	{Name: "group.max.session.timeout.ms", Type: TypeInt, Default: "1800000", Validator: atLeast(0), Scope: ScopeBroker,
		Doc: "Largest session timeout a classic group member may ask for."},
	{Name: "group.max.size", Type: TypeInt, Default: maxInt, Validator: atLeast(1), Scope: ScopeBroker,
		Doc: "Most members one consumer group may have."},

	// Idempotence and transactions.
	{Name: "producer.id.expiration.ms", Type: TypeInt, Default: "86400000", Validator: atLeast(1), Scope: ScopeBroker, Dynamic: true,
		Doc: "How long a partition remembers an idempotent producer that has stopped writing to it."},
	{Name: "transactional.id.expiration.ms", Type: TypeInt, Default: "604800000", Validator: atLeast(1), Scope: ScopeBroker,
		Doc: "How long an idle transactional id is kept before the coordinator forgets it."},
	{Name: "transaction.max.timeout.ms", Type: TypeInt, Default: "900000", Validator: atLeast(1), Scope: ScopeBroker,
		Doc: "Largest transaction timeout a producer may ask for."},
	{Name: "transaction.state.log.num.partitions", Type: TypeInt, Default: "50", Validator: atLeast(1), Scope: ScopeBroker,
		Doc: "Partition count of __transaction_state, fixed when the topic is first created."},
	{Name: "transaction.state.log.replication.factor", Type: TypeShort, Default: "3", Validator: atLeast(1), Scope: ScopeBroker,
		Doc: "Replication factor of __transaction_state; creation waits until this many brokers are alive."},
	{Name: "transaction.state.log.min.isr", Type: TypeInt, Default: "2", Validator: atLeast(1), Scope: ScopeBroker,
		Doc: "min.insync.replicas of __transaction_state."},

	// Durability of acknowledged writes.
	{Name: "samsa.acks.all.durable", Type: TypeBoolean, Default: "true", Scope: ScopeBroker,
		Doc: "Samsa-specific: when true, an acks=all produce is answered only after the leader has fdatasync'd the records, so even a single node never loses an acknowledged write to a crash or power loss; false acknowledges from the page cache as Kafka does and leaves durability to replication."},
	{Name: "samsa.flush.group.commit.interval.ms", Type: TypeInt, Default: "0", Validator: atLeast(0), Scope: ScopeBroker,
		Doc: "Samsa-specific: how long the flusher waits to gather more durable writes into one fdatasync; 0 syncs as soon as a durable write is waiting."},

	// TLS. Passwords are sensitive: DescribeConfigs never returns them.
	{Name: "ssl.keystore.location", Type: TypeString, NoDefault: true, Scope: ScopeBroker,
		Doc: "File with the broker's certificate chain and private key, for SSL and SASL_SSL listeners."},
	{Name: "ssl.keystore.password", Type: TypePassword, NoDefault: true, Scope: ScopeBroker,
		Doc: "Password of the key store file."},
	{Name: "ssl.key.password", Type: TypePassword, NoDefault: true, Scope: ScopeBroker,
		Doc: "Password of the private key in the key store."},
	{Name: "ssl.truststore.location", Type: TypeString, NoDefault: true, Scope: ScopeBroker,
		Doc: "File with the certificate authorities trusted to sign client certificates."},
	{Name: "ssl.truststore.password", Type: TypePassword, NoDefault: true, Scope: ScopeBroker,
		Doc: "Password of the trust store file."},
	{Name: "ssl.client.auth", Type: TypeString, Default: "none", Validator: oneOf{"required", "requested", "none"}, Scope: ScopeBroker,
		Doc: "Whether TLS clients must, may or need not present a certificate."},
}
