package group

import "unicode/utf16"

// javaStringHashCode is Java's String.hashCode: s*31^(n-1) + ... over the
// UTF-16 code units, in int32 arithmetic. Kafka places a group with it, so
// Samsa must too: a client or tool that computes the partition of a group
// (and __consumer_offsets data moved between clusters) must agree.
func javaStringHashCode(s string) int32 {
	var h int32
	for _, u := range utf16.Encode([]rune(s)) {
		h = 31*h + int32(u)
	}
	return h
}

// partitionFor is Kafka's Utils.abs(groupId.hashCode) % partitions, where
// Utils.abs maps MinInt32 to 0 rather than overflowing.
func partitionFor(groupID string, partitions int32) int32 {
	h := javaStringHashCode(groupID)
	if h == -1<<31 {
		h = 0
	} else if h < 0 {
		h = -h
	}
	return h % partitions
}
