
# Pass/fail tests do not measure speed (bench/ does, with ratios against a peer in the same run).
# Tests of hostile inputs that once took minutes keep a hang guard: far above the normal cost even
# on a loaded machine, far below what the old superlinear code needed.
HANG_SECONDS = 30
