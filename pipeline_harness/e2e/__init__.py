"""The nightly end-to-end run on a real AWS account: inputs, the GitHub push, the flow, its report."""
