package config

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"testing/iotest"
)

func TestLoadProperties(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]string
	}{
		{"equals", "a=b", map[string]string{"a": "b"}},
		{"colon", "a: b", map[string]string{"a": "b"}},
		{"whitespace separator", "a   b", map[string]string{"a": "b"}},
		{"spaces around equals", "  a  =  b  ", map[string]string{"a": "b"}},
		{"tab and form feed", "\ta\f=\tb", map[string]string{"a": "b"}},
		{"only the first separator counts", "a=b=c:d", map[string]string{"a": "b=c:d"}},
		{"whitespace then equals", "a = =b", map[string]string{"a": "=b"}},
		{"key alone", "flag", map[string]string{"flag": ""}},
		{"key with empty value", "a=", map[string]string{"a": ""}},
		{"hash comment", "# a=b\nc=d", map[string]string{"c": "d"}},
		{"bang comment", "  ! a=b\nc=d", map[string]string{"c": "d"}},
		{"hash inside value is text", "a=b#c", map[string]string{"a": "b#c"}},
		{"blank lines", "\n\n   \na=b\n\n", map[string]string{"a": "b"}},
		{"CRLF", "a=b\r\nc=d\r\n", map[string]string{"a": "b", "c": "d"}},
		{"CR only", "a=b\rc=d", map[string]string{"a": "b", "c": "d"}},
		{"continuation", "a=b,\\\n    c,\\\n    d", map[string]string{"a": "b,c,d"}},
		{"continuation keeps a comment marker", "a=b\\\n  # c", map[string]string{"a": "b# c"}},
		{"continuation onto blank line ends", "a=b\\\n\nc=d", map[string]string{"a": "b", "c": "d"}},
		{"comment is not continued", "# x\\\na=b", map[string]string{"a": "b"}},
		{"escaped backslash is not a continuation", "a=b\\\\\nc=d", map[string]string{"a": `b\`, "c": "d"}},
		{"continuation at end of input", "a=b\\", map[string]string{"a": "b"}},
		{"escapes", `a=t\tn\nr\rf\fq\"`, map[string]string{"a": "t\tn\nr\rf\fq\""}},
		{"unicode", `a=caf\u00e9 \u4e2d`, map[string]string{"a": "café 中"}},
		{"surrogate pair", `a=\ud83d\ude00`, map[string]string{"a": "😀"}},
		{"lone surrogate", `a=\ud83dx`, map[string]string{"a": "\uFFFDx"}},
		{"escaped separators in key", `a\=b\:c\ d=e`, map[string]string{"a=b:c d": "e"}},
		{"escaped trailing space kept", `a=b\ `, map[string]string{"a": "b "}},
		{"unescaped trailing space trimmed", "a=b \t ", map[string]string{"a": "b"}},
		{"inner spaces kept", "a=b  c", map[string]string{"a": "b  c"}},
		{"last duplicate wins", "a=1\na=2", map[string]string{"a": "2"}},
		{"BOM", "\uFEFFa=b", map[string]string{"a": "b"}},
		{"Windows path", `log.dirs=C:\\kafka\\logs`, map[string]string{"log.dirs": `C:\kafka\logs`}},
		{"listeners line", "listeners=PLAINTEXT://:9092,CONTROLLER://[::1]:9093",
			map[string]string{"listeners": "PLAINTEXT://:9092,CONTROLLER://[::1]:9093"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadProperties(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLoadPropertiesErrors(t *testing.T) {
	for _, in := range []string{"a=\\u12", "x=1\n\\uzzzz=b", "a=\\u12g4"} {
		_, err := LoadProperties(strings.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), "malformed \\uXXXX") {
			t.Errorf("%q: error %v, want a malformed escape", in, err)
		}
	}
	_, err := LoadProperties(strings.NewReader("a=1\nb=2\nc=\\u00"))
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("error %v should name line 3", err)
	}
	boom := errors.New("boom")
	if _, err := LoadProperties(iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Errorf("read error %v, want wrapped boom", err)
	}
}

// TestLoadKafkaServerProperties loads a file shaped like Kafka's own
// config/server.properties and builds a broker from it.
func TestLoadKafkaServerProperties(t *testing.T) {
	const file = `
############################# Server Basics #############################
# The role of this server. Setting this puts us in KRaft mode
process.roles=broker,controller

# The node id associated with this instance's roles
node.id=1

# List of controller endpoints used connect to the controller cluster
controller.quorum.voters=1@localhost:9093

############################# Socket Server Settings #############################
listeners=PLAINTEXT://:9092,CONTROLLER://:9093
inter.broker.listener.name=PLAINTEXT
advertised.listeners=PLAINTEXT://localhost:9092
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
num.network.threads=3
num.io.threads=8
socket.send.buffer.bytes=102400
socket.receive.buffer.bytes=102400
socket.request.max.bytes=104857600

############################# Log Basics #############################
log.dirs=/tmp/kraft-combined-logs
num.partitions=1
num.recovery.threads.per.data.dir=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
log.retention.hours=168
log.segment.bytes=1073741824
log.retention.check.interval.ms=300000
`
	props, err := LoadProperties(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewBroker(props, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Warnings()) != 0 {
		t.Errorf("warnings: %v", b.Warnings())
	}
	if b.NodeID != 1 || b.InterBrokerListenerName != "PLAINTEXT" || b.LogDirs[0] != "/tmp/kraft-combined-logs" ||
		b.AdvertisedListeners[0].Addr() != "localhost:9092" || b.QuorumVoters[0].Addr() != "localhost:9093" {
		t.Errorf("unexpected broker: %+v", b)
	}
}
