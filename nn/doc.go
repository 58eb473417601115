// Package nn holds layers with explicit forward and backward passes, the
// activations and losses, and Net, a stack of blocks.
//
// Conventions: a batch is a tensor.Mat with one example per row (an image
// flattened in CHW order). A block is a weighted core (Dense or Conv2D)
// followed by parameter-free layers (its activation, then any MaxPool or
// Dropout); the output of every block but the last is a hidden site, the
// place where a feedback rule delivers its error estimate and where node
// perturbation adds noise. Net.Backward runs the exact backward pass inside
// each block and asks a Deliverer for the error at each site, so the same
// network serves backprop and every rule that replaces the transposed
// weights.
//
// Buffers returned by Forward and Backward belong to the layer and stay
// valid until its next call; sized once for the largest batch, they are
// reused without allocation.
package nn
