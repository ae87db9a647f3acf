"""The support network: the PA register and its checks, same-day cover, shared PAs."""
