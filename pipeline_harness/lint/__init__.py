"""The lab's buildspec.yml, its Dockerfile and imagedefinitions.json: lint, and dry-run in bash."""
