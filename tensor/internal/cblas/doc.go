// Package cblas binds OpenBLAS's cblas_sgemm through cgo for tensor's
// OpenBLAS kernel. Its code is built only with the openblas build tag (it
// needs cgo, a C compiler and libopenblas-dev); without the tag the package
// is empty. It is separate from tensor because a Go package cannot mix cgo
// with Go assembly.
package cblas
