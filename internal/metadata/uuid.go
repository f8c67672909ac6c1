package metadata

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
)

// UUID is a 16-byte identifier, as Kafka's Uuid: topic IDs, broker
// incarnation IDs and the cluster ID. Its zero value means "no ID" and is
// never assigned.
type UUID [16]byte

// String is Kafka's text form: URL-safe base64 without padding, 22
// characters (Uuid.toString), which is what kafka-topics.sh prints.
func (u UUID) String() string {
	return base64.RawURLEncoding.EncodeToString(u[:])
}

// IsZero reports whether u is the zero UUID.
func (u UUID) IsZero() bool { return u == UUID{} }

// ParseUUID parses Kafka's text form (see String).
func ParseUUID(s string) (UUID, error) {
	var u UUID
	if len(s) != 22 {
		return u, fmt.Errorf("metadata: UUID %q is not 22 characters", s)
	}
	n, err := base64.RawURLEncoding.Decode(u[:], []byte(s))
	if err != nil || n != 16 {
		return UUID{}, fmt.Errorf("metadata: UUID %q is not URL-safe base64", s)
	}
	return u, nil
}

// reservedUUID is Kafka's Uuid.ONE_UUID / METADATA_TOPIC_ID (0, 1), which
// Kafka reserves for the metadata topic and never hands out.
var reservedUUID = UUID{15: 1}

// RandomUUID returns a random (version 4 layout is not required by Kafka,
// which uses 128 random bits) UUID from crypto/rand. Like Kafka's
// Uuid.randomUuid it never returns the zero or the reserved UUID, nor one
// whose text form starts with '-', which command-line tools would take for
// a flag.
func RandomUUID() UUID {
	for {
		var u UUID
		// crypto/rand.Read never returns an error (Go 1.24+): it crashes the
		// program rather than hand out predictable bytes.
		_, _ = rand.Read(u[:])
		if u.IsZero() || u == reservedUUID || u.String()[0] == '-' {
			continue
		}
		return u
	}
}
