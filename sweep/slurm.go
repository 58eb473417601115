package sweep

import (
	"fmt"
	"strings"
)

// Slurm describes an sbatch script that runs a sweep as a job array: task
// i runs `credit sweep File --index i`, so the array spreads the runs over
// whatever nodes the cluster gives it. Paths must be absolute and visible
// to the nodes (a shared file system).
type Slurm struct {
	Name        string // the job's name
	Runs        int    // the number of runs: the array is 0…Runs-1
	CPUsPerTask int    // each task's CPUs, which its kernels use as threads (GOMAXPROCS)
	Credit      string // the credit binary
	File        string // the experiment file
	Scale       string // its scale, "" for none
	Dir         string // the sweep's directory; task logs go to Dir/slurm/
}

// Script returns the sbatch script.
func (s Slurm) Script() string {
	var b strings.Builder
	fmt.Fprintf(&b, `#!/bin/bash
# A Slurm job array of the sweep %s: %d runs, one task each.
# Submit with: sbatch %s
# Options given to sbatch (--partition, --time, --mem, …) override those below;
# a task whose run has finished already does nothing, so resubmitting continues.
#SBATCH --job-name=%s
#SBATCH --array=0-%d
#SBATCH --cpus-per-task=%d
#SBATCH --output=%s
# The kernels use one thread per CPU of the task.
export GOMAXPROCS="${SLURM_CPUS_PER_TASK:-%d}"
exec %s sweep %s`,
		s.File, s.Runs, quote(s.Dir+"/sweep.sbatch"), slug(s.Name), s.Runs-1, s.CPUsPerTask, quote(s.Dir+"/slurm/%A_%a.out"), s.CPUsPerTask,
		quote(s.Credit), quote(s.File))
	if s.Scale != "" {
		fmt.Fprintf(&b, " --scale %s", quote(s.Scale))
	}
	fmt.Fprintf(&b, " --out %s --index \"$SLURM_ARRAY_TASK_ID\"\n", quote(s.Dir))
	return b.String()
}

// quote quotes s for the shell when it needs it.
func quote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=,:@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
