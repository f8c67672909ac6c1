package storage

import (
	"cmp"
	"strconv"
	"strings"
)

// TopicPartition names a partition log. Its directory is "<topic>-<partition>".
type TopicPartition struct {
	Topic     string
	Partition int32
}

// String is the directory name, Kafka's "<topic>-<partition>".
func (tp TopicPartition) String() string {
	return tp.Topic + "-" + strconv.FormatInt(int64(tp.Partition), 10)
}

func (tp TopicPartition) compare(o TopicPartition) int {
	if c := cmp.Compare(tp.Topic, o.Topic); c != 0 {
		return c
	}
	return cmp.Compare(tp.Partition, o.Partition)
}

// parseTopicPartition reads a partition directory name. Topic names may
// contain '-', so the partition is what follows the last one.
func parseTopicPartition(name string) (TopicPartition, bool) {
	i := strings.LastIndexByte(name, '-')
	if i <= 0 || i == len(name)-1 {
		return TopicPartition{}, false
	}
	p, err := strconv.ParseInt(name[i+1:], 10, 32)
	if err != nil || p < 0 || name[i+1] == '+' || !validTopicName(name[:i]) {
		return TopicPartition{}, false
	}
	return TopicPartition{Topic: name[:i], Partition: int32(p)}, true
}

// validTopicName is Kafka's rule: 1-249 characters of [a-zA-Z0-9._-], and
// not "." or "..".
func validTopicName(t string) bool {
	if len(t) == 0 || len(t) > 249 || t == "." || t == ".." {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
