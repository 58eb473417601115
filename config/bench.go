package config

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Schedules lists the accepted --schedule names ("" is constant).
var Schedules = []string{"constant", "step", "cosine"}

// Inits lists the accepted --init names ("" is normal).
var Inits = []string{"normal", "xavier", "kaiming"}

// ParseMilestones parses a step schedule's milestones, a comma-separated
// list of increasing positive epochs ("100,150"); "" is none. A list, not
// a YAML sequence, because an experiment file's lists are sweep axes.
func ParseMilestones(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var ms []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("%q is not a positive epoch (want a comma-separated list such as 100,150)", f)
		}
		if len(ms) > 0 && v <= ms[len(ms)-1] {
			return nil, fmt.Errorf("%d does not follow %d: milestones must increase", v, ms[len(ms)-1])
		}
		ms = append(ms, v)
	}
	return ms, nil
}

// GammaOrDefault returns the step schedule's factor (0.1 when unset).
func (c *Config) GammaOrDefault() float64 {
	if c.Gamma == 0 {
		return 0.1
	}
	return c.Gamma
}

// validateBench checks the settings of issue 15 (schedules, L2,
// initialisation, validation split, augmentation).
func (c *Config) validateBench() error {
	if c.Schedule != "" && !slices.Contains(Schedules, c.Schedule) {
		return errf("schedule", "unknown schedule %q (want one of %v)", c.Schedule, Schedules)
	}
	if c.WarmupEpochs < 0 || c.WarmupEpochs >= c.Epochs {
		return errf("warmup_epochs", "must be ≥ 0 and below --epochs (%d), got %d", c.Epochs, c.WarmupEpochs)
	}
	ms, err := ParseMilestones(c.Milestones)
	if err != nil {
		return errf("milestones", "%v", err)
	}
	if len(ms) > 0 && c.Schedule != "step" {
		return errf("milestones", "only the step schedule has milestones (give --schedule step)")
	}
	if len(ms) > 0 && ms[len(ms)-1] >= c.Epochs {
		return errf("milestones", "milestone %d is not before the last epoch (%d epochs)", ms[len(ms)-1], c.Epochs)
	}
	if !(c.Gamma >= 0 && c.Gamma <= 1) {
		return errf("gamma", "must be in (0, 1] (0: 0.1), got %v", c.Gamma)
	}
	if !(c.L2 >= 0) || math.IsInf(c.L2, 0) {
		return errf("l2", "must be a finite number ≥ 0, got %v", c.L2)
	}
	if c.Init != "" && !slices.Contains(Inits, c.Init) {
		return errf("init", "unknown initialisation %q (want one of %v)", c.Init, Inits)
	}
	if c.ValSize < 0 {
		return errf("val_size", "must be ≥ 0, got %d", c.ValSize)
	}
	return nil
}
