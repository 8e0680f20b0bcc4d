"""`pipeline-harness preflight`: read-only checks, in about a minute, that the nightly run's first
contact with a real account will work — before anything is pushed or made (`preflight.run`)."""
