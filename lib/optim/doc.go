// Package optim holds nerlab's optimizers (SGD, AdamW), gradient clipping
// and learning-rate schedules (flair's anneal-on-plateau and the linear
// warmup/decay schedule).
//
// gotch's own nn.Optimizer wraps C++ torch::optim, whose state cannot be
// read back out, so a run could not be resumed exactly. The optimizers here
// keep their state (moments, momentum buffers, step counts) in tensors and
// plain Go values that State exports and LoadState restores, so a run
// stopped after epoch k and resumed continues bit for bit the curve of an
// uninterrupted run. Schedules are pure Go values whose exported fields are
// their whole state and encode to JSON.
//
// Updates follow PyTorch 1.13's single-tensor torch.optim.SGD and
// torch.optim.AdamW operation by operation: gotch has no alpha/value
// arguments for add_, addcmul_ and addcdiv_, so y + α·x is written as
// addcmul with α in a 0-dim tensor, which rounds exactly as PyTorch's
// kernels do. On the CPU the tests find parameters bit-identical to
// PyTorch's after every step, in float32 and float64.
//
// Memory: every update runs on libtorch handles that this package frees in
// the same step. gotch's in-place wrappers (MustAdd_ and friends) replace
// a tensor's handle with a new one and never free the old, which pins the
// old storage; the code here calls libtorch through gotch's libtch layer
// instead and frees each handle it receives.
package optim
