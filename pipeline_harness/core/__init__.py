"""What every layer may use and which uses nothing of the harness: its errors and exit codes,
text made inert, the AWS API models, the tutorial's Common Issues read from failure signals."""
