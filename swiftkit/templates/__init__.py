"""Generic template behaviour behind template specs: format templates, generated Jinja, tokenizer
templates and the parity check against a tokenizer's own chat template."""
