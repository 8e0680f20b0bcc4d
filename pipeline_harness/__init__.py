"""Verify the ECS CodePipeline lab: provision, check, wait, grade."""
