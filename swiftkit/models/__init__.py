"""Generic model loading behind model specs: the transformers causal-LM loader and checkpoint tables."""
