"""Collectors for Git hosts (GitHub, GitLab): whole organisations and groups, through their APIs."""
