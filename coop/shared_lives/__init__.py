"""shared lives domain."""
