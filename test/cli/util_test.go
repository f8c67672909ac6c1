//go:build cli

package cli

import (
	"strconv"
	"time"
)

func itoa(i int) string { return strconv.Itoa(i) }

func sleep(ms int) { time.Sleep(time.Duration(ms) * time.Millisecond) }
