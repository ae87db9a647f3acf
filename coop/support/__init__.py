"""Support between members: PA register and cover, shared PAs, pooled funds, peer buddies."""
