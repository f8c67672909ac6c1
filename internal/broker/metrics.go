package broker

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samsa-io/samsa/internal/replica"
)

// partitionCollector exposes per-partition and per-topic series at scrape
// time from the partitions' own counters: nothing is updated per record, and
// deleted partitions simply stop appearing.
type partitionCollector struct {
	replicas *replica.Manager
	leo      *prometheus.Desc
	start    *prometheus.Desc
	size     *prometheus.Desc
	bytesIn  *prometheus.Desc
	bytesOut *prometheus.Desc
}

func newPartitionCollector(r *replica.Manager) *partitionCollector {
	return &partitionCollector{
		replicas: r,
		leo:      prometheus.NewDesc("samsa_partition_log_end_offset", "Offset the next record appended to the partition will get.", []string{"topic", "partition"}, nil),
		start:    prometheus.NewDesc("samsa_partition_log_start_offset", "First offset that can be read from the partition.", []string{"topic", "partition"}, nil),
		size:     prometheus.NewDesc("samsa_partition_size_bytes", "Bytes of the partition's log segments.", []string{"topic", "partition"}, nil),
		bytesIn:  prometheus.NewDesc("samsa_topic_bytes_in_total", "Record bytes appended to the topic since the broker started.", []string{"topic"}, nil),
		bytesOut: prometheus.NewDesc("samsa_topic_bytes_out_total", "Record bytes fetched from the topic since the broker started.", []string{"topic"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *partitionCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.leo
	ch <- c.start
	ch <- c.size
	ch <- c.bytesIn
	ch <- c.bytesOut
}

// Collect implements prometheus.Collector.
func (c *partitionCollector) Collect(ch chan<- prometheus.Metric) {
	in, out := map[string]int64{}, map[string]int64{}
	for _, p := range c.replicas.Partitions() {
		part := strconv.Itoa(int(p.Index))
		l := p.Log()
		ch <- prometheus.MustNewConstMetric(c.leo, prometheus.GaugeValue, float64(l.LogEndOffset()), p.Topic, part)
		ch <- prometheus.MustNewConstMetric(c.start, prometheus.GaugeValue, float64(l.LogStartOffset()), p.Topic, part)
		ch <- prometheus.MustNewConstMetric(c.size, prometheus.GaugeValue, float64(l.Size()), p.Topic, part)
		in[p.Topic] += p.BytesIn()
		out[p.Topic] += p.BytesOut()
	}
	for topic, n := range in {
		ch <- prometheus.MustNewConstMetric(c.bytesIn, prometheus.CounterValue, float64(n), topic)
		ch <- prometheus.MustNewConstMetric(c.bytesOut, prometheus.CounterValue, float64(out[topic]), topic)
	}
}
