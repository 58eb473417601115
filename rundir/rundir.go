// Package rundir owns a run directory: the names of its files, their
// formats and the writing and reading of each. train writes a run through
// it and experiment, report and cmd read runs back through it; no other
// package spells a file name.
//
// A run directory holds:
//
//	config.json          the run's config.Config (indented JSON)
//	metrics.jsonl        one Epoch per line, epoch 0 first
//	diag.jsonl           one Diag per line (config.Config.DiagEvery > 0)
//	checkpoint           the state to continue the run (see WriteCheckpoint)
//	summary.json         the Summary of a finished run (indented JSON)
//	diverged.json        the Divergence of a run stopped by a non-finite loss
//	codes.csv            an autoencoder's codes of the test set (z1,…,zk,label)
//	reconstructions.json an autoencoder's Reconstructions
//	train.log            the progress of a run trained by a sweep or reproduction
//	.lock                while a process writes the run: its PID (see Lock)
//
// Whole files are written atomically (internal/atomicfile: a temporary
// file, synced and renamed), so a reader sees the old file or the new one.
// The jsonl files grow by one line per write call, synced after each, and
// a reader ignores a last line that lacks its newline (it may be half
// written). Every file is read with a size cap derived from what it can
// legitimately hold (the Max constants), so /dev/zero or a huge sparse
// file is refused by its size, never read into memory. Writers hold the
// directory's Lock; readers take none.
package rundir

import (
	"os"
	"path/filepath"
)

// The files of a run directory.
const (
	ConfigFile          = "config.json"
	MetricsFile         = "metrics.jsonl"
	DiagFile            = "diag.jsonl"
	CheckpointFile      = "checkpoint"
	SummaryFile         = "summary.json"
	DivergedFile        = "diverged.json"
	CodesFile           = "codes.csv"
	ReconstructionsFile = "reconstructions.json"
	LogFile             = "train.log"
	lockFile            = ".lock"
)

// Size caps of the files a reader reads, in bytes. A file (or a line)
// beyond its cap is refused with an error naming it.
const (
	// MaxConfigBytes caps config.json: some thirty settings, the longest
	// a network description.
	MaxConfigBytes = 1 << 20
	// MaxSummaryBytes caps summary.json: a few numbers and one object of
	// diagnostics per hidden layer.
	MaxSummaryBytes = 16 << 20
	// MaxLineBytes caps a line of metrics.jsonl or diag.jsonl: a few
	// numbers and one object (some 300 bytes) per hidden layer.
	MaxLineBytes = 1 << 20
	// MaxJSONLBytes caps the whole of metrics.jsonl or diag.jsonl: a
	// million epochs, or 2·10⁶ diagnostic lines of a few layers each.
	MaxJSONLBytes = 1 << 30
	// MaxDivergedBytes caps diverged.json: a few numbers and a word.
	MaxDivergedBytes = 64 << 10
	// MaxReconstructionsBytes caps reconstructions.json: ten inputs and
	// outputs of at most a CIFAR-10 image's 3072 values each.
	MaxReconstructionsBytes = 64 << 20
	// MaxCodesBytes caps codes.csv: a test set's codes at the narrowest
	// hidden layer.
	MaxCodesBytes = 1 << 30
	// MaxCheckpointHeader caps a checkpoint's JSON header (the settings,
	// the position, the random streams and the arrays' lengths); the
	// whole checkpoint is capped by the size its header describes.
	MaxCheckpointHeader = 1 << 20
)

// Path returns the path of the file name (one of the File constants) in
// the run directory dir.
func Path(dir, name string) string { return filepath.Join(dir, name) }

// HoldsRun reports whether dir holds a run (its config.json exists).
func HoldsRun(dir string) bool {
	_, err := os.Stat(Path(dir, ConfigFile))
	return err == nil
}

// IsFinished reports whether the run in dir has finished (its
// summary.json exists).
func IsFinished(dir string) bool {
	_, err := os.Stat(Path(dir, SummaryFile))
	return err == nil
}

// HasCheckpoint reports whether dir holds a checkpoint.
func HasCheckpoint(dir string) bool {
	_, err := os.Stat(Path(dir, CheckpointFile))
	return err == nil
}
