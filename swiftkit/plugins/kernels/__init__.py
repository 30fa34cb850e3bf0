"""Kernel plugins: fused training kernels that replace a model's modules."""
