"""The lab grader: a read-only, per-step score of a student's account, with the tutorial's hints."""
