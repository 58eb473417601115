// Package memlimit tells how much memory this process may use: the
// smallest of the cgroup's memory limit, the address-space limit and the
// machine's available memory.
package memlimit
