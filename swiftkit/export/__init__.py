"""``swift export``: merged model folders and ZeRO shard consolidation, published atomically."""
