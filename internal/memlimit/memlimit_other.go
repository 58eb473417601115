//go:build !linux

package memlimit

// Available is unknown outside Linux: no run is refused by its
// memory estimate.
func Available() (int64, string) { return 0, "" }
