package controller

import (
	"fmt"
	"strings"

	"github.com/samsa-io/samsa/internal/metadata"
)

// maxTopicNameLength is Kafka's Topic.MAX_NAME_LENGTH: 249, so that
// "<topic>-<partition>" directory names stay under 255 bytes.
const maxTopicNameLength = 249

// validateTopicName applies Kafka's Topic.validate: 1 to 249 characters of
// [a-zA-Z0-9._-], and not "." or "..", which would be directory names.
func validateTopicName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: topic name is empty", ErrInvalidTopic)
	case name == "." || name == "..":
		return fmt.Errorf("%w: topic name cannot be %q", ErrInvalidTopic, name)
	case len(name) > maxTopicNameLength:
		return fmt.Errorf("%w: topic name is %d characters, more than %d", ErrInvalidTopic, len(name), maxTopicNameLength)
	}
	for i := 0; i < len(name); i++ {
		if !legalTopicChar(name[i]) {
			return fmt.Errorf("%w: topic name %q has the character %q; only ASCII alphanumerics, '.', '_' and '-' are legal",
				ErrInvalidTopic, name, name[i])
		}
	}
	return nil
}

func legalTopicChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

// unifyTopicName maps '.' to '_': two topic names that unify alike collide,
// because metric names replace '.' with '_' (Kafka's Topic.unifyCollisionChars).
func unifyTopicName(name string) string {
	return strings.ReplaceAll(name, ".", "_")
}

// topicCollision returns an existing topic name that collides with name (the
// same once unified, but not equal), or "". Only names with '.' or '_' can
// collide; others skip the scan of every topic.
func topicCollision(img *metadata.Image, name string) string {
	if !strings.ContainsAny(name, "._") {
		return ""
	}
	u := unifyTopicName(name)
	for t := range img.AllTopics() {
		if t.Name != name && unifyTopicName(t.Name) == u {
			return t.Name
		}
	}
	return ""
}

// ValidTopicName reports whether name follows Kafka's topic name rules.
func ValidTopicName(name string) bool { return validateTopicName(name) == nil }
