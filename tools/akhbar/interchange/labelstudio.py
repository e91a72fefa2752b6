"""Label Studio (placeholder until written)."""
