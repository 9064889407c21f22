"""The community, its committee roster and member units (R1–R3, R5)."""
