package cli

import "runtime"

func numCPU() int       { return runtime.NumCPU() }
func goVersion() string { return runtime.Version() }
func goOS() string      { return runtime.GOOS + "/" + runtime.GOARCH }
