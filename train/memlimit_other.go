//go:build !linux

package train

// availableMemory is unknown outside Linux: no run is refused by its
// memory estimate.
func availableMemory() (int64, string) { return 0, "" }
