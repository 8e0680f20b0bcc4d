"""Step 7 of the tutorial as waits: pipeline stages, ECR tags and platforms, ECS rollout, the app's answer."""
